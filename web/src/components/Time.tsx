import { formatTime } from '../format';

/** A moment, with its exact UTC time on hover. */
export function Time({ value, precise = false }: { value: string | null | undefined; precise?: boolean }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <time dateTime={value} title={value}>
      {formatTime(value, precise)}
    </time>
  );
}

import type { DiffLine } from './diff-lines';

const KIND_WORD = { added: 'Added', removed: 'Removed', changed: 'Changed', moved: 'Moved' } as const;

/**
 * A diff as a list of "field: old → new" lines. Each line starts with its kind as a word and marks the old value
 * struck through and the new one underlined, so nothing depends on colour; a secret reads "secret changed".
 */
export function DiffList({ lines, label }: { lines: DiffLine[]; label: string }) {
  return (
    <ul className="diff-list" aria-label={label}>
      {lines.map((line, index) => (
        <li key={`${index} ${line.path}`} className={`diff-line diff-${line.kind}`}>
          <span className="diff-kind">{KIND_WORD[line.kind]}</span>{' '}
          <code className="diff-field" title={line.path}>
            {line.field}
          </code>{' '}
          {line.secret ? (
            <span className="diff-secret">secret {line.kind === 'added' ? 'set' : line.kind === 'removed' ? 'removed' : 'changed'} (value not shown)</span>
          ) : (
            <span className="diff-values">
              {line.before !== undefined ? (
                <del className="diff-before">
                  <span className="visually-hidden">was </span>
                  {line.before}
                </del>
              ) : null}
              {line.before !== undefined && line.after !== undefined ? <span aria-hidden="true"> → </span> : null}
              {line.after !== undefined ? (
                <ins className="diff-after">
                  <span className="visually-hidden">now </span>
                  {line.after}
                </ins>
              ) : null}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

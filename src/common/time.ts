/** The database keeps epoch seconds (REAL, as the seed did); the wire carries ISO-8601 UTC strings. */
export const nowEpochSeconds = (): number => Date.now() / 1000;

export function epochSecondsToIso(seconds: number): string;
export function epochSecondsToIso(seconds: number | null | undefined): string | null;
export function epochSecondsToIso(seconds: number | null | undefined): string | null {
  return seconds === null || seconds === undefined ? null : new Date(Math.round(seconds * 1000)).toISOString();
}

/**
 * The one source of "now" for anything that decides by wall-clock time what is due (the scheduler, the
 * next run shown on an instance). Bound globally to SystemClock; tests bind a ManualClock and move it, so
 * time-based behaviour is tested by moving time, never by waiting for it.
 */
export abstract class Clock {
  /** Epoch milliseconds. */
  abstract now(): number;

  /** Epoch seconds, as the database keeps times. */
  nowSeconds(): number {
    return this.now() / 1000;
  }
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that stands still until told to move (tests). */
export class ManualClock extends Clock {
  private current: number;

  constructor(start: Date | string | number = Date.now()) {
    super();
    this.current = new Date(start).getTime();
  }

  now(): number {
    return this.current;
  }

  set(to: Date | string | number): void {
    this.current = new Date(to).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

import { ServerProcess } from './processes';

/** The scheduler's figures as GET /health shows them (src/health/dto/health.dto.ts). */
export interface SchedulerFigures {
  tick_interval_ms: number;
  last_tick: { started_at: string; duration_ms: number; due: number; fired: number; skipped: number } | null;
  recent: { ticks: number; mean_ms: number; p99_ms: number; max_ms: number };
  since_start: { ticks: number; failed: number; overrun: number; due: number; fired: number; skipped: number; duration_ms: number; max_ms: number };
}

export type TickFigures = NonNullable<SchedulerFigures['last_tick']>;

export async function schedulerFigures(server: ServerProcess): Promise<SchedulerFigures> {
  let response: Response;
  try {
    response = await fetch(`${server.baseUrl}/health`);
  } catch (first) {
    // Once more: a kept-alive socket may have been closed by the server just as it was reused.
    try {
      response = await fetch(`${server.baseUrl}/health`);
    } catch (error) {
      throw new Error(`GET /health: ${(error as Error).message} (${String((error as Error).cause)}; first try: ${String((first as Error).cause)}); server ${server.describe()}`);
    }
  }
  if (response.status !== 200) throw new Error(`GET /health: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { scheduler: SchedulerFigures }).scheduler;
}

/** Polls until `done` holds for the scheduler's figures, every 100 ms; fails after `timeoutMs`. */
export async function waitForTicks(server: ServerProcess, done: (figures: SchedulerFigures) => boolean, timeoutMs: number, what: string): Promise<SchedulerFigures> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const figures = await schedulerFigures(server);
    if (done(figures)) return figures;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; scheduler figures: ${JSON.stringify(figures)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Collects every tick a server finishes while it runs, from outside the process: polls /health every 100 ms
 * (ten times per default tick) and keeps each new `last_tick`. `since_start` before and after gives the exact
 * counts and mean; `sampled` below `ticks` says a tick finished between two polls and was not seen (its
 * duration is in the mean, not in p99 and max).
 */
export class TickSampler {
  private readonly ticks = new Map<number, TickFigures>();
  private running = true;
  private readonly done: Promise<void>;
  /** When `before` was read (performance.now()): the window's start. */
  private startedAt = 0;
  readonly before: Promise<SchedulerFigures>;

  constructor(private readonly server: ServerProcess) {
    this.before = schedulerFigures(server).then((figures) => {
      this.startedAt = performance.now();
      return figures;
    });
    this.done = this.poll();
  }

  private async poll(): Promise<void> {
    await this.before;
    while (this.running) {
      this.keep(await schedulerFigures(this.server));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private keep(figures: SchedulerFigures): void {
    if (figures.last_tick) this.ticks.set(figures.since_start.ticks, figures.last_tick);
  }

  async stop(): Promise<{ sampled: TickFigures[]; window: WindowCounts }> {
    this.running = false;
    await this.done;
    const [before, after] = [await this.before, await schedulerFigures(this.server)];
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.keep(after);
    const sampled = [...this.ticks.entries()].filter(([count]) => count > before.since_start.ticks).map(([, tick]) => tick);
    const delta = (key: keyof SchedulerFigures['since_start']) => after.since_start[key] - before.since_start[key];
    return { sampled, window: { seconds, ticks: delta('ticks'), failed: delta('failed'), overrun: delta('overrun'), due: delta('due'), fired: delta('fired'), skipped: delta('skipped'), durationMs: delta('duration_ms') } };
  }
}

/** What the ticks in a window did, from the difference of two `since_start` readings. */
export interface WindowCounts {
  seconds: number;
  ticks: number;
  failed: number;
  overrun: number;
  due: number;
  fired: number;
  skipped: number;
  durationMs: number;
}

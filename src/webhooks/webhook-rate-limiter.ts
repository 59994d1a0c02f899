import { Clock } from '../common/clock';

const WINDOW_MS = 60_000;
/** Above this many tracked webhooks, windows that have ended are dropped. */
const PRUNE_ABOVE = 10_000;

/**
 * Deliveries per webhook per minute, in this process: a fixed window per webhook id, timed by the Clock (tests
 * move it). Only known, active webhooks are counted, so made-up tokens cannot grow the map.
 */
export class WebhookRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly max: number,
    private readonly clock: Clock,
  ) {}

  /** Counts one delivery; the seconds to wait when the webhook is over its limit, else null. */
  take(webhookId: string): number | null {
    if (this.max <= 0) return null;
    const now = this.clock.now();
    let window = this.windows.get(webhookId);
    if (!window || now - window.start >= WINDOW_MS) {
      if (this.windows.size >= PRUNE_ABOVE) this.prune(now);
      window = { start: now, count: 0 };
      this.windows.set(webhookId, window);
    }
    window.count++;
    if (window.count <= this.max) return null;
    return Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
  }

  private prune(now: number): void {
    for (const [id, window] of this.windows) if (now - window.start >= WINDOW_MS) this.windows.delete(id);
  }
}

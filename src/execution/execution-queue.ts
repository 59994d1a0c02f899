import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Settings } from '../config/settings';

/** How often held runs (retries waiting out their backoff) are checked against the Clock while any are held. */
const HELD_CHECK_MS = 50;

/**
 * Where queued runs wait for a worker. Every state change lives in the database (a queued row is the
 * job); the queue only decides when this process picks a job up, so another implementation (a
 * distributed queue) can replace the in-process one behind this interface.
 */
export abstract class ExecutionQueue {
  /** Registers the worker that runs one queued execution. */
  abstract process(worker: (executionId: string) => Promise<void>): void;
  /** Schedules a queued execution, not before `notBefore` (epoch seconds) when given. */
  abstract enqueue(executionId: string, notBefore?: number | null): void;
  /** Stops starting new runs; runs already started carry on. */
  abstract close(): void;
  /**
   * Takes a free slot for a run the caller starts itself at once, skipping the queued state; null when
   * none is free, runs are waiting (they go first) or the queue is closed. The caller must release it.
   */
  abstract reserveSlot(): QueueSlot | null;
}

/** A slot of the queue's concurrency limit held by a run started outside the queue. */
export interface QueueSlot {
  /** Gives the slot back; later calls do nothing. */
  release(): void;
}

/**
 * FIFO with a concurrency limit (EXECUTION_CONCURRENCY). A run with a `notBefore` (a retry's backoff) is held until
 * the Clock reaches it, checked every HELD_CHECK_MS while any is held: tests move the clock instead of waiting out a
 * backoff, as they do for schedules.
 */
@Injectable()
export class InProcessExecutionQueue extends ExecutionQueue {
  private readonly logger = new Logger(InProcessExecutionQueue.name);
  private readonly pending: string[] = [];
  private readonly scheduled = new Set<string>();
  /** Held runs: execution id -> epoch seconds it may start at. */
  private readonly held = new Map<string, number>();
  private heldTimer: NodeJS.Timeout | null = null;
  private worker: ((executionId: string) => Promise<void>) | null = null;
  private active = 0;
  private closed = false;

  constructor(
    private readonly settings: Settings,
    private readonly clock: Clock,
  ) {
    super();
  }

  process(worker: (executionId: string) => Promise<void>): void {
    this.worker = worker;
    this.pump();
  }

  enqueue(executionId: string, notBefore?: number | null): void {
    if (this.closed || this.scheduled.has(executionId)) return;
    this.scheduled.add(executionId);
    if (notBefore && notBefore > this.clock.nowSeconds()) {
      this.held.set(executionId, notBefore);
      this.heldTimer ??= setInterval(() => this.releaseDue(), HELD_CHECK_MS).unref();
      return;
    }
    this.pending.push(executionId);
    this.pump();
  }

  close(): void {
    this.closed = true;
    this.stopHeldTimer();
    this.held.clear();
    this.pending.length = 0;
  }

  /** Moves the held runs whose time has come (by the Clock) to the queue, oldest due first. */
  private releaseDue(): void {
    const now = this.clock.nowSeconds();
    const due = [...this.held].filter(([, notBefore]) => notBefore <= now).sort((a, b) => a[1] - b[1]);
    for (const [executionId] of due) {
      this.held.delete(executionId);
      this.pending.push(executionId);
    }
    if (this.held.size === 0) this.stopHeldTimer();
    if (due.length > 0) this.pump();
  }

  private stopHeldTimer(): void {
    if (this.heldTimer) clearInterval(this.heldTimer);
    this.heldTimer = null;
  }

  reserveSlot(): QueueSlot | null {
    if (this.closed || !this.worker || this.pending.length > 0 || this.active >= this.settings.executionConcurrency) return null;
    this.active++;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.active--;
        this.pump();
      },
    };
  }

  private pump(): void {
    while (!this.closed && this.worker && this.active < this.settings.executionConcurrency && this.pending.length > 0) {
      const executionId = this.pending.shift()!;
      this.active++;
      this.worker(executionId)
        .catch((error: Error) => this.logger.error(`run ${executionId} failed in the worker: ${error.stack ?? error.message}`))
        .finally(() => {
          this.active--;
          this.scheduled.delete(executionId);
          this.pump();
        });
    }
  }
}

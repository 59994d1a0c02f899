import { Injectable, Logger } from '@nestjs/common';
import { Settings } from '../config/settings';

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

/** FIFO with a concurrency limit (EXECUTION_CONCURRENCY) and timers for delayed retries. */
@Injectable()
export class InProcessExecutionQueue extends ExecutionQueue {
  private readonly logger = new Logger(InProcessExecutionQueue.name);
  private readonly pending: string[] = [];
  private readonly scheduled = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private worker: ((executionId: string) => Promise<void>) | null = null;
  private active = 0;
  private closed = false;

  constructor(private readonly settings: Settings) {
    super();
  }

  process(worker: (executionId: string) => Promise<void>): void {
    this.worker = worker;
    this.pump();
  }

  enqueue(executionId: string, notBefore?: number | null): void {
    if (this.closed || this.scheduled.has(executionId)) return;
    this.scheduled.add(executionId);
    const delayMs = notBefore ? notBefore * 1000 - Date.now() : 0;
    if (delayMs <= 0) {
      this.pending.push(executionId);
      this.pump();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.pending.push(executionId);
      this.pump();
    }, delayMs);
    this.timers.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending.length = 0;
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

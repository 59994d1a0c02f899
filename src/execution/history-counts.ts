import { Injectable } from '@nestjs/common';

/**
 * How many execution rows each instance has, as far as this process knows, so history is pruned only
 * when an instance may be over its limit instead of after every run. Exact under the one-process-per-
 * database rule: every insert of this process is counted, and a count that a concurrent insert may have
 * made stale is forgotten (read again at the next prune).
 */
@Injectable()
export class HistoryCounts {
  private readonly known = new Map<string, { count: number | null; inserts: number }>();

  /** A row of the instance was inserted (call inside the inserting transaction, once the INSERT succeeded). */
  added(instanceId: string): void {
    const entry = this.known.get(instanceId);
    if (!entry) return;
    entry.inserts++;
    if (entry.count !== null) entry.count++;
  }

  /** False only when the instance is known to be within the limit. */
  mayExceed(instanceId: string, limit: number): boolean {
    const count = this.known.get(instanceId)?.count;
    return count === undefined || count === null || count > limit;
  }

  /** The known count (null when unknown), and a mark to hand back to `settle`. */
  snapshot(instanceId: string): { count: number | null; mark: number } {
    let entry = this.known.get(instanceId);
    if (!entry) this.known.set(instanceId, (entry = { count: null, inserts: 0 }));
    return { count: entry.count, mark: entry.inserts };
  }

  /** Records the count a prune ended with; forgotten instead if rows were inserted since `mark`. */
  settle(instanceId: string, count: number, mark: number): void {
    const entry = this.known.get(instanceId);
    if (!entry) return;
    entry.count = entry.inserts === mark ? count : null;
  }

  /** The count may be wrong (a transaction that counted failed to commit): read it again next time. */
  forget(instanceId: string): void {
    this.known.delete(instanceId);
  }
}

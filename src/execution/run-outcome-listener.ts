import { EntityManager } from 'typeorm';
import type { RunStreak } from '../instances/instances.service';
import type { PluginExecutionEntity } from './plugin-execution.entity';

/**
 * Told of a run chain's final outcome inside the transaction that records it, so what it writes commits or rolls
 * back with the run. The notifications module, above execution, binds it (its outbox); execution imports nothing
 * of notifications. Must be cheap when nobody listens: it runs on every finished run.
 */
export abstract class RunOutcomeListener {
  /** Whether a successful run's instance streak is wanted (someone would announce it); a failure's is always read. */
  abstract wantsStreak(execution: PluginExecutionEntity): boolean;

  /** `streak`: the instance's failure streak after this run; null when not read (a success nobody announces) or the run was cancelled. */
  abstract runSettled(manager: EntityManager, execution: PluginExecutionEntity, streak: RunStreak | null): Promise<void>;

  /** After that transaction committed: what was written may now be acted on. */
  abstract settledCommitted(execution: PluginExecutionEntity): void;
}

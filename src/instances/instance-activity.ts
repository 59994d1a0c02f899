import { EntityManager } from 'typeorm';

/**
 * Whether an instance has a run queued or running. Instances sit below execution, so they ask through
 * this class, which the execution module binds (to its repository).
 */
export abstract class InstanceActivity {
  /** The id of the instance's unfinished run, or null; inside the caller's transaction. */
  abstract unfinishedRunOf(manager: EntityManager, instanceId: string): Promise<string | null>;
}

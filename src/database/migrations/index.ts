import { InitialSchema1732406400000 } from './1732406400000-initial-schema';
import { ExecutionEngine1732492800000 } from './1732492800000-execution-engine';

/** Every migration, oldest first. Migrations run at boot; schema synchronisation is never used. */
export const MIGRATIONS = [InitialSchema1732406400000, ExecutionEngine1732492800000];

import { InitialSchema1732406400000 } from './1732406400000-initial-schema';

/** Every migration, oldest first. Migrations run at boot; schema synchronisation is never used. */
export const MIGRATIONS = [InitialSchema1732406400000];

import { FileProblem } from './file-problem';

/** applied: the set was applied; invalid: this file has a problem; not_applied: the set was not applied because another file has one. */
export const FILE_STATUSES = ['applied', 'invalid', 'not_applied'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

/** What applying did to each instance a file names: absent is a delete_instances entry that named no instance. */
export const INSTANCE_ACTIONS = ['created', 'updated', 'unchanged', 'deleted', 'absent'] as const;
export type InstanceAction = (typeof INSTANCE_ACTIONS)[number];

/** off: PROVISIONING_PATH is not set; applied: the last attempt applied every file; failed: it changed nothing. */
export const PROVISIONING_STATUSES = ['off', 'applied', 'failed'] as const;
export type ProvisioningStatus = (typeof PROVISIONING_STATUSES)[number];

export interface InstanceOutcome {
  name: string;
  id: string | null;
  action: InstanceAction;
}

export interface FileReport {
  file: string;
  status: FileStatus;
  /** One entry per instance the file names, in file order; empty unless the set was applied. */
  instances: InstanceOutcome[];
  error: FileProblem | null;
}

/** The last attempt to apply the provisioning files (at boot or by reload). Times are epoch seconds. */
export interface ProvisioningReport {
  path: string | null;
  status: ProvisioningStatus;
  checked_at: number | null;
  /** The last time this process applied the files successfully (an attempt that failed leaves it). */
  applied_at: number | null;
  /** A problem of the set as a whole: the folder cannot be read, or applying failed for a reason no file explains. */
  error: FileProblem | null;
  files: FileReport[];
  /** Instances that were provisioned from a file that no longer declares them: left as they are, writable through the API again. */
  released: { id: string; name: string; file: string }[];
}

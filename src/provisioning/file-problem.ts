/** What is wrong with a provisioning file: `path` is a JSON Pointer into the file's content, when it points somewhere. */
export interface FileProblem {
  message: string;
  path?: string;
}

/** Thrown while a file is read, checked or applied; the report shows it on the file. */
export class ProvisioningFileError extends Error {
  constructor(readonly problem: FileProblem) {
    super(problem.path ? `${problem.path}: ${problem.message}` : problem.message);
    this.name = 'ProvisioningFileError';
  }
}

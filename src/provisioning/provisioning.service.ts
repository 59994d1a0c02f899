import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { nowEpochSeconds } from '../common/time';
import { Settings } from '../config/settings';
import { placeholderErrors } from '../secrets/secret-config';
import { TemplateRegistryService } from '../templates/template-registry.service';
import { DeclaredInstance } from './file-format';
import { FileProblem } from './file-problem';
import { EntryFailure, outcomeKey, ProvisioningApplier } from './provisioning-applier';
import { FileReading, readProvisioningFiles } from './provisioning-files';
import { planProvisioning } from './provisioning-plan';
import { FileReport, InstanceOutcome, ProvisioningReport } from './provisioning-report';

/**
 * Provisioning from files, as Grafana provisions data sources: the YAML and JSON files in PROVISIONING_PATH
 * declare instances by name, and are applied at boot (after plugins load, before the server listens) and on
 * reload. All or nothing: every file is read and checked first (shape, `${VAR}`s, templates, configs, names
 * across files, cycles), then the whole set is applied in one transaction; any problem, in any file, changes
 * nothing and is reported on its file. The server stays up either way. One apply runs at a time.
 */
@Injectable()
export class ProvisioningService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Provisioning');
  private report: ProvisioningReport;
  private applying: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly settings: Settings,
    private readonly templates: TemplateRegistryService,
    private readonly applier: ProvisioningApplier,
  ) {
    this.report = { path: settings.provisioningPath, status: 'off', checked_at: null, applied_at: null, error: null, files: [], released: [] };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.settings.provisioningPath !== null) await this.reload();
  }

  /** The last attempt's report (status off when PROVISIONING_PATH is not set). */
  status(): ProvisioningReport {
    return this.report;
  }

  /** Reads and applies the files again (after the apply in progress, if any); never throws. */
  reload(): Promise<ProvisioningReport> {
    const next = this.applying.catch(() => undefined).then(() => this.attempt());
    this.applying = next;
    return next;
  }

  private async attempt(): Promise<ProvisioningReport> {
    const folder = this.settings.provisioningPath;
    if (folder === null) return this.report;
    const checkedAt = nowEpochSeconds();
    const failed = (error: FileProblem | null, files: FileReport[]): ProvisioningReport => ({ path: folder, status: 'failed', checked_at: checkedAt, applied_at: this.report.applied_at, error, files, released: [] });
    let readings: FileReading[];
    try {
      readings = await readProvisioningFiles(folder, this.settings.environment);
    } catch (error) {
      return this.finish(failed({ message: `the folder cannot be read: ${(error as Error).message}` }, []));
    }
    const problems = new Map(readings.flatMap((reading) => (reading.problem ? [[reading.file, reading.problem] as const] : [])));
    const declared = readings.flatMap((reading) => (reading.declared ? [reading.declared] : []));
    const plan = planProvisioning(declared);
    for (const [file, problem] of plan.problems) if (!problems.has(file)) problems.set(file, problem);
    for (const instance of plan.order) {
      if (problems.has(instance.file)) continue;
      const problem = await this.templateProblem(instance);
      if (problem) problems.set(instance.file, problem);
    }
    const notApplied = (): FileReport[] =>
      readings.map(({ file }) => ({ file, status: problems.has(file) ? 'invalid' : 'not_applied', instances: [], error: problems.get(file) ?? null }));
    if (problems.size > 0) return this.finish(failed(null, notApplied()));

    try {
      const applied = await this.applier.apply(plan);
      const files = declared.map(({ file, instances, deletes }): FileReport => ({
        file,
        status: 'applied',
        instances: [...instances, ...deletes].map((entry) => applied.outcomes.get(outcomeKey(file, entry.path))).filter((outcome): outcome is InstanceOutcome => outcome !== undefined),
        error: null,
      }));
      return this.finish({ path: folder, status: 'applied', checked_at: checkedAt, applied_at: nowEpochSeconds(), error: null, files, released: applied.released });
    } catch (error) {
      if (error instanceof EntryFailure) {
        problems.set(error.file, error.problem);
        return this.finish(failed(null, notApplied()));
      }
      this.logger.error(`applying the provisioning files failed: ${(error as Error)?.stack ?? String(error)}`);
      return this.finish(failed({ message: `applying failed, nothing was changed: ${(error as Error)?.message ?? String(error)}` }, notApplied()));
    }
  }

  /** The declared template must be loaded and the config valid for it (checked again when written, in the transaction). */
  private async templateProblem(instance: DeclaredInstance): Promise<FileProblem | null> {
    const template = this.templates.get(instance.template_id);
    if (!template) return { message: `no loaded template has the id '${instance.template_id}' (see GET /api/plugins/load-errors)`, path: `${instance.path}/template_id` };
    const placeholders = placeholderErrors(instance.config, template.configSchema.secrets, false);
    const errors = placeholders.length > 0 ? placeholders : (await this.templates.validateConfig(template, instance.config)).errors;
    if (errors.length === 0) return null;
    return { message: `config is not valid for template '${template.id}': ${errors.map((error) => `${error.path} ${error.message}`).join('; ')}`, path: `${instance.path}${errors[0].path}` };
  }

  private finish(report: ProvisioningReport): ProvisioningReport {
    this.report = report;
    if (report.status === 'applied') {
      const counts = new Map<string, number>();
      for (const outcome of report.files.flatMap((file) => file.instances)) counts.set(outcome.action, (counts.get(outcome.action) ?? 0) + 1);
      const summary = [...counts].map(([action, count]) => `${count} ${action}`).join(', ') || 'nothing declared';
      this.logger.log(`applied ${report.files.length} file(s) from ${report.path}: ${summary}`);
      for (const instance of report.released) this.logger.warn(`'${instance.name}' is no longer declared by ${instance.file}: left as it is, and writable through the API again`);
      return report;
    }
    const problems = [...(report.error ? [report.error.message] : []), ...report.files.flatMap((file) => (file.error ? [`${file.file}${file.error.path ? ` at ${file.error.path}` : ''}: ${file.error.message}`] : []))];
    this.logger.error(`nothing applied from ${report.path}: ${problems.join('; ')}`);
    return report;
  }
}

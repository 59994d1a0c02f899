import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { integerKeyPage, KeysetQuery, Page } from '../common/pagination';
import { READER_CONNECTION } from '../database/database.options';
import { EntityStatements } from '../database/entity-statements';
import { NamedSql } from '../database/named-sql';
import { ChangeKind, PluginInstanceVersionEntity } from './plugin-instance-version.entity';
import { PluginInstanceEntity } from './plugin-instance.entity';

/** Keeps an instance's newest `keep` versions; the current one is always among them. */
const PRUNE_OLDER = new NamedSql(`DELETE FROM plugin_instance_versions WHERE instance_id = :instanceId AND version <= :upTo`);

/**
 * The one place that reads and writes `plugin_instance_versions`, the history of each instance's definition.
 * Writes take the caller's transaction manager, so a version is recorded with the change it records.
 */
@Injectable()
export class VersionRepository {
  private readonly inserter: EntityStatements<PluginInstanceVersionEntity>;

  constructor(
    @InjectRepository(PluginInstanceVersionEntity) private readonly versions: Repository<PluginInstanceVersionEntity>,
    @InjectRepository(PluginInstanceVersionEntity, READER_CONNECTION) private readonly committed: Repository<PluginInstanceVersionEntity>,
  ) {
    this.inserter = new EntityStatements(versions.manager.connection, PluginInstanceVersionEntity);
  }

  /** Records the instance's definition as it is now, at its current version (a rollback's with the version it restored). */
  record(manager: EntityManager, instance: PluginInstanceEntity, kind: ChangeKind, changedBy: string, at: number, restoredFrom: number | null = null): Promise<void> {
    return this.inserter.insert(
      manager,
      Object.assign(new PluginInstanceVersionEntity(), {
        instance_id: instance.id,
        version: instance.version,
        name: instance.name,
        template_id: instance.template_id,
        config: instance.config,
        template_version: instance.template_version,
        enabled: instance.enabled,
        execution_policy: instance.execution_policy ?? null,
        schedule: instance.schedule ?? null,
        depends_on: instance.depends_on ?? null,
        changed_at: at,
        changed_by: changedBy,
        change_kind: kind,
        restored_from: restoredFrom,
      }),
    );
  }

  /** One version, committed (or as the caller's transaction sees it). */
  find(instanceId: string, version: number, manager: EntityManager = this.committed.manager): Promise<PluginInstanceVersionEntity | null> {
    return manager.findOne(PluginInstanceVersionEntity, { where: { instance_id: instanceId, version } });
  }

  /** Committed versions, newest first; the cursor holds the last version of the page. */
  page(instanceId: string, query: KeysetQuery): Promise<Page<PluginInstanceVersionEntity>> {
    const builder = this.committed.createQueryBuilder('v').where('v.instance_id = :instanceId', { instanceId });
    return integerKeyPage(builder, 'v.version', query, (row) => row.version);
  }

  /** Rows that may hold a secret: of the given templates, or with a sealed envelope anywhere in their config. */
  findSecretCandidates(secretTemplateIds: string[]): Promise<PluginInstanceVersionEntity[]> {
    const candidates = this.versions.createQueryBuilder('v').where('v.config LIKE :envelope', { envelope: '%"$secret"%' });
    if (secretTemplateIds.length > 0) candidates.orWhere('v.template_id IN (:...secretTemplateIds)', { secretTemplateIds });
    return candidates.getMany();
  }

  async saveResealed(version: PluginInstanceVersionEntity, config: Record<string, unknown>): Promise<void> {
    await this.versions.save(Object.assign(version, { config }));
  }

  /** Deletes versions older than the newest `keep` (retention); the number deleted. */
  prune(manager: EntityManager, instanceId: string, currentVersion: number, keep: number): Promise<number> {
    return PRUNE_OLDER.execute(manager, { instanceId, upTo: currentVersion - keep });
  }
}

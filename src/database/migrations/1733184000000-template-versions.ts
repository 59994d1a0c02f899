import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Template config migration: each instance, and each version of it, remembers the version of its template its
 * config was saved under (`template_version`), so that a boot with newer plugin code can migrate older configs;
 * `config_error` holds why an instance's config could not be migrated (JSON `{type, message, from_version,
 * to_version, errors}`), null when it is fine.
 *
 * Rows that exist already get `1.0.0`. A migration cannot know which plugin code saved them (plugins are not
 * loaded when migrations run, and migrations import no domain code), but until this release no template could
 * declare a migration and every template shipped here was at 1.0.0 (the function style's default too): so the
 * shipped table_loader 2.0.0 finds its older configs marked as 1.0.0 and migrates them. A template loaded from
 * PLUGIN_PATHS at a later version and without `migrate` only has its configs checked once against its schema
 * and re-stamped (see docs/history.md). The column default says the same for rows written by tools that do not
 * know about template versions (a seed database's own inserts).
 */
export class TemplateVersions1733184000000 implements MigrationInterface {
  name = 'TemplateVersions1733184000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE plugin_instances ADD COLUMN template_version TEXT NOT NULL DEFAULT '1.0.0'`);
    await queryRunner.query(`ALTER TABLE plugin_instances ADD COLUMN config_error TEXT`);
    await queryRunner.query(`ALTER TABLE plugin_instance_versions ADD COLUMN template_version TEXT NOT NULL DEFAULT '1.0.0'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE plugin_instance_versions DROP COLUMN template_version`);
    await queryRunner.query(`ALTER TABLE plugin_instances DROP COLUMN config_error`);
    await queryRunner.query(`ALTER TABLE plugin_instances DROP COLUMN template_version`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What keeps notifications from spamming and instances from failing forever:
 * - `plugin_instances.consecutive_failures`: final run outcomes that failed in a row (a success resets it), read by
 *   channels' failure thresholds, recovery messages and `execution_policy.disable_after_failures`;
 * - per channel, `failure_threshold` (announce a failure only from the N-th in a row) and `group_window_seconds`
 *   (repeats of one event for one instance inside the window become one message);
 * - per outbox row, the instance and the end of its grouping window, so a repeat finds the message it joins.
 */
export class NotificationPolicies1733443200000 implements MigrationInterface {
  name = 'NotificationPolicies1733443200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const real = queryRunner.connection.options.type === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
    await queryRunner.query(`ALTER TABLE plugin_instances ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE notification_channels ADD COLUMN failure_threshold INTEGER NOT NULL DEFAULT 1`);
    // Channels made before grouping existed keep sending every event.
    await queryRunner.query(`ALTER TABLE notification_channels ADD COLUMN group_window_seconds INTEGER NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE notification_outbox ADD COLUMN instance_id TEXT`);
    await queryRunner.query(`ALTER TABLE notification_outbox ADD COLUMN window_ends_at ${real}`);
    await queryRunner.query(`CREATE INDEX idx_notification_outbox_group ON notification_outbox (channel_id, instance_id, event, created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX idx_notification_outbox_group`);
    await queryRunner.query(`ALTER TABLE notification_outbox DROP COLUMN window_ends_at`);
    await queryRunner.query(`ALTER TABLE notification_outbox DROP COLUMN instance_id`);
    await queryRunner.query(`ALTER TABLE notification_channels DROP COLUMN group_window_seconds`);
    await queryRunner.query(`ALTER TABLE notification_channels DROP COLUMN failure_threshold`);
    await queryRunner.query(`ALTER TABLE plugin_instances DROP COLUMN consecutive_failures`);
  }
}

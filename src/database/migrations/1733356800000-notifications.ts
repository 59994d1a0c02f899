import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notification channels: where run outcomes are announced (a signed webhook or a Slack incoming webhook).
 * A durable outbox of what to send and a log of every attempt. Secret parts of a channel's config (the webhook signing secret, the Slack URL) are sealed like config secrets.
 */
export class Notifications1733356800000 implements MigrationInterface {
  name = 'Notifications1733356800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const real = postgres ? 'DOUBLE PRECISION' : 'REAL';
    await queryRunner.query(`
      CREATE TABLE notification_channels (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        config TEXT NOT NULL,
        events TEXT NOT NULL,
        instance_ids TEXT,
        template_ids TEXT,
        enabled INTEGER NOT NULL,
        created_at ${real} NOT NULL
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_notification_channels_name ON notification_channels (name)`);
    // One row per (channel, event), written in the transaction that records the run's outcome. No foreign key on
    // the channel: a channel deleted meanwhile must not make the run's own transaction fail (its rows go with it in code).
    await queryRunner.query(`
      CREATE TABLE notification_outbox (
        id TEXT PRIMARY KEY,
        channel_id TEXT NOT NULL,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at ${real},
        created_at ${real} NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX idx_notification_outbox_due ON notification_outbox (status, next_attempt_at)`);
    // Every attempt to send: the delivery log.
    await queryRunner.query(`
      CREATE TABLE notification_deliveries (
        id ${postgres ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT'},
        channel_id TEXT NOT NULL,
        outbox_id TEXT,
        event TEXT NOT NULL,
        at ${real} NOT NULL,
        outcome TEXT NOT NULL,
        status_code INTEGER,
        error TEXT
      )`);
    await queryRunner.query(`CREATE INDEX idx_notification_deliveries_channel ON notification_deliveries (channel_id, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification_deliveries`);
    await queryRunner.query(`DROP TABLE notification_outbox`);
    await queryRunner.query(`DROP TABLE notification_channels`);
  }
}

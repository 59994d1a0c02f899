import { describeNotification } from './notification-message';
import type { NotificationPayload } from './notification-outbox.entity';

const INSTANCE_ID = '3f1c2a9e-5b7d-4c1e-9a2f-8d6b4e0c7a15';
const EXECUTION_ID = 'e2a4c6b8-0d1f-4e3a-9c5b-7d9f1b3e5a70';

/** A payload as the outbox writes it; `extra` adds or overrides data fields. */
function payload(type: string, extra: Record<string, unknown> = {}): NotificationPayload {
  return {
    type: type as NotificationPayload['type'],
    timestamp: '2026-12-06T05:10:00.000Z',
    data: {
      execution_id: EXECUTION_ID,
      attempt_execution_id: EXECUTION_ID,
      instance_id: INSTANCE_ID,
      template_id: 'api_fetcher',
      status: 'failed',
      attempt: 1,
      error: { message: 'GET https://api.example.org/items answered 503' },
      finished_at: '2026-12-06T05:10:00.000Z',
      instance_name: 'nightly-import',
      ...extra,
    },
  };
}

describe('describeNotification', () => {
  it('describes a failed run: the name first in the subject, the error, ids and time in the body', () => {
    const { subject, text } = describeNotification(payload('execution.failed'));
    expect(subject).toBe('[PIF] nightly-import failed');
    expect(text.split('\n')).toEqual([
      'nightly-import (template api_fetcher) failed.',
      '',
      'Error: GET https://api.example.org/items answered 503',
      '',
      `Instance:  nightly-import (${INSTANCE_ID})`,
      'Template:  api_fetcher',
      `Execution: ${EXECUTION_ID}`,
      'Status:    failed',
      'Finished:  2026-12-06 05:10:00 UTC',
    ]);
  });

  it('says how a run failed when it timed out or was interrupted, and names a retry attempt', () => {
    expect(describeNotification(payload('execution.failed', { status: 'timed_out' })).subject).toBe('[PIF] nightly-import timed out');
    expect(describeNotification(payload('execution.failed', { status: 'interrupted' })).subject).toBe('[PIF] nightly-import was interrupted');
    const retried = describeNotification(payload('execution.failed', { attempt: 3, attempt_execution_id: 'a3' })).text;
    expect(retried).toContain('Attempt:   3 (execution a3)');
  });

  it('falls back to the instance id when the payload has no name (rows written before names were added)', () => {
    const { subject, text } = describeNotification(payload('execution.failed', { instance_name: undefined }));
    expect(subject).toBe(`[PIF] ${INSTANCE_ID} failed`);
    expect(text).toContain(`Instance:  ${INSTANCE_ID}\n`);
  });

  it('counts consecutive failures', () => {
    const { subject, text } = describeNotification(payload('execution.failed', { consecutive_failures: 3 }));
    expect(subject).toBe('[PIF] nightly-import failed 3 times in a row');
    expect(text.split('\n')[0]).toBe('nightly-import (template api_fetcher) failed: 3 failed runs in a row.');
    // One failure is not "in a row".
    expect(describeNotification(payload('execution.failed', { consecutive_failures: 1 })).subject).toBe('[PIF] nightly-import failed');
  });

  it('describes grouped repeats: how many, since when, and the executions they were', () => {
    const ids = Array.from({ length: 23 }, (_, i) => `run-${i + 1}`);
    const grouped = payload('execution.failed', { occurrences: 12, first_at: '2026-12-06T02:00:00.000Z', last_at: '2026-12-06T05:10:00.000Z', execution_ids: ids, consecutive_failures: 12 });
    const { subject, text } = describeNotification(grouped);
    expect(subject).toBe('[PIF] nightly-import failed (12 times since 02:00 UTC)');
    expect(text).toContain('failed 12 times between 2026-12-06 02:00:00 UTC and 2026-12-06 05:10:00 UTC');
    expect(text).toContain('Occurrences: 12, from 2026-12-06 02:00:00 UTC to 2026-12-06 05:10:00 UTC');
    expect(text).toContain(`Executions:  ${ids.slice(0, 20).join(', ')} and 3 more`);

    // Since another day: the date is named too.
    const overnight = payload('execution.failed', { occurrences: 4, first_at: '2026-12-05T23:30:00.000Z', last_at: '2026-12-06T01:00:00.000Z' });
    expect(describeNotification(overnight).subject).toBe('[PIF] nightly-import failed (4 times since 2026-12-05 23:30 UTC)');
    expect(describeNotification(payload('execution.succeeded', { status: 'succeeded', error: null, occurrences: 5 })).subject).toBe('[PIF] nightly-import succeeded (5 times)');
  });

  it('describes a success without an error line', () => {
    const { subject, text } = describeNotification(payload('execution.succeeded', { status: 'succeeded', error: null }));
    expect(subject).toBe('[PIF] nightly-import succeeded');
    expect(text).not.toContain('Error:');
    expect(text.split('\n')[0]).toBe('nightly-import (template api_fetcher) succeeded.');
  });

  it('describes a recovery with the failures before it', () => {
    const recovered = describeNotification(payload('execution.recovered', { status: 'succeeded', error: null, previous_failures: 3 }));
    expect(recovered.subject).toBe('[PIF] nightly-import recovered after 3 failures');
    expect(recovered.text.split('\n')[0]).toBe('nightly-import (template api_fetcher) succeeded again after 3 failed runs.');
    expect(describeNotification(payload('execution.recovered', { previous_failures: 1 })).subject).toBe('[PIF] nightly-import recovered after 1 failure');
    expect(describeNotification(payload('execution.recovered')).subject).toBe('[PIF] nightly-import recovered');
  });

  it('describes an automatic disable, with the last error', () => {
    const { subject, text } = describeNotification(payload('instance.auto_disabled', { consecutive_failures: 5 }));
    expect(subject).toBe('[PIF] nightly-import was disabled after 5 consecutive failures');
    expect(text).toContain('was disabled automatically after 5 consecutive failed runs');
    expect(text).toContain('Error: GET https://api.example.org/items answered 503');
    expect(describeNotification(payload('instance.auto_disabled')).subject).toBe('[PIF] nightly-import was disabled after repeated failures');
  });

  it('describes a test send', () => {
    const { subject, text } = describeNotification({ type: 'notification.test', timestamp: '2026-12-06T05:00:00.000Z', data: { channel_id: 'c1' } });
    expect(subject).toBe('[PIF] Test notification');
    expect(text).toContain('this channel works');
    expect(text).toContain('Channel: c1');
    expect(text).toContain('Sent:    2026-12-06 05:00:00 UTC');
  });

  it('keeps the subject one line and bounded, and a long error bounded', () => {
    const { subject, text } = describeNotification(payload('execution.failed', { instance_name: `evil\r\nBcc: someone@example.org ${'x'.repeat(300)}`, error: { message: 'y'.repeat(5000) } }));
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject.length).toBeLessThan(230);
    expect(text.length).toBeLessThan(3000);
  });

  it('copes with odd payloads: an unknown type, missing data, times that are not times', () => {
    expect(describeNotification(payload('instance.renamed')).subject).toBe('[PIF] nightly-import: instance.renamed');
    expect(describeNotification({ type: 'execution.failed', timestamp: 'x', data: {} })).toEqual({ subject: '[PIF] an instance failed', text: 'an instance failed.' });
    expect(describeNotification(payload('execution.failed', { finished_at: 'soon', occurrences: 2, first_at: 'earlier' })).subject).toBe('[PIF] nightly-import failed (2 times since earlier)');
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Settings } from '../src/config/settings';
import { DatabaseSnapshot, snapshotDatabase } from './helpers/db-snapshot';
import { describeCase, FuzzCase, generateCases, operationsOf, Random } from './helpers/fuzz-generator';
import { rawRequest, RawResponse } from './helpers/raw-http';
import { TestApp } from './helpers/test-app';

/**
 * Fuzz suite: for every operation in the app's own OpenAPI document, generated bad requests (wrong
 * types, missing and extra fields, huge strings, deep nesting, odd unicode, bad ids, bad query
 * parameters, bad headers, malformed JSON) all answer 4xx problem+json, and afterwards both
 * databases are exactly as before. Replay a run with FUZZ_SEED and FUZZ_CASES (cases per operation).
 */
const SEED = process.env.FUZZ_SEED ?? 'pif-fuzz-1';
const CASES = Number(process.env.FUZZ_CASES ?? 40);
const BODY_LIMIT_BYTES = 256 * 1024;
const REPLAY = `replay with: FUZZ_SEED=${JSON.stringify(SEED)} FUZZ_CASES=${CASES} npx jest test/fuzz.e2e-spec.ts`;

jest.setTimeout(180_000);

describe('fuzz: generated bad requests to every operation (e2e)', () => {
  let app: TestApp;
  let port: number;
  let settings: Settings;
  let before: { database: DatabaseSnapshot; dataStore: DatabaseSnapshot };
  const knownValues: Record<string, string[]> = {};

  const snapshot = async () => ({ database: await snapshotDatabase(settings.database), dataStore: await snapshotDatabase(settings.dataStore, 'better-sqlite3') });

  /** Real data through the API, so bad requests also aim at things that exist. */
  async function seed(): Promise<void> {
    const imports = path.join(app.dataDir, 'imports');
    fs.mkdirSync(imports, { recursive: true });
    fs.copyFileSync(path.resolve(__dirname, 'fixtures', 'files', 'instruments.csv'), path.join(imports, 'instruments.csv'));
    const create = async (body: Record<string, unknown>) => {
      const response = await app.post('/api/plugins/instances', body);
      if (response.status !== 201) throw new Error(`seeding failed: ${response.status} ${response.text}`);
      return response.body.id as string;
    };
    const loader = await create({ template_id: 'table_loader', name: 'Fuzz Instruments', config: { file_path: 'imports/instruments.csv', table_name: 'fuzz_instruments' } });
    const greeter = await create({ template_id: 'fixture_greeter', name: 'Fuzz Greeter', config: { who: 'fuzz', times: 2 }, execution_policy: { max_attempts: 2, backoff_ms: 10 } });
    const fixture = await create({ template_id: 'fixture_function', name: 'Fuzz Function', config: { mode: 'ok' }, enabled: false });
    const run = await app.post(`/api/plugins/instances/${loader}/execute`);
    if (run.status !== 200 || run.body.status !== 'succeeded') throw new Error(`seed import failed: ${run.text}`);
    const greeting = await app.post(`/api/plugins/instances/${greeter}/execute`);
    if (greeting.status !== 200) throw new Error(`seed run failed: ${greeting.text}`);
    Object.assign(knownValues, {
      id: [loader, greeter, fixture],
      execution_id: [run.body.id, greeting.body.id],
      template_id: ['table_loader', 'fixture_greeter', 'fixture_function'],
      name: ['fuzz_instruments'],
    });
  }

  beforeAll(async () => {
    app = await TestApp.start({ env: { BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) } });
    port = Number(new URL(app.baseUrl).port);
    settings = app.app.get(Settings);
    await seed();
    before = await snapshot();
  });
  afterAll(async () => {
    await app?.close();
    app?.removeData();
  });

  it('answers every generated bad request with a 4xx problem+json and never a 5xx', async () => {
    const spec = (await app.get('/docs-json')).body;
    const operations = operationsOf(spec);
    expect(operations.length).toBeGreaterThan(10);
    const random = new Random(SEED);
    const failures: string[] = [];
    const counts: Record<string, number> = {};
    const tally: Record<string, number> = {};
    for (const operation of operations) {
      const cases = generateCases(operation, { knownValues, bodyLimitBytes: BODY_LIMIT_BYTES }, random, CASES);
      counts[operation.operationId] = cases.length;
      for (const fuzzCase of cases) {
        const problem = await check(fuzzCase, tally);
        if (problem) failures.push(`${problem}\n${describeCase(fuzzCase)}`);
      }
    }
    // FUZZ_REPORT=1 shows what the cases met: answers per operation, family and status.
    if (process.env.FUZZ_REPORT) console.log(Object.entries(tally).sort().map(([key, n]) => `${String(n).padStart(5)}  ${key}`).join('\n'));
    // Every operation got cases: one that did not would be silently unfuzzed.
    expect(Object.entries(counts).filter(([, count]) => count === 0)).toEqual([]);
    if (failures.length > 0) {
      throw new Error(`${failures.length} fuzz case(s) failed (seed ${JSON.stringify(SEED)}); ${REPLAY}\n\n${failures.slice(0, Number(process.env.FUZZ_SHOW ?? 25)).join('\n\n')}`);
    }
  });

  it('leaves the framework database and the data store exactly as they were', async () => {
    const after = await snapshot();
    expect(after.database).toEqual(before.database);
    expect(after.dataStore).toEqual(before.dataStore);
  });

  /** Sends one case; returns what is wrong with the answer, or null. */
  async function check(fuzzCase: FuzzCase, tally: Record<string, number>): Promise<string | null> {
    let response: RawResponse;
    try {
      response = await rawRequest(port, fuzzCase);
    } catch (error) {
      return `no answer: ${(error as Error).message}`;
    }
    const key = `${fuzzCase.operationId} ${fuzzCase.family} ${response.status} ${/"type":"([^"]+)"/.exec(response.text)?.[1] ?? ''}`;
    tally[key] = (tally[key] ?? 0) + 1;
    const summary = `got ${response.status} ${response.headers['content-type'] ?? '(no content-type)'}: ${response.text.slice(0, 300)}`;
    if (response.status >= 500) return `server error: ${summary}`;
    if (fuzzCase.expect === 'client-error' && (response.status < 400 || response.status >= 500)) return `expected a 4xx: ${summary}`;
    if (response.status < 400) return null;
    if (!/^application\/problem\+json/.test(response.headers['content-type'] ?? '')) return `not problem+json: ${summary}`;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(response.text);
    } catch {
      return `problem body is not JSON: ${summary}`;
    }
    for (const member of ['type', 'title', 'detail']) if (typeof body[member] !== 'string') return `problem without a string ${member}: ${summary}`;
    if (body.status !== response.status) return `problem status ${String(body.status)} differs from HTTP ${response.status}: ${summary}`;
    return null;
  }
});

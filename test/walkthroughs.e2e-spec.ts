import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CodeBlock, codeBlocks, headings } from './helpers/markdown';

/**
 * The documentation's curl sessions, run as a reader runs them. For each document (the README's "A first run", then
 * docs/walkthroughs.md) the test starts the built server (dist/src/main.js; `npm test` builds first) on a fresh data
 * directory, and runs every ```sh block of the document in order in ONE bash session, so variables ($API, $PUBS, ...)
 * and the `field` function carry over from block to block. Each block runs under `set -e`: a command that fails stops
 * the session, and the test names the document, the line of the failing command and the command.
 *
 * What is adapted, and nothing else:
 * - The docs assume the server on 127.0.0.1:3000 and the walkthrough's fake API on 127.0.0.1:8081. The test uses free
 *   ports and rewrites exactly those two port numbers in the commands (and in the expected output below).
 * - Walkthrough 2 tells the reader to restart the server with FETCH_ALLOW_HOSTS=127.0.0.1 (in prose, not in a sh
 *   block). The test starts the server with it from the beginning; nothing in Walkthrough 1 reaches out over HTTP, so
 *   this changes nothing before that point.
 * - The shell runs in a temporary folder holding a copy of examples/, with the server's DATA_DIR at ./data, which is
 *   where the walkthrough copies the sample files and reads the export from (as in a clone with the default DATA_DIR).
 *
 * Everything binds to and talks to 127.0.0.1 only; the test checks that the commands name no other host.
 */
const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
const DOC_SERVER_PORT = '3000';
const DOC_FAKE_API_PORT = '8081';

interface Expectation {
  /** The sh block's whole code, or a piece of it that exactly one block contains. */
  block: string;
  /** Strings that the document shows as the block's output and that the real output must contain. */
  output?: string[];
  /** Patterns the real output must match. */
  matches?: RegExp[];
}

/**
 * What the key steps must print. Every `output` string is copied from the document, and the test checks that it is
 * still there, so a change to the doc's shown output that reality does not follow fails here.
 */
const EXPECTED: Record<string, Expectation[]> = {
  'README.md#a-first-run': [
    {
      block: "field 'items.map(t => `${t.id}: ${t.name}`)'",
      output: ["'api_fetcher: API Fetcher',", "'file_importer: JSON File Importer',", "'transformer: SQL Transformer'"],
    },
    {
      block: '"name": "Broken"',
      output: [
        '"type":"config-invalid"',
        `{"path":"/config/file_path","message":"'..' is not allowed in paths: ../publications.ndjson"}`,
        `{"path":"/config/table_name","message":"table name 'order' is a reserved SQL word"}`,
      ],
    },
    {
      block: 'curl -s -X POST $API/instances/$PUBFILE/execute',
      output: ['"status":"succeeded"', '"progress":{"current":5,"total":5,"message":"5 records imported"}', '"table_name":"publications_file"'],
    },
    {
      block: 'publications_file/rows?limit=2',
      output: ['"authors":"[\\"A. Lovelace\\",\\"G. Hopper\\"]","open_access":1,"citations":12}', '"next_cursor":"WzJd"', 'active', "[ 'succeeded, 5 rows' ]"],
    },
  ],
  'README.md#a-nightly-pipeline': [
    {
      block: 'nightly_import() {',
      // The next 02:00 in Berlin depends on today; ties of one slot list in id order.
      matches: [/^\[\n( {2}'\d{4}-\d\d-\d\dT02:00:00\+0[12]:00 Nightly (equipment|PI directory|bookings)',?\n){3}\]$/m],
    },
    { block: "curl -s $API/graph | field 'edges.length'", output: ['4'] },
    {
      block: 'curl -s -X DELETE $API/instances/$SUMMARY',
      output: [
        "depends_on would make a cycle: 'Nightly equipment' depends on 'Nightly lab summary (CSV)' depends on 'Nightly lab summary' depends on 'Nightly equipment'",
        "'Nightly lab summary' cannot be deleted while 'Nightly lab summary (CSV)' depends on it; remove it from their depends_on first",
      ],
    },
    {
      block: 'for ID in $EQUIP $PIS $BOOKED; do',
      output: ['202\n202\n202', "[ [ 'succeeded', 'upstream', 3 ] ]", "[ [ 'succeeded', 'upstream' ] ]", 'lab,pi,instruments,hours_booked\nB-110,Rosalind Franklin,1,\nB-201,Ada Lovelace,1,312'],
    },
  ],
  'docs/walkthroughs.md': [
    {
      block: "field 'items.map(t => `${t.id} (${t.category})`)'",
      output: ["'api_fetcher (api_fetcher)',", "'exporter (exporter)',", "'file_importer (file_importer)',", "'table_loader (data_import)',", "'transformer (transformer)'"],
    },
    {
      block: '"table_name": "order"',
      output: ['{"valid":true,"errors":[]', `{"path":"/config/table_name","message":"table name 'order' is a reserved SQL word"}`],
    },
    { block: '"name": "iLab Equipment 2024"', output: ['HTTP/1.1 201 Created', 'etag: "1"', '"status":"pending"'] },
    { block: 'echo "$EQUIP $PI $RES"', matches: [/^[0-9a-f-]{36} [0-9a-f-]{36} [0-9a-f-]{36}$/m] },
    {
      block: 'curl -s -X POST $API/instances/$EQUIP/execute',
      output: ['"status":"succeeded"', '"progress":{"current":8,"total":8,"message":"8 rows imported"}', '{"name":"Price (USD)","type":"REAL"}', '"rows_padded":0,"warnings":[]'],
    },
    { block: '$PI/execute | field result', output: ['rows_imported: 6,', "{ name: 'Lab members', type: 'INTEGER' },", "sheet: 'Directory',", 'succeeded'] },
    { block: '$DATA/tables/equipment/rows', output: ['"next_cursor":"WzJd"', "[ '0150', '0151' ]", '"type":"table-not-found"'] },
    {
      block: '$SUMMARY/execute | field result',
      output: [
        'rows_written: 6,',
        '{"lab":"B-201","pi":"Ada Lovelace","department":"Computational Biology","instruments":1,"equipment_value_usd":412000.5,"q1_hours_booked":312}',
        '{"lab":"D-014","pi":"Dorothy Hodgkin","department":"Chemistry","instruments":1,"equipment_value_usd":865000,"q1_hours_booked":401}',
      ],
    },
    { block: '"DELETE FROM pi_directory"', output: ['"message":"only a read-only SELECT (or WITH ... SELECT) is allowed, not DELETE"'] },
    {
      block: 'cat data/exports/lab_equipment_summary.csv',
      output: [
        'rows_exported: 6,',
        'bytes: 353,',
        [
          'lab,pi,department,instruments,equipment_value_usd,q1_hours_booked',
          'B-110,Rosalind Franklin,Structural Biology,1,15300.25,',
          'B-201,Ada Lovelace,Computational Biology,1,412000.5,312',
          'B-204,Grace Hopper,Immunology,1,289999.99,198.5',
          'C-3,Katherine Johnson,Biophysics,2,61250,',
          'C-5,Barbara McClintock,Genetics,2,19600,',
          'D-014,Dorothy Hodgkin,Chemistry,1,865000,401',
        ].join('\n'),
      ],
    },
    {
      block: '"$API/instances?template_id=table_loader"',
      output: ["'Lab Resources Q1: active, version 1',", "'PI Directory: active, version 1',", "'iLab Equipment 2024: active, version 1'", "[ 'Lab Resources Q1', 'iLab Equipment 2024' ]"],
    },
    { block: 'curl -si $API/instances/$EXPORT', output: ['HTTP/1.1 200 OK', 'etag: "1"', '"version":1'] },
    { block: '"name": "Equipment by lab (TSV)"', output: ['"name":"Equipment by lab (TSV)"', '"version":2'] },
    {
      block: '/tmp/lab_equipment_summary.tsv',
      output: ['"type":"precondition-failed"', '"detail":"If-Match does not match the current ETag \\"2\\"","current_etag":"\\"2\\""', '"type":"config-invalid"'],
      matches: [/"message":"absolute path \/tmp\/lab_equipment_summary.tsv is outside the allowed roots \([^)]*\/data\/exports\); set EXPORT_ROOT to allow it"/],
    },
    {
      block: '"$API/instances?enabled=false"',
      output: ['"enabled":false,"status":"inactive"', `"detail":"instance 'Lab Resources Q1' is disabled; enable it to run it"`, "[ 'Lab Resources Q1' ]"],
    },
    { block: '/versions/1/diff', output: ["[ '2: update by loopback', '1: create by loopback' ]", "{ op: 'replace', path: '/name', value: 'Equipment by lab (TSV)' }"] },
    { block: `-d '{"enabled": true}'`, output: ['"enabled":true,"status":"active"', '"version":3'] },
    {
      block: '"name": "Lab Resources Q2"',
      output: ['"status":"failed"', '"error":{"type":"handler_error","message":"file not found: examples/lab_resources_q2.tsv"}'],
      matches: [/(^|\})error$/m], // curl's body has no trailing newline, so `error` follows it on the same line
    },
    {
      block: 'field result.table_name',
      output: ['ilab_equipment_2024'],
      matches: [/^succeeded$/m, /succeeded config_version=1',\n {2}'\S+ succeeded config_version=1'\n\]/],
    },
    { block: 'curl -s $API/instances/stats', output: ['{"total":6,"by_status":{"pending":0,"active":5,"error":1,"inactive":0}'] },
    { block: 'DELETE $API/instances/$Q2', output: ['HTTP/1.1 204 No Content', '"type":"instance-not-found"'] },
    {
      block: 'FAKE_API=$!',
      output: ['publications API on http://127.0.0.1:8081/publications', '{"data":[{"doi":"10.1000/lab.2022.031"', '"next":null}'],
    },
    {
      block: '"name": "Publications API"',
      output: [
        '"status":"succeeded"',
        '"progress":{"current":3,"message":"page 3: 1 records (5 in all)"}',
        '"result":{"records_fetched":5,"pages":3,"http_status":200,"table_name":"publications","truncated":false',
        '"authors":"[\\"A. Lovelace\\",\\"G. Hopper\\"]","open_access":1,"citations":12}',
      ],
    },
    {
      block: 'kill $FAKE_API',
      output: ["message: 'GET http://127.0.0.1:8081/publications failed: connect ECONNREFUSED 127.0.0.1:8081 (gave up after 3 attempts)'"],
    },
    {
      block: '"name": "Token API"',
      output: ["  url: 'http://127.0.0.1:8081/publications?year=2024',\n  auth: { type: 'bearer', token: '********' }\n}", "[ 'auth.token' ]"],
    },
  ],
};

/** Row counts of the tables after each document's session, checked through the API. */
const TABLES_AFTER: Record<string, Record<string, number>> = {
  'README.md#a-first-run': { publications_file: 5 },
  'README.md#a-nightly-pipeline': { lab_equipment: 8, lab_pis: 6, lab_bookings: 6, lab_summary: 6 },
  'docs/walkthroughs.md': { ilab_equipment_2024: 8, pi_directory: 6, lab_resources_q1: 6, lab_equipment_summary: 6, publications: 5 },
};

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port with as many digits as the doc's 8081: node breaks a printed object over several lines by its length,
 * so a longer port number could change how the doc's output wraps.
 */
async function freePortLike(docPort: string): Promise<string> {
  if (await portIsFree(Number(docPort))) return docPort;
  for (let i = 0; i < 100; i++) {
    const port = 2000 + Math.floor(Math.random() * 8000);
    if (await portIsFree(port)) return String(port);
  }
  throw new Error('no free 4-digit port on 127.0.0.1');
}

/** The sh blocks of a document, or of one section of it (`README.md#a-first-run`: that heading up to the next one of its level). */
function shBlocks(markdown: string, section: string | undefined): CodeBlock[] {
  let from = 0;
  let to = Infinity;
  if (section !== undefined) {
    const all = headings(markdown);
    const start = all.findIndex((heading) => heading.slug === section);
    if (start < 0) throw new Error(`no section #${section}`);
    from = all[start].line;
    to = all.slice(start + 1).find((heading) => heading.level <= all[start].level)?.line ?? Infinity;
  }
  return codeBlocks(markdown).filter((block) => block.lang === 'sh' && block.line > from && block.line < to);
}

interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function startServer(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      FETCH_ALLOW_HOSTS: '127.0.0.1', // Walkthrough 2's restart, done up front (see above)
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  for (let i = 0; i < 300; i++) {
    const match = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    if (match) return { child, url: match[1], output: () => output };
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start:\n${output}`);
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
  clearTimeout(timer);
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
}

interface BlockRun {
  block: CodeBlock;
  output: string;
  /** The shell variables the block sets from a command's output (`EQUIP=$(curl ... | field id)`), as they are after it. */
  variables: Record<string, string>;
}

/** Names of the variables a block sets from a command's output. */
function assignedFromCommands(code: string): string[] {
  return [...new Set([...code.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)=\$\(/gm)].map((match) => match[1]))];
}

interface SessionResult {
  code: number | null;
  /** `<doc>:<line>: exit status <n>: <command>` of the command that stopped the session, if one did. */
  failure: string | null;
  runs: BlockRun[];
  transcript: string;
}

const BEGIN = '@@pif-block-begin';
const VARIABLE = '@@pif-variable';
const DONE = '@@pif-session-done';

/**
 * Runs the blocks as one bash session in `cwd`. Each block is written to a file and `source`d, so the shell (its
 * variables, functions and background jobs) is shared; an ERR trap reports the failing command's line in the doc.
 */
async function runSession(doc: string, blocks: CodeBlock[], cwd: string, rewrite: (code: string) => string): Promise<SessionResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-walk-blocks-'));
  const script: string[] = [
    'set -e',
    'exec 2>&1',
    // In a sourced block, LINENO counts from the block's first line; at the top level (a block whose last command
    // failed inside an && list, say), the block as a whole is named.
    `trap '__pif_status=$?; if [ -n "\${BASH_SOURCE[0]}" ]; then __pif_at=$((__pif_first + LINENO - 1)); else __pif_at="$__pif_first (the block)"; fi; echo "@@pif-failed ${doc}:$__pif_at: exit status $__pif_status: $BASH_COMMAND"' ERR`,
  ];
  blocks.forEach((block, index) => {
    const file = path.join(dir, `block-${index}.sh`);
    fs.writeFileSync(file, rewrite(block.code) + '\n');
    // A new line first: curl prints bodies without one, so the block before may have ended mid-line.
    script.push(`__pif_first=${block.firstLine}`, `printf '\\n%s\\n' "${BEGIN} ${index}"`, `source '${file}'`);
    for (const name of assignedFromCommands(block.code)) script.push(`printf '\\n${VARIABLE} ${index} %s=%s\\n' ${name} "$${name}"`);
  });
  script.push(`printf '\\n%s\\n' "${DONE}"`);
  const bash = spawn('bash', ['--noprofile', '--norc', '-c', script.join('\n')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, LANG: 'C.UTF-8' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so the walkthrough's background jobs can be killed with it
  });
  sessions.push(bash);
  let transcript = '';
  bash.stdout!.on('data', (chunk) => (transcript += chunk));
  bash.stderr!.on('data', (chunk) => (transcript += chunk));
  // 'exit', not 'close': a background job left running would keep the pipes open.
  const code = await new Promise<number | null>((resolve) => bash.once('exit', (status) => resolve(status)));
  await new Promise((resolve) => setTimeout(resolve, 100)); // the last output chunks
  fs.rmSync(dir, { recursive: true, force: true });

  const runs: BlockRun[] = [];
  const parts = transcript.split(new RegExp(`\\n${BEGIN} (\\d+)\\n`));
  for (let i = 1; i < parts.length; i += 2) {
    const variables: Record<string, string> = {};
    const output = parts[i + 1]
      .replace(`\n${DONE}\n`, '')
      .replace(new RegExp(`\\n${VARIABLE} \\d+ ([^=]+)=(.*)\\n`, 'g'), (_all, name: string, value: string) => {
        variables[name] = value;
        return '';
      });
    runs.push({ block: blocks[Number(parts[i])], output, variables });
  }
  const failure = /^@@pif-failed (.*)$/m.exec(transcript)?.[1] ?? null;
  if (code === 0 && !transcript.includes(DONE)) throw new Error(`the session ended early:\n${transcript}`);
  return { code, failure, runs, transcript };
}

const sessions: ChildProcess[] = [];
const servers: Server[] = [];
const workDirs: string[] = [];

function killSession(bash: ChildProcess): void {
  try {
    process.kill(-bash.pid!, 'SIGKILL'); // bash and whatever it left in the background
  } catch {
    // already gone
  }
}

describe.each(Object.keys(EXPECTED))('the sh blocks of %s, run in order in one shell', (name) => {
  const [doc, section] = name.split('#');
  const markdown = fs.readFileSync(path.join(ROOT, doc), 'utf8');
  const blocks = shBlocks(markdown, section);
  let result: SessionResult;
  let server: Server;
  let workDir: string;
  // The doc's expected output names the fake API's port too.
  let rewriteOutput: (text: string) => string = (text) => text;

  beforeAll(async () => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does it first)`);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-walk-'));
    workDirs.push(workDir);
    fs.cpSync(path.join(ROOT, 'examples'), path.join(workDir, 'examples'), { recursive: true });
    server = await startServer(path.join(workDir, 'data'));
    servers.push(server);
    const serverPort = new URL(server.url).port;
    const fakeApiPort = await freePortLike(DOC_FAKE_API_PORT);
    const rewrite = (code: string) =>
      code.replace(new RegExp(`127\\.0\\.0\\.1:${DOC_SERVER_PORT}\\b`, 'g'), `127.0.0.1:${serverPort}`).replace(new RegExp(`\\b${DOC_FAKE_API_PORT}\\b`, 'g'), fakeApiPort);
    rewriteOutput = (text) => text.replace(new RegExp(`\\b${DOC_FAKE_API_PORT}\\b`, 'g'), fakeApiPort);
    for (const block of blocks) {
      for (const [, host] of rewrite(block.code).matchAll(/\bhttps?:\/\/([^/:"'\s]+)/g)) {
        // localhost only appears as the base of `new URL(req.url, ...)` in the fake API: parsing, no connection.
        if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`${doc}:${block.line}: the test only talks to 127.0.0.1, not ${host}`);
      }
    }
    result = await runSession(doc, blocks, workDir, rewrite);
  }, 90_000);

  it('has sh blocks to run', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it('runs every block without a failing command', () => {
    if (result.code !== 0) {
      const last = result.runs.at(-1);
      throw new Error(
        `${result.failure ?? `the shell exited with status ${result.code}`}\n` +
          `in the block at ${doc}:${last?.block.line}, which printed:\n${last?.output ?? result.transcript}`,
      );
    }
    expect(result.runs.map((run) => run.block.line)).toEqual(blocks.map((block) => block.line));
  });

  it('sets every variable it takes from a response to a value (not empty, undefined or null)', () => {
    const bad = result.runs.flatMap((run) =>
      Object.entries(run.variables)
        .filter(([, value]) => ['', 'undefined', 'null'].includes(value))
        .map(([variable, value]) => `${doc}:${run.block.line}: ${variable}=${JSON.stringify(value)}`),
    );
    expect(result.runs.some((run) => Object.keys(run.variables).length > 0)).toBe(true);
    expect(bad).toEqual([]);
  });

  it.each(EXPECTED[name].map((expectation) => [expectation.block, expectation]))('the block with %j prints what the doc shows', (_name, expectation) => {
    const exact = blocks.filter((block) => block.code === expectation.block);
    const chosen = exact.length > 0 ? exact : blocks.filter((block) => block.code.includes(expectation.block));
    expect(chosen).toHaveLength(1);
    const block = chosen[0];
    const run = result.runs.find((candidate) => candidate.block === block);
    if (!run) throw new Error(`the block at ${doc}:${block.line} did not run (an earlier block failed)`);
    const after = markdown.split('\n').slice(block.line).join('\n');
    for (const text of expectation.output ?? []) {
      expect({ block: `${doc}:${block.line}`, docShows: after.includes(text), text }).toEqual({ block: `${doc}:${block.line}`, docShows: true, text });
      expect({ block: `${doc}:${block.line}`, output: run.output }).toEqual({ block: `${doc}:${block.line}`, output: expect.stringContaining(rewriteOutput(text)) });
    }
    for (const pattern of expectation.matches ?? []) expect(run.output).toMatch(pattern);
  });

  it('leaves the tables with the rows the doc shows', async () => {
    const response = await fetch(`${server.url}/api/data/tables`);
    const tables = (await response.json()) as { items: { name: string; row_count: number }[] };
    const counts = Object.fromEntries(tables.items.map((table) => [table.name, table.row_count]));
    expect(counts).toEqual(expect.objectContaining(TABLES_AFTER[name]));
  });

  it('never got a 5xx answer from the server', () => {
    expect(server.output().match(/"statusCode":5\d\d/g) ?? []).toEqual([]);
  });
});

afterAll(async () => {
  for (const bash of sessions) killSession(bash);
  for (const server of servers) await stopServer(server);
  for (const dir of workDirs) fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

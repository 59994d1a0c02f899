import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const DIST = path.join(ROOT, 'dist');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Peak resident set size of a live process in bytes (VmHWM), or null once it has gone. */
export function peakRssBytes(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** A server child process on loopback. */
export class ServerProcess {
  private output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.collect(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.collect(chunk));
  }

  private collect(chunk: Buffer): void {
    this.output = (this.output + chunk.toString()).slice(-20_000);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The end of what the process printed, and how it exited if it did: for errors. */
  describe(): string {
    return `${this.child.exitCode === null ? 'running' : `exited with ${this.child.exitCode}`}; output:\n${this.output.slice(-4_000)}`;
  }

  /** The framework itself: dist/src/main.js with the given environment. */
  static async framework(env: Record<string, string>): Promise<{ server: ServerProcess; bootMs: number }> {
    const port = await freePort();
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [path.join(DIST, 'src', 'main.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child, `http://127.0.0.1:${port}`);
    await server.waitFor(async () => (await fetch(`${server.baseUrl}/health`)).status === 200);
    return { server, bootMs: Number(process.hrtime.bigint() - started) / 1e6 };
  }

  /** The bare Fastify + sqlite3 baseline on the same SQLite file. */
  static async baseline(sqliteFile: string): Promise<ServerProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(DIST, 'bench', 'baseline-server.js'), sqliteFile, String(port)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child, `http://127.0.0.1:${port}`);
    await server.waitFor(async () => server.output.includes('listening'));
    return server;
  }

  /** Polls `ready` every 5 ms until it holds; fails with the process output if the process exits first. */
  private async waitFor(ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`server exited with ${this.child.exitCode}:\n${this.output}`);
      try {
        if (await ready()) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`server not ready after ${timeoutMs} ms:\n${this.output}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

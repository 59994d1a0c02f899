import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

/** The real entry point, as a user runs it (built by `npm test`'s pretest step). */
export const ROOT = path.resolve(__dirname, '..', '..');
export const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');

export interface StartedServer {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts dist/src/main.js with only PATH, LOG_FORMAT=json and `env` in its environment. */
export function startMain(env: Record<string, string>): StartedServer {
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/** The URL the server says it listens on, once it says so. */
export async function listeningUrl(started: StartedServer): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const match = started.output().match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    if (match) return match[1];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not start:\n${started.output()}`);
}

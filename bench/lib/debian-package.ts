import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * Makes sure `binary` exists, installing Debian's `pkg` when it is missing (as root, which CI and developer
 * machines are here): tests and benchmarks install what they need themselves, never by hand.
 */
export function ensureDebianPackage(binary: string, pkg: string): string {
  if (!fs.existsSync(binary)) {
    if (process.getuid?.() !== 0) throw new Error(`${binary} is missing: apt-get install ${pkg}`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return binary;
}

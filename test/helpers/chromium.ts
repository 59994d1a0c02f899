import { ensureDebianPackage } from '../../bench/lib/debian-package';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium for browser tests, installed when missing. Flags keep it off the network: it only ever talks to loopback. */
export function ensureChromium(): string {
  return ensureDebianPackage(CHROMIUM, 'chromium');
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

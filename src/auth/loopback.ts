import { isIPv4 } from 'node:net';

/**
 * True for an address on this machine's loopback: 127.0.0.0/8, ::1 (in any spelling) and the
 * IPv4-mapped ::ffff:127.x.y.z (in dotted or hex form). Anything unparseable is not loopback.
 */
export function isLoopbackAddress(address: string | undefined | null): boolean {
  if (!address) return false;
  if (isIPv4(address)) return address.split('.')[0] === '127';
  let normalised: string;
  try {
    // The WHATWG URL parser canonicalises IPv6 (0:0::1 -> ::1, ::ffff:127.0.0.1 -> ::ffff:7f00:1).
    normalised = new URL(`http://[${address}]/`).hostname;
  } catch {
    return false;
  }
  return normalised === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(normalised);
}

/** A HOST setting that only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopbackAddress(host.replace(/^\[(.*)\]$/, '$1'));
}

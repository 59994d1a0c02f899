import { isIP } from 'node:net';

/**
 * Which addresses outbound HTTP may connect to. Public addresses are always allowed; the ranges below
 * are refused unless FETCH_ALLOW_PRIVATE or FETCH_ALLOW_HOSTS says otherwise. Pure functions: the
 * connector (guarded-connector.ts) applies them to the address actually being connected to.
 */

export type BlockKind = 'unspecified' | 'loopback' | 'private' | 'link-local' | 'cloud-metadata' | 'multicast' | 'reserved';

interface Cidr {
  family: 4 | 6;
  /** The address as a number: 32 bits for IPv4, 128 for IPv6. */
  network: bigint;
  prefix: number;
}

/** An IP address as a number, with IPv4-mapped and NAT64 IPv6 addresses reduced to the IPv4 they carry. */
interface ParsedAddress {
  family: 4 | 6;
  value: bigint;
  /** The address in its usual text form, after that reduction. */
  text: string;
}

export type AllowEntry = { kind: 'cidr'; cidr: Cidr; text: string } | { kind: 'name'; name: string } | { kind: 'suffix'; suffix: string };

// Most specific first: the metadata addresses sit inside wider ranges.
const BLOCKED: [string, BlockKind][] = [
  ['169.254.169.254/32', 'cloud-metadata'], // AWS, GCP, Azure, OpenStack, DigitalOcean
  ['100.100.100.200/32', 'cloud-metadata'], // Alibaba Cloud
  ['192.0.0.192/32', 'cloud-metadata'], // Oracle Cloud
  ['fd00:ec2::254/128', 'cloud-metadata'], // AWS over IPv6
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'private'], // carrier-grade NAT, shared address space
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // includes the broadcast address 255.255.255.255
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'reserved'], // IPv4-compatible addresses (deprecated)
  ['64:ff9b:1::/48', 'reserved'], // local-use NAT64
  ['fc00::/7', 'private'], // unique local
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'], // site-local (deprecated)
  ['ff00::/8', 'multicast'],
];

const BLOCKED_RANGES = BLOCKED.map(([text, kind]) => ({ text, kind, cidr: parseCidr(text) as Cidr }));

const KIND_WORDS: Record<BlockKind, string> = {
  unspecified: 'an unspecified ("this host") address',
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  'cloud-metadata': 'a cloud metadata address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

function parseIPv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return null;
  return parts.reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function parseIPv6(text: string): bigint | null {
  let address = text.replace(/%.*$/, ''); // a zone id does not change which range the address is in
  if (isIP(address) !== 6) return null;
  // A trailing dotted IPv4 becomes two hextets.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const v4 = parseIPv4(dotted[2]);
    if (v4 === null) return null;
    address = `${dotted[1]}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = address.includes('::') ? address.split('::') : [address, null];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  if (tail === null ? missing !== 0 : missing < 1) return null;
  const hextets = [...headParts, ...new Array<string>(tail === null ? 0 : missing).fill('0'), ...tailParts];
  return hextets.reduce((value, hextet) => (value << 16n) | BigInt(parseInt(hextet, 16)), 0n);
}

const formatIPv4 = (value: bigint): string => [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');

/** Parses an IP address; IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) addresses count as their IPv4. */
export function parseAddress(text: string): ParsedAddress | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseIPv4(bare);
  if (v4 !== null) return { family: 4, value: v4, text: formatIPv4(v4) };
  const v6 = parseIPv6(bare);
  if (v6 === null) return null;
  const upper96 = v6 >> 32n;
  if (upper96 === 0xffffn || upper96 === 0x64ff9b0000000000000000n) {
    const embedded = v6 & 0xffffffffn;
    return { family: 4, value: embedded, text: formatIPv4(embedded) };
  }
  return { family: 6, value: v6, text: bare.toLowerCase() };
}

function parseCidr(text: string): Cidr | null {
  const [addressText, prefixText, extra] = text.split('/');
  if (extra !== undefined) return null;
  const bare = addressText.startsWith('[') && addressText.endsWith(']') ? addressText.slice(1, -1) : addressText;
  // Parsed without the IPv4-mapped reduction: a CIDR means what it says.
  const v4 = parseIPv4(bare);
  const v6 = v4 === null ? parseIPv6(bare) : null;
  if (v4 === null && v6 === null) return null;
  const family = v4 !== null ? 4 : 6;
  const bits = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return null;
  return { family, network: (v4 ?? v6) as bigint, prefix };
}

function inCidr(address: ParsedAddress, cidr: Cidr): boolean {
  if (address.family !== cidr.family) return false;
  const shift = BigInt((cidr.family === 4 ? 32 : 128) - cidr.prefix);
  return address.value >> shift === cidr.network >> shift;
}

/** The blocked range an address falls in, or null for a public address. */
export function classifyAddress(text: string): { kind: BlockKind; range: string } | null {
  const address = parseAddress(text);
  if (!address) return { kind: 'reserved', range: 'not an IP address' };
  const range = BLOCKED_RANGES.find((candidate) => inCidr(address, candidate.cidr));
  return range ? { kind: range.kind, range: range.text } : null;
}

const normaliseName = (name: string): string => name.toLowerCase().replace(/\.$/, '');
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** A DNS hostname (labels of letters, digits, `-` and `_`, at most 253 characters; case and a final dot ignored). */
export const isHostname = (text: string): boolean => HOSTNAME.test(normaliseName(text));

/**
 * One FETCH_ALLOW_HOSTS entry: an IP address or CIDR (matches the address connected to), a hostname
 * (matches the URL's hostname exactly) or `*.suffix` (matches any hostname ending in `.suffix`, not
 * `suffix` itself). Returns the reason when the entry is none of these.
 */
export function parseAllowEntry(entry: string): AllowEntry | string {
  const text = entry.trim();
  if (text.includes('://')) return `'${entry}' is a URL; give its hostname or IP address`;
  if (/^[\d.]+(\/\d+)?$/.test(text) || text.includes(':')) {
    const cidr = parseCidr(text);
    return cidr ? { kind: 'cidr', cidr, text } : `'${entry}' is not a valid IP address or CIDR range`;
  }
  if (text.startsWith('*.')) {
    const suffix = normaliseName(text.slice(2));
    return HOSTNAME.test(suffix) ? { kind: 'suffix', suffix: `.${suffix}` } : `'${entry}' is not a valid wildcard (use *.example.org)`;
  }
  const name = normaliseName(text);
  return HOSTNAME.test(name) ? { kind: 'name', name } : `'${entry}' is not a hostname, an IP address, a CIDR range or a *.suffix wildcard`;
}

export interface AddressPolicyOptions {
  /** FETCH_ALLOW_HOSTS entries. */
  allowHosts: string[];
  /** FETCH_ALLOW_PRIVATE: every blocked range except the cloud metadata addresses becomes allowed. */
  allowPrivate: boolean;
}

export class OutboundAddressPolicy {
  private readonly entries: AllowEntry[];

  constructor(private readonly options: AddressPolicyOptions) {
    this.entries = options.allowHosts.map(parseAllowEntry).filter((entry): entry is AllowEntry => typeof entry !== 'string');
  }

  /**
   * Null when a connection to `address`, reached through the URL hostname `hostname`, may go ahead;
   * otherwise why not, naming the address, its range and the setting that would allow it.
   */
  check(hostname: string, address: string): string | null {
    const refusal = this.refusalOf(hostname, address);
    return refusal && `connection to ${refusal.target} refused: ${refusal.range}; ${refusal.remedy}`;
  }

  /**
   * For a URL's host, before any lookup or connection: when the host is an IP literal (IPv4, IPv6,
   * IPv4-mapped IPv6) that `check` would refuse, the reason, naming the setting that would allow it;
   * otherwise null. Hostnames pass here: where they resolve is known only at connect time.
   */
  checkLiteralHost(hostname: string): string | null {
    if (!parseAddress(hostname)) return null;
    const refusal = this.refusalOf(hostname, hostname);
    return refusal && `points at ${refusal.target}, ${refusal.range}, which outbound requests may not reach; ${refusal.remedy}`;
  }

  private refusalOf(hostname: string, address: string): { target: string; range: string; remedy: string } | null {
    const blocked = classifyAddress(address);
    if (!blocked) return null;
    if (this.allowedByEntry(hostname, address)) return null;
    if (this.options.allowPrivate && blocked.kind !== 'cloud-metadata') return null;
    const parsed = parseAddress(address);
    const shown = parsed?.text ?? address;
    const host = normaliseName(hostname.replace(/^\[|\]$/g, ''));
    const via = parseAddress(host)?.text === shown ? '' : ` (${hostname} resolves to it)`;
    const remedy =
      blocked.kind === 'cloud-metadata'
        ? `only an explicit FETCH_ALLOW_HOSTS entry allows it (FETCH_ALLOW_PRIVATE does not)`
        : `add ${via ? `${shown} or ${host}` : shown} to FETCH_ALLOW_HOSTS, or set FETCH_ALLOW_PRIVATE=true, to allow it`;
    return { target: `${shown}${via}`, range: `${KIND_WORDS[blocked.kind]} (${blocked.range})`, remedy };
  }

  private allowedByEntry(hostname: string, address: string): boolean {
    const name = normaliseName(hostname.replace(/^\[|\]$/g, ''));
    const parsed = parseAddress(address);
    return this.entries.some((entry) => {
      if (entry.kind === 'name') return name === entry.name;
      if (entry.kind === 'suffix') return name.endsWith(entry.suffix);
      return parsed !== null && (inCidr(parsed, entry.cidr) || inCidr({ ...parsed, ...rawFamily(address) }, entry.cidr));
    });
  }
}

/** The address as written, without the IPv4-mapped reduction, so an IPv6 CIDR entry can match it too. */
function rawFamily(address: string): { family: 4 | 6; value: bigint } {
  const bare = address.replace(/^\[|\]$/g, '');
  const v4 = parseIPv4(bare);
  if (v4 !== null) return { family: 4, value: v4 };
  return { family: 6, value: parseIPv6(bare) ?? 0n };
}

import * as dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { buildConnector } from 'undici';
import { OutboundAddressPolicy } from './address-policy';

/** Thrown (as the cause of a failed fetch) when a connection would reach a blocked address. */
export class OutboundRequestRefusedError extends Error {
  readonly code = 'ERR_OUTBOUND_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRequestRefusedError';
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a hostname to every address it has; injectable so tests can play DNS without a network. */
export type ResolveAll = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolveAll: ResolveAll = (hostname) => dns.promises.lookup(hostname, { all: true });

/** A lookup for net.connect that answers with addresses already resolved and checked. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as (error: null, addresses: ResolvedAddress[]) => void)(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
}

export interface GuardedConnectorOptions {
  resolveAll?: ResolveAll;
  /** undici's connector factory; tests replace it to prove no socket is opened. */
  build?: typeof buildConnector;
  connectorOptions?: buildConnector.BuildOptions;
}

/**
 * The addresses a connection to `hostname` may use: an IP literal checked as it is (no lookup), a hostname resolved
 * here and only its allowed addresses kept. Rejects with OutboundRequestRefusedError when none is allowed (naming
 * the first address and the setting that would allow it), with ENOTFOUND when the name has no address. The one
 * place the policy meets DNS: the HTTP connector and the SMTP sender both connect only to what this answers.
 */
export async function allowedAddresses(policy: OutboundAddressPolicy, hostname: string, resolveAll: ResolveAll = systemResolveAll): Promise<ResolvedAddress[]> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family) {
    const refusal = policy.check(bare, bare);
    if (refusal) throw new OutboundRequestRefusedError(refusal);
    return [{ address: bare, family }];
  }
  const addresses = await resolveAll(bare);
  const allowed = addresses.filter((candidate) => policy.check(bare, candidate.address) === null);
  if (allowed.length > 0) return allowed;
  const refusal = addresses.length > 0 ? policy.check(bare, addresses[0].address) : null;
  throw refusal ? new OutboundRequestRefusedError(refusal) : Object.assign(new Error(`getaddrinfo ENOTFOUND ${bare}`), { code: 'ENOTFOUND' });
}

/**
 * An undici connector that checks the address each new connection goes to, at connect time (allowedAddresses).
 * Only addresses the policy allows are handed to the socket (through a pinned lookup), so DNS that changes between
 * a check and the connect (rebinding) cannot slip a blocked address in. Every connection the dispatcher opens
 * passes here, redirects included.
 */
export function guardedConnector(policy: OutboundAddressPolicy, options: GuardedConnectorOptions = {}): buildConnector.connector {
  const resolveAll = options.resolveAll ?? systemResolveAll;
  const build = options.build ?? buildConnector;
  const base = options.connectorOptions ?? {};
  const direct = build(base);
  return (connectOptions, callback) => {
    const hostname = connectOptions.hostname.replace(/^\[|\]$/g, '');
    allowedAddresses(policy, hostname, resolveAll).then(
      (allowed) => {
        // An IP literal needs no lookup; a name connects only to the addresses checked above.
        if (isIP(hostname)) direct(connectOptions, callback);
        else build({ ...base, lookup: pinnedLookup(allowed) } as buildConnector.BuildOptions)(connectOptions, callback);
      },
      (error: Error) => callback(error, null),
    );
  };
}

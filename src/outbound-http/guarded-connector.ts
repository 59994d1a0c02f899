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
 * An undici connector that checks the address each new connection goes to, at connect time: IP-literal
 * hosts directly, hostnames after resolving them here. Only addresses the policy allows are handed to
 * the socket (through a pinned lookup), so DNS that changes between a check and the connect (rebinding)
 * cannot slip a blocked address in. Every connection the dispatcher opens passes here, redirects included.
 */
export function guardedConnector(policy: OutboundAddressPolicy, options: GuardedConnectorOptions = {}): buildConnector.connector {
  const resolveAll = options.resolveAll ?? systemResolveAll;
  const build = options.build ?? buildConnector;
  const base = options.connectorOptions ?? {};
  const direct = build(base);
  return (connectOptions, callback) => {
    const hostname = connectOptions.hostname.replace(/^\[|\]$/g, '');
    if (isIP(hostname)) {
      const refusal = policy.check(hostname, hostname);
      if (refusal) callback(new OutboundRequestRefusedError(refusal), null);
      else direct(connectOptions, callback);
      return;
    }
    resolveAll(hostname).then(
      (addresses) => {
        const allowed = addresses.filter((candidate) => policy.check(hostname, candidate.address) === null);
        if (allowed.length === 0) {
          const refusal = addresses.length > 0 ? policy.check(hostname, addresses[0].address) : null;
          callback(refusal ? new OutboundRequestRefusedError(refusal) : Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), null);
          return;
        }
        build({ ...base, lookup: pinnedLookup(allowed) } as buildConnector.BuildOptions)(connectOptions, callback);
      },
      (error: Error) => callback(error, null),
    );
  };
}

import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, fetch as undiciFetch, RequestInit as UndiciRequestInit } from 'undici';
import { Settings } from '../config/settings';
import { OutboundAddressPolicy } from './address-policy';
import { allowedAddresses, guardedConnector, GuardedConnectorOptions, OutboundRequestRefusedError, ResolveAll, ResolvedAddress, systemResolveAll } from './guarded-connector';

export type OutboundRequestInit = Omit<UndiciRequestInit, 'dispatcher'>;

/** The refusal behind a failed fetch, if that is why it failed (undici wraps connector errors as `cause`). */
function refusalIn(error: unknown): OutboundRequestRefusedError | null {
  for (let current: unknown = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof OutboundRequestRefusedError) return current;
  }
  return null;
}

/**
 * HTTP for plugins, guarded against server-side request forgery: every connection (redirect hops
 * included) is checked against FETCH_ALLOW_PRIVATE / FETCH_ALLOW_HOSTS at connect time. Plugins that
 * make HTTP calls inject this instead of using the global fetch.
 */
@Injectable()
export class OutboundHttpService implements OnApplicationShutdown {
  private readonly agent: Agent;

  private readonly policy: OutboundAddressPolicy;

  private readonly resolveAll: ResolveAll;

  constructor(settings: Settings, connector: GuardedConnectorOptions = {}) {
    this.policy = new OutboundAddressPolicy({ allowHosts: settings.fetchAllowHosts, allowPrivate: settings.fetchAllowPrivate });
    this.resolveAll = connector.resolveAll ?? systemResolveAll;
    this.agent = new Agent({ connect: guardedConnector(this.policy, connector) });
  }

  /**
   * For clients that open their own sockets (SMTP): the address to connect to for `hostname`, resolved and checked
   * as fetch's connections are. Connect to this address, not the name, so DNS cannot answer differently at connect
   * time (rebinding). Rejects with OutboundRequestRefusedError when the policy allows none of its addresses.
   */
  async resolveAllowed(hostname: string): Promise<ResolvedAddress> {
    const [first] = await allowedAddresses(this.policy, hostname, this.resolveAll);
    return first;
  }

  /**
   * For a plugin's validate hook: why a request to `url` would certainly be refused, judged from the URL
   * alone (its host is an IP literal in a blocked range that FETCH_ALLOW_HOSTS / FETCH_ALLOW_PRIVATE do
   * not allow), or null. Nothing is resolved or connected; hostnames are checked when they connect.
   */
  checkUrl(url: string | URL): string | null {
    let hostname: string;
    try {
      hostname = (typeof url === 'string' ? new URL(url) : url).hostname;
    } catch {
      return null; // not a URL: the caller reports that in its own words
    }
    return this.policy.checkLiteralHost(hostname);
  }

  /**
   * fetch() through the guarded dispatcher. Redirects are followed when `redirect` says so (fetch's cap
   * of 20 hops applies), each hop checked. A blocked target rejects with OutboundRequestRefusedError.
   */
  async fetch(url: string | URL, init: OutboundRequestInit = {}): Promise<Response> {
    try {
      // undici's Response is the class Node's global fetch returns; only the TypeScript declarations differ.
      return (await undiciFetch(url, { ...init, dispatcher: this.agent })) as unknown as Response;
    } catch (error) {
      throw refusalIn(error) ?? error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.destroy();
  }
}

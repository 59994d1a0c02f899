import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { buildConnector } from 'undici';
import { OutboundAddressPolicy } from './address-policy';
import { allowedAddresses, guardedConnector, OutboundRequestRefusedError, ResolvedAddress } from './guarded-connector';

const policy = (allowHosts: string[] = []) => new OutboundAddressPolicy({ allowHosts, allowPrivate: false });

/** Runs one connect through the connector; resolves with the error or the socket. */
function connect(connector: buildConnector.connector, hostname: string, port = 80) {
  return new Promise<{ error: Error | null; socket: import('node:net').Socket | null }>((resolve) =>
    connector({ hostname, host: `${hostname}:${port}`, protocol: 'http:', port: String(port) }, (error, socket) => resolve({ error, socket })),
  );
}

describe('guardedConnector', () => {
  it.each([
    ['10.1.2.3', [{ address: '10.1.2.3', family: 4 }]],
    ['169.254.169.254', [{ address: '169.254.169.254', family: 4 }]],
    ['::ffff:127.0.0.1', [{ address: '::ffff:127.0.0.1', family: 6 }]],
  ])('refuses a name that resolves to %s before opening any socket', async (_label, addresses: ResolvedAddress[]) => {
    const lookups: string[] = [];
    // A stand-in for undici's connector: nothing here can open a socket, even if the guard failed.
    const socketsOpened = jest.fn((_options: unknown, callback: buildConnector.Callback) => callback(new Error('a socket would have been opened'), null));
    const connector = guardedConnector(policy(), { resolveAll: async (name) => (lookups.push(name), addresses), build: (() => socketsOpened) as unknown as typeof buildConnector });
    const { error, socket } = await connect(connector, 'evil.test');
    expect(socket).toBeNull();
    expect(error).toBeInstanceOf(OutboundRequestRefusedError);
    expect(error?.message).toContain('(evil.test resolves to it) refused');
    expect(lookups).toEqual(['evil.test']);
    expect(socketsOpened).not.toHaveBeenCalled();
  });

  it('refuses IP-literal hosts, which skip DNS, without resolving or connecting', async () => {
    const resolveAll = jest.fn(async () => [] as ResolvedAddress[]);
    const direct = jest.fn();
    const connector = guardedConnector(policy(), { resolveAll, build: (() => direct) as unknown as typeof buildConnector });
    for (const host of ['127.0.0.1', '[::1]', '169.254.169.254', '0.0.0.0', '::ffff:7f00:1']) {
      const { error } = await connect(connector, host);
      expect(error).toBeInstanceOf(OutboundRequestRefusedError);
    }
    expect(resolveAll).not.toHaveBeenCalled();
    expect(direct).not.toHaveBeenCalled();
  });

  it('connects only to the allowed addresses among those a name resolves to', async () => {
    const server: Server = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // A name with a blocked answer first (::1, loopback: not allowed here): only 127.0.0.1 reaches the socket.
      const connector = guardedConnector(policy(['127.0.0.1']), {
        resolveAll: async () => [
          { address: '::1', family: 6 },
          { address: '127.0.0.1', family: 4 },
        ],
      });
      const { error, socket } = await connect(connector, 'api.test', port);
      expect(error).toBeNull();
      expect(socket?.remoteAddress).toBe('127.0.0.1');
      socket?.destroy();
    } finally {
      server.close();
    }
  });

  it('passes DNS failures through as they are', async () => {
    const connector = guardedConnector(policy(), { resolveAll: async () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' })) });
    const { error } = await connect(connector, 'nowhere.test');
    expect(error).not.toBeInstanceOf(OutboundRequestRefusedError);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOTFOUND');
  });
});

describe('allowedAddresses', () => {
  const resolving = (addresses: ResolvedAddress[]) => jest.fn(async (_name: string) => addresses);

  it('checks an IP literal as it is, without resolving it', async () => {
    const resolveAll = resolving([]);
    await expect(allowedAddresses(policy(['127.0.0.1']), '127.0.0.1', resolveAll)).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    await expect(allowedAddresses(policy(['::1']), '[::1]', resolveAll)).resolves.toEqual([{ address: '::1', family: 6 }]);
    await expect(allowedAddresses(policy(['127.0.0.1']), '127.0.0.2', resolveAll)).rejects.toThrow('connection to 127.0.0.2 refused: a loopback address (127.0.0.0/8)');
    expect(resolveAll).not.toHaveBeenCalled();
  });

  it('keeps only the allowed addresses of a name, in the order DNS gave them', async () => {
    const addresses = [
      { address: '10.0.0.5', family: 4 },
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ];
    await expect(allowedAddresses(policy(), 'smtp.example.org', resolving(addresses))).resolves.toEqual(addresses.slice(1));
  });

  it('refuses a name whose every address is blocked, naming the first, and reports a name without addresses as ENOTFOUND', async () => {
    const refused = allowedAddresses(policy(), 'relay.internal', resolving([{ address: '192.168.1.20', family: 4 }]));
    await expect(refused).rejects.toBeInstanceOf(OutboundRequestRefusedError);
    await expect(refused).rejects.toThrow('connection to 192.168.1.20 (relay.internal resolves to it) refused');
    await expect(allowedAddresses(policy(['relay.internal']), 'relay.internal', resolving([{ address: '192.168.1.20', family: 4 }]))).resolves.toHaveLength(1);
    await expect(allowedAddresses(policy(), 'nowhere.test', resolving([]))).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

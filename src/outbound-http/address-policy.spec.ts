import { classifyAddress, OutboundAddressPolicy, parseAddress, parseAllowEntry } from './address-policy';

describe('classifyAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.255', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'cloud-metadata'],
    ['100.100.100.200', 'cloud-metadata'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::7f00:1', 'reserved'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['fd00:ec2::254', 'cloud-metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud-metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'cloud-metadata'],
    ['64:ff9b::192.168.0.1', 'private'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)?.kind).toBe(kind);
  });

  it.each(['1.1.1.1', '8.8.8.8', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.0.1.1', '192.169.0.1', '198.17.255.255', '198.20.0.0', '223.255.255.255', '2606:4700::1111', '2001:db8::1', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    '%s is public',
    (address) => expect(classifyAddress(address)).toBeNull(),
  );

  it('treats anything that is not an IP address as blocked', () => {
    expect(classifyAddress('example.org')).toEqual({ kind: 'reserved', range: 'not an IP address' });
    expect(classifyAddress('256.1.1.1')?.kind).toBe('reserved');
  });

  it('reduces IPv4-mapped and NAT64 addresses to their IPv4', () => {
    expect(parseAddress('::ffff:127.0.0.1')?.text).toBe('127.0.0.1');
    expect(parseAddress('64:ff9b::7f00:1')?.text).toBe('127.0.0.1');
    expect(parseAddress('::1')?.text).toBe('::1');
  });
});

describe('parseAllowEntry', () => {
  it('reads IPs, CIDRs, names and wildcards', () => {
    expect(parseAllowEntry('127.0.0.1')).toMatchObject({ kind: 'cidr', cidr: { family: 4, prefix: 32 } });
    expect(parseAllowEntry('10.0.0.0/8')).toMatchObject({ kind: 'cidr', cidr: { family: 4, prefix: 8 } });
    expect(parseAllowEntry('fd00::/8')).toMatchObject({ kind: 'cidr', cidr: { family: 6, prefix: 8 } });
    expect(parseAllowEntry('[::1]')).toMatchObject({ kind: 'cidr', cidr: { family: 6, prefix: 128 } });
    expect(parseAllowEntry('API.Internal.')).toEqual({ kind: 'name', name: 'api.internal' });
    expect(parseAllowEntry('*.corp.example')).toEqual({ kind: 'suffix', suffix: '.corp.example' });
  });

  it.each(['10.0.0.0/33', '300.1.1.1', '1.2.3', 'fe80::/129', 'http://x.org', 'a b', '*.', '*x.org', 'x.org/8', ''])('refuses %j', (entry) => {
    expect(typeof parseAllowEntry(entry)).toBe('string');
  });
});

describe('OutboundAddressPolicy', () => {
  const policy = (allowHosts: string[] = [], allowPrivate = false) => new OutboundAddressPolicy({ allowHosts, allowPrivate });

  it('allows public addresses and refuses the others with the reason and the setting', () => {
    expect(policy().check('example.org', '93.184.216.34')).toBeNull();
    expect(policy().check('evil.test', '10.1.2.3')).toBe(
      'connection to 10.1.2.3 (evil.test resolves to it) refused: a private address (10.0.0.0/8); add 10.1.2.3 or evil.test to FETCH_ALLOW_HOSTS, or set FETCH_ALLOW_PRIVATE=true, to allow it',
    );
    expect(policy().check('127.0.0.1', '127.0.0.1')).toBe(
      'connection to 127.0.0.1 refused: a loopback address (127.0.0.0/8); add 127.0.0.1 to FETCH_ALLOW_HOSTS, or set FETCH_ALLOW_PRIVATE=true, to allow it',
    );
    expect(policy([], true).check('x', '169.254.169.254')).toBe(
      'connection to 169.254.169.254 (x resolves to it) refused: a cloud metadata address (169.254.169.254/32); only an explicit FETCH_ALLOW_HOSTS entry allows it (FETCH_ALLOW_PRIVATE does not)',
    );
  });

  it('FETCH_ALLOW_PRIVATE lifts every block except cloud metadata', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '::1', 'fe80::1', '::ffff:192.168.0.1']) expect(policy([], true).check('h', address)).toBeNull();
    expect(policy([], true).check('h', 'fd00:ec2::254')).toMatch(/cloud metadata/);
  });

  it('IP and CIDR entries match the address connected to, whatever name led there', () => {
    expect(policy(['127.0.0.1']).check('localhost', '127.0.0.1')).toBeNull();
    expect(policy(['127.0.0.1']).check('localhost', '::ffff:127.0.0.1')).toBeNull();
    expect(policy(['127.0.0.1']).check('localhost', '::1')).toMatch(/refused/);
    expect(policy(['127.0.0.1']).check('127.0.0.2', '127.0.0.2')).toMatch(/refused/);
    expect(policy(['10.0.0.0/8']).check('db.internal', '10.9.9.9')).toBeNull();
    expect(policy(['::1']).check('localhost', '::1')).toBeNull();
    expect(policy(['169.254.169.254']).check('metadata', '169.254.169.254')).toBeNull();
  });

  it('name entries match the URL hostname, exactly or by *.suffix', () => {
    expect(policy(['api.internal']).check('API.internal.', '10.1.2.3')).toBeNull();
    expect(policy(['api.internal']).check('other.internal', '10.1.2.3')).toMatch(/refused/);
    expect(policy(['*.corp.example']).check('a.b.corp.example', '192.168.1.1')).toBeNull();
    expect(policy(['*.corp.example']).check('corp.example', '192.168.1.1')).toMatch(/refused/);
    expect(policy(['*.corp.example']).check('evilcorp.example', '192.168.1.1')).toMatch(/refused/);
  });
});

describe('OutboundAddressPolicy.checkLiteralHost (a URL host judged before any lookup)', () => {
  const policy = (allowHosts: string[] = [], allowPrivate = false) => new OutboundAddressPolicy({ allowHosts, allowPrivate });

  it.each([
    ['169.254.169.254', '169.254.169.254, a cloud metadata address (169.254.169.254/32)'],
    ['10.0.0.1', '10.0.0.1, a private address (10.0.0.0/8)'],
    ['127.0.0.1', '127.0.0.1, a loopback address (127.0.0.0/8)'],
    ['[::1]', '::1, a loopback address (::1/128)'],
    ['[::ffff:a00:1]', '10.0.0.1, a private address (10.0.0.0/8)'],
    ['[fe80::1]', 'fe80::1, a link-local address (fe80::/10)'],
    ['0.0.0.0', '0.0.0.0, an unspecified ("this host") address (0.0.0.0/8)'],
  ])('refuses %s, naming FETCH_ALLOW_HOSTS', (host, what) => {
    const reason = policy().checkLiteralHost(host);
    expect(reason).toContain(`points at ${what}, which outbound requests may not reach; `);
    expect(reason).toContain('FETCH_ALLOW_HOSTS');
  });

  it('passes public literals and every hostname (those are checked when they connect)', () => {
    for (const host of ['93.184.216.34', '[2606:4700::1111]', 'localhost', 'metadata.google.internal', 'api.example.org']) expect(policy().checkLiteralHost(host)).toBeNull();
  });

  it('honours FETCH_ALLOW_HOSTS and FETCH_ALLOW_PRIVATE exactly as at connect time', () => {
    expect(policy(['10.0.0.0/8']).checkLiteralHost('10.0.0.1')).toBeNull();
    expect(policy(['10.0.0.1']).checkLiteralHost('[::ffff:a00:1]')).toBeNull();
    expect(policy(['127.0.0.1']).checkLiteralHost('10.0.0.1')).toMatch(/^points at 10\.0\.0\.1/);
    expect(policy([], true).checkLiteralHost('192.168.1.1')).toBeNull();
    expect(policy([], true).checkLiteralHost('169.254.169.254')).toBe(
      'points at 169.254.169.254, a cloud metadata address (169.254.169.254/32), which outbound requests may not reach; only an explicit FETCH_ALLOW_HOSTS entry allows it (FETCH_ALLOW_PRIVATE does not)',
    );
    expect(policy(['169.254.169.254']).checkLiteralHost('169.254.169.254')).toBeNull();
  });
});

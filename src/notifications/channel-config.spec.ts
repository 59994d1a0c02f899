import { checkChannelConfig } from './channel-config';

const email = (config: Record<string, unknown>, options?: { passwordStored?: boolean }) => checkChannelConfig('email', { host: 'smtp.example.org', from: 'pif@example.org', to: ['ops@example.org'], ...config }, options);
const pointers = (result: ReturnType<typeof checkChannelConfig>) => ('errors' in result ? result.errors.map((error) => error.path) : []);

describe('checkChannelConfig: email', () => {
  it('fills in security and the port that goes with it', () => {
    expect(email({})).toEqual({ config: { host: 'smtp.example.org', port: 587, security: 'starttls', from: 'pif@example.org', to: ['ops@example.org'] }, generatedSecret: false });
    expect(email({ security: 'tls' })).toMatchObject({ config: { port: 465, security: 'tls' } });
    expect(email({ security: 'none' })).toMatchObject({ config: { port: 587, security: 'none' } });
    expect(email({ security: 'tls', port: 2465 })).toMatchObject({ config: { port: 2465 } });
  });

  it('takes hostnames and IP literals, an IPv6 one with or without brackets', () => {
    for (const host of ['smtp.example.org', 'SMTP.Example.org.', 'relay', '10.0.0.25', '2001:db8::25']) expect(email({ host })).toMatchObject({ config: { host } });
    expect(email({ host: '[2001:db8::25]' })).toMatchObject({ config: { host: '2001:db8::25' } });
    for (const host of ['', 'smtp.example.org:25', 'smtp://smtp.example.org', 'a b', '[smtp.example.org]', '-bad.example.org', 42, 'x'.repeat(254)]) {
      expect(pointers(email({ host }))).toEqual(['/config/host']);
    }
  });

  it('takes addresses with or without a display name, and drops repeated recipients', () => {
    const result = email({ from: '"PIF, lab" <pif@example.org>', to: ['ops@example.org', 'Ops <OPS@example.org>', 'Lab <lab@example.org>', 'lab@example.org'] });
    expect(result).toMatchObject({ config: { from: '"PIF, lab" <pif@example.org>', to: ['ops@example.org', 'Lab <lab@example.org>'] } });
  });

  it.each([
    ['a name without angle brackets (a typo, not a display name)', 'ops team@example.org'],
    ['two addresses', 'a@example.org, b@example.org'],
    ['a group', 'Ops: a@example.org;'],
    ['no domain', 'ops@'],
    ['no local part', '@example.org'],
    ['a line break', 'ops@example.org\r\nBcc: x@example.org'],
    ['not a string', 7],
  ])('refuses %s as an address', (_label, address) => {
    expect(pointers(email({ from: address }))).toEqual(['/config/from']);
    expect(pointers(email({ to: ['ok@example.org', address] }))).toEqual(['/config/to/1']);
  });

  it('pairs username and password, unless updating a channel that has a password', () => {
    expect(pointers(email({ username: 'u' }))).toEqual(['/config/password']);
    expect(pointers(email({ password: 'p' }))).toEqual(['/config/username']);
    expect(email({ username: 'u' }, { passwordStored: true })).toMatchObject({ config: { username: 'u' } });
    expect(email({ username: 'u', password: 'p' })).toMatchObject({ config: { username: 'u', password: 'p' } });
    expect(pointers(email({ username: '', password: '' }))).toEqual(['/config/username', '/config/password']);
  });

  it('reports every wrong field at once', () => {
    const result = checkChannelConfig('email', { host: 'ok.example.org', port: 70000, security: 'ssl', to: Array.from({ length: 51 }, (_, i) => `r${i}@example.org`), secret: 'x' });
    expect(pointers(result).sort()).toEqual(['/config/from', '/config/port', '/config/secret', '/config/security', '/config/to']);
  });
});

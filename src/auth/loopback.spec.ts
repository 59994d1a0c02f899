import { isLoopbackAddress, isLoopbackHost } from './loopback';

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.0.0.53', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1', '0::1', '::ffff:127.0.0.1', '::FFFF:127.1.2.3', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:0001'])(
    '%s is loopback',
    (address) => expect(isLoopbackAddress(address)).toBe(true),
  );

  it.each(['0.0.0.0', '::', '10.0.0.1', '192.168.1.20', '128.0.0.1', '::2', '::ffff:10.0.0.1', '::ffff:c0a8:114', 'fe80::1', 'fe80::1%eth0', '1.127.0.0', 'localhost', '', 'not an address', '127.0.0.1.evil', undefined, null])(
    '%s is not loopback',
    (address) => expect(isLoopbackAddress(address)).toBe(false),
  );
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '::1', '[::1]', 'localhost', 'LOCALHOST'])('%s only listens on loopback', (host) => expect(isLoopbackHost(host)).toBe(true));
  it.each(['0.0.0.0', '::', '[::]', '192.168.1.20', 'example.org', 'my-laptop'])('%s may listen beyond loopback', (host) => expect(isLoopbackHost(host)).toBe(false));
});

import { ProvisioningFileError } from './file-problem';
import { interpolate } from './interpolation';

const ENV = { LAB_SHARE: '/srv/share', TOKEN: 'tok-${NOT_AGAIN}', EMPTY: '' };

function problemOf(value: unknown) {
  try {
    interpolate(value, ENV);
  } catch (error) {
    expect(error).toBeInstanceOf(ProvisioningFileError);
    return (error as ProvisioningFileError).problem;
  }
  throw new Error('expected a problem');
}

describe('interpolate', () => {
  it('replaces ${NAME} in string values at any depth, leaving keys and other values as they are', () => {
    const file = { instances: [{ name: 'Import ${EMPTY}x', config: { file_path: '${LAB_SHARE}/a.csv', '${LAB_SHARE}': 1, n: 2, ok: true, none: null } }] };
    expect(interpolate(file, ENV)).toEqual({ instances: [{ name: 'Import x', config: { file_path: '/srv/share/a.csv', '${LAB_SHARE}': 1, n: 2, ok: true, none: null } }] });
  });

  it('does not scan a replacement again, and reads $${ as a literal ${', () => {
    expect(interpolate({ a: '${TOKEN}', b: '$${LAB_SHARE} costs $5, ${LAB_SHARE}', c: '$$${LAB_SHARE}' }, ENV)).toEqual({ a: 'tok-${NOT_AGAIN}', b: '${LAB_SHARE} costs $5, /srv/share', c: '$${LAB_SHARE}' });
  });

  it('names an unset variable and where it is', () => {
    expect(problemOf({ instances: [{ config: { auth: { token: 'Bearer ${LAB_TOKEN}' } } }] })).toEqual({ message: 'environment variable LAB_TOKEN is not set', path: '/instances/0/config/auth/token' });
  });

  it('refuses a ${ that starts no reference, and the secret key variables', () => {
    expect(problemOf({ a: ['${1X}'] })).toEqual({ message: expect.stringContaining('write "$${" for a literal'), path: '/a/0' });
    expect(problemOf({ a: 'x ${LAB_SHARE' })).toMatchObject({ path: '/a' });
    expect(problemOf({ a: '${SECRET_KEY}' })).toEqual({ message: '${SECRET_KEY} is not available to provisioning files', path: '/a' });
    expect(problemOf({ 'a/b~c': '${SECRET_KEY_PREVIOUS}' })).toMatchObject({ path: '/a~1b~0c' });
  });

  it('refuses values JSON cannot hold', () => {
    expect(problemOf({ a: [Buffer.from('x')] })).toEqual({ message: expect.stringContaining('not a JSON value'), path: '/a/0' });
    expect(problemOf({ a: Number.POSITIVE_INFINITY })).toEqual({ message: 'Infinity is not a JSON number', path: '/a' });
    expect(problemOf({ a: new Map() })).toMatchObject({ path: '/a' });
  });
});

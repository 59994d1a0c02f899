import { compareTemplateVersions, TemplateVersionError } from './template-version';

describe('compareTemplateVersions', () => {
  it('orders major, minor and patch numerically, not as text', () => {
    expect(compareTemplateVersions('1.0.0', '2.0.0')).toBe(-1);
    expect(compareTemplateVersions('2.0.0', '1.0.0')).toBe(1);
    expect(compareTemplateVersions('1.10.0', '1.9.0')).toBe(1);
    expect(compareTemplateVersions('1.0.10', '1.0.9')).toBe(1);
    expect(compareTemplateVersions('1.2.3', '1.2.3')).toBe(0);
  });

  it('puts a pre-release before its release and orders pre-releases as SemVer 2.0.0 says', () => {
    // The example chain of SemVer 2.0.0, section 11.4.
    const chain = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    for (let i = 0; i < chain.length - 1; i++) {
      expect([chain[i], compareTemplateVersions(chain[i], chain[i + 1])]).toEqual([chain[i], -1]);
      expect([chain[i], compareTemplateVersions(chain[i + 1], chain[i])]).toEqual([chain[i], 1]);
    }
    expect(compareTemplateVersions('2.0.0-rc.1', '1.9.9')).toBe(1);
  });

  it('ignores build metadata', () => {
    expect(compareTemplateVersions('1.0.0+build.7', '1.0.0+build.8')).toBe(0);
    expect(compareTemplateVersions('1.0.0-rc.1+x', '1.0.0-rc.1')).toBe(0);
  });

  it('refuses what is not a semantic version', () => {
    for (const bad of ['1.0', 'v1.0.0', '', '1.0.0-', 'latest']) expect(() => compareTemplateVersions(bad, '1.0.0')).toThrow(TemplateVersionError);
  });
});

import { changeKindLabel, versionChangeLabel } from './change-kind';

describe('how the version list names a change', () => {
  it('says which version a rollback restored, when the server recorded it', () => {
    expect(versionChangeLabel({ change_kind: 'rollback', restored_from: 3 })).toBe('Rolled back to v3');
    // Rollbacks recorded before restored_from existed.
    expect(versionChangeLabel({ change_kind: 'rollback', restored_from: null })).toBe('Rolled back');
    expect(versionChangeLabel({ change_kind: 'update', restored_from: null })).toBe('Edited');
    expect(changeKindLabel('something_new')).toBe('something_new');
  });
});

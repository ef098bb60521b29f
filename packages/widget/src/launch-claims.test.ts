import { expect } from 'chai';
import { launchNhsNumber } from './launch-claims.ts';
import { unsignedLaunch } from './test-support/fixtures.ts';

describe('launchNhsNumber', () => {
  it('reads the nhs_number claim of a compact JWS without verifying it', () => {
    expect(launchNhsNumber(unsignedLaunch({ nhs_number: '9990000018', sub: 'user-0001' }))).to.equal('9990000018');
  });

  it('decodes base64url (with - and _) and UTF-8 payloads', () => {
    // This payload's base64 holds "/", so its base64url holds "_": a plain atob would reject it.
    const launch = unsignedLaunch({ name: 'Dr Zoë Ó Fictional ?>?>ÿÿ', nhs_number: '9990000026' });
    expect(launch.split('.')[1]).to.match(/[-_]/);
    expect(launchNhsNumber(launch)).to.equal('9990000026');
  });

  const malformed: readonly [string, string][] = [
    ['an opaque string', 'launch-for-ada'],
    ['two segments', 'eyJhbGciOiJub25lIn0.eyJuaHNfbnVtYmVyIjoiOTk5MDAwMDAxOCJ9'],
    ['an empty payload', 'eyJhbGciOiJub25lIn0..sig'],
    ['a payload that is not base64url', 'eyJhbGciOiJub25lIn0.%%%.sig'],
    ['a payload that is not JSON', `x.${btoa('not json')}.sig`],
    ['a JSON payload that is not an object', `x.${btoa('"9990000018"')}.sig`],
    ['a non-string claim', unsignedLaunch({ nhs_number: 9990000018 })],
    ['no claim', unsignedLaunch({ sub: 'user-0001' })],
  ];
  for (const [what, launch] of malformed) {
    it(`gives undefined for ${what}, so the check is skipped`, () => {
      expect(launchNhsNumber(launch)).to.equal(undefined);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { ProblemError } from '../errors/problem-error.ts';
import { SessionVerifier, signSessionToken, verifySessionToken } from './session-token.ts';

const options = { secret: new Uint8Array(32).fill(7), publicUrl: 'https://bff.test', ttlSeconds: 600 };
const claims = {
  sessionId: 'sess-1',
  user: { id: 'u1', name: 'Dr Ada Testwell', role: 'R8000', org: 'Y12345' },
  nhsNumber: '9990000018',
  issuer: 'https://gp-host.test',
};
const T0 = new Date('2026-11-25T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof ProblemError ? err.code : `not a problem: ${String(err)}`;
  }
}

describe('SessionVerifier', () => {
  it('answers a repeated token with the claims it verified, without changing them', async () => {
    const { token, expiresAt } = await signSessionToken(claims, T0, options);
    const verifier = new SessionVerifier(options);
    const first = await verifier.verify(token, T0);
    expect(first).toEqual({ ...claims, expiresAt });
    expect(await verifier.verify(token, at(5_000))).toEqual(first);
    expect(verifier.size).toBe(1);
  });

  it('still enforces expiry on every request, at the same instant jose does', async () => {
    const { token } = await signSessionToken(claims, T0, options);
    const verifier = new SessionVerifier(options);
    await verifier.verify(token, T0);
    // One millisecond before exp is still valid; exp itself is expired (jose: exp <= now).
    expect(await codeOf(verifier.verify(token, at(600_000 - 1)))).toBeUndefined();
    expect(await codeOf(verifier.verify(token, at(600_000)))).toBe('session-expired');
    expect(await codeOf(verifySessionToken(token, at(600_000), options))).toBe('session-expired');
    expect(await codeOf(verifier.verify(token, at(3_600_000)))).toBe('session-expired');
  });

  it('verifies every other token in full: a tampered, re-signed or foreign token is refused', async () => {
    const { token } = await signSessionToken(claims, T0, options);
    const verifier = new SessionVerifier(options);
    await verifier.verify(token, T0);
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const otherPatient = Buffer.from(JSON.stringify({ ...payload, nhs_number: '9990000026' })).toString('base64url');
    expect(await codeOf(verifier.verify(`${h}.${otherPatient}.${s}`, T0))).toBe('session-invalid');
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(await codeOf(verifier.verify(flipped, T0))).toBe('session-invalid');
    const foreign = await signSessionToken(claims, T0, { ...options, secret: new Uint8Array(32).fill(8) });
    expect(await codeOf(verifier.verify(foreign.token, T0))).toBe('session-invalid');
    expect(verifier.size).toBe(1);
  });

  it('does not remember a token that failed, nor more tokens than its bound', async () => {
    const verifier = new SessionVerifier(options, 2);
    const { token } = await signSessionToken(claims, T0, options);
    expect(await codeOf(verifier.verify(token, at(700_000)))).toBe('session-expired');
    expect(verifier.size).toBe(0);
    for (const id of ['a', 'b', 'c']) {
      const t = await signSessionToken({ ...claims, sessionId: id }, T0, options);
      await verifier.verify(t.token, T0);
    }
    expect(verifier.size).toBe(2);
  });
});

import { createSigner } from 'fast-jwt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenChecker } from './auth.ts';
import { createDevToken } from './dev-token.ts';

const secret = 'unit-test-secret-0123456789abcdef';
const check = createTokenChecker({ jwtSecret: secret });
const bearer = (token: string) => `Bearer ${token}`;

describe('bearer token checks', () => {
  afterEach(() => vi.useRealTimers());

  it('accepts a valid token and names role and subject', () => {
    expect(check(bearer(createDevToken(secret, 'pos', 'till-3')))).toEqual({
      identity: { role: 'pos', subject: 'till-3' },
    });
    expect(check(bearer(createDevToken(secret, 'auditor')))).toEqual({
      identity: { role: 'auditor', subject: 'auditor' },
    });
  });

  it('leaves a request without a token unidentified, and refuses other schemes', () => {
    expect(check(undefined)).toBeUndefined();
    expect(check('Basic YWRtaW46YWRtaW4=')).toEqual({ failure: expect.stringContaining('Bearer') });
  });

  it.each([
    ['another secret', createDevToken('another-secret-0123456789abcdef', 'admin', 'x')],
    ['no expiry', createSigner({ key: secret })({ role: 'admin', sub: 'x' })],
    ['an unknown role', createSigner({ key: secret, expiresIn: 60_000 })({ role: 'root' })],
    ['HS512', createSigner({ key: secret, algorithm: 'HS512', expiresIn: 60_000 })({ role: 'admin' })],
    [
      'a student without an account id',
      createSigner({ key: secret, expiresIn: 60_000 })({ role: 'student' }),
    ],
  ])('refuses a token with %s', (_label, token) => {
    expect(check(bearer(token))).toEqual({ failure: expect.any(String) });
  });

  it('stops accepting a remembered token once it expires', () => {
    vi.useFakeTimers({ now: new Date('2025-03-10T04:00:00Z') });
    const token = createDevToken(secret, 'admin', 'ops', 60);
    expect(check(bearer(token))).toEqual({ identity: { role: 'admin', subject: 'ops' } });
    vi.setSystemTime(new Date('2025-03-10T04:00:59Z'));
    expect(check(bearer(token))).toEqual({ identity: { role: 'admin', subject: 'ops' } });
    vi.setSystemTime(new Date('2025-03-10T04:01:01Z'));
    expect(check(bearer(token))).toEqual({ failure: 'the token has expired' });
  });

  it('will not make a student token without its account', () => {
    expect(() => createDevToken(secret, 'student')).toThrow(/account id/);
  });
});

import { createVerifier } from 'fast-jwt';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { type Actor, entityIdSchema, LedgerRejection } from '../ledger-core/index.ts';

// Bearer JWTs (HS256) carry a role and a subject. Identification runs for every request (rate limiting
// keys on it); authorization is per route: a list of roles, and for a student only its own account.

export const roles = ['admin', 'pos', 'finance', 'auditor', 'student'] as const;
export type Role = (typeof roles)[number];

export type Identity = { role: Role; subject: string };

export type AuthOptions = { jwtSecret: string };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request carries a valid token. */
    identity: Identity | undefined;
    /** Why the token was refused, when it was (a missing token leaves both unset). */
    authFailure: string | undefined;
  }
}

const claimsSchema = z.object({
  role: z.enum(roles),
  sub: z.string().min(1).max(128).optional(),
  exp: z.number(),
});

/**
 * Verified tokens are remembered by their text until they expire, so a client's repeated token costs
 * a map lookup, not an HMAC and a hash of the token.
 */
const verifiedTokenCacheSize = 10_000;
const bearerPattern = /^Bearer ([A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*)$/;

export type TokenCheck = { identity: Identity } | { failure: string };

export const createTokenChecker = (options: AuthOptions) => {
  const verify = createVerifier({ key: options.jwtSecret, algorithms: ['HS256'], requiredClaims: ['exp'] });
  const verified = new LRUCache<string, { identity: Identity; expiresAtMs: number }>({
    max: verifiedTokenCacheSize,
  });

  const checkToken = (token: string): TokenCheck => {
    let payload: unknown;
    try {
      payload = verify(token);
    } catch (error) {
      const code = (error as { code?: string }).code;
      return { failure: code === 'FAST_JWT_EXPIRED' ? 'the token has expired' : 'the token does not verify' };
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) return { failure: 'the token lacks a valid role or subject' };
    const { role, sub, exp } = claims.data;
    // A student's subject is its account id: it must be one, or the own-account check means nothing.
    if (role === 'student' && !entityIdSchema.safeParse(sub).success) {
      return { failure: 'a student token needs its account id as subject' };
    }
    const identity = { role, subject: sub ?? role };
    verified.set(token, { identity, expiresAtMs: exp * 1_000 });
    return { identity };
  };

  return (authorization: string | undefined): TokenCheck | undefined => {
    if (authorization === undefined) return undefined;
    const token = bearerPattern.exec(authorization)?.[1];
    if (!token) return { failure: 'the Authorization header must be "Bearer <JWT>"' };
    const remembered = verified.get(token);
    if (remembered && Date.now() < remembered.expiresAtMs) return { identity: remembered.identity };
    return checkToken(token);
  };
};

export const actorOf = (identity: Identity): Actor => ({ type: identity.role, id: identity.subject });

/** The identity of an authorized request (routes behind `authorize` always have one). */
export const identityOf = (request: FastifyRequest): Identity => {
  if (!request.identity) throw new LedgerRejection('unauthorized');
  return request.identity;
};

export type RouteAccess = {
  roles: readonly Role[];
  /** The path parameter naming an account: a student may only reach its own. */
  ownAccountParam?: string;
};

export const authorize =
  (access: RouteAccess): onRequestHookHandler =>
  (request, _reply, done) => {
    const identity = request.identity;
    if (!identity) {
      done(new LedgerRejection('unauthorized', request.authFailure ?? 'a bearer token is required'));
      return;
    }
    if (!access.roles.includes(identity.role)) {
      const route = `${request.method} ${request.routeOptions.url}`;
      done(new LedgerRejection('forbidden', `role ${identity.role} may not ${route}`));
      return;
    }
    if (identity.role === 'student') {
      const accountId = access.ownAccountParam
        ? (request.params as Record<string, unknown>)[access.ownAccountParam]
        : undefined;
      if (accountId !== identity.subject) {
        done(new LedgerRejection('forbidden', 'a student may only reach its own account'));
        return;
      }
    }
    done();
  };

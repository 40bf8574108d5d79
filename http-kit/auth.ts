import { createVerifier } from 'fast-jwt';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
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

/** Verified tokens are cached by their text, so a client's repeated token costs a lookup, not an HMAC. */
const verifiedTokenCacheSize = 10_000;
const bearerPattern = /^Bearer ([A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*)$/;

export type TokenCheck = { identity: Identity } | { failure: string };

export const createTokenChecker = (options: AuthOptions) => {
  const verify = createVerifier({
    key: options.jwtSecret,
    algorithms: ['HS256'],
    requiredClaims: ['exp'],
    cache: verifiedTokenCacheSize,
  });
  return (authorization: string | undefined): TokenCheck | undefined => {
    if (authorization === undefined) return undefined;
    const token = bearerPattern.exec(authorization)?.[1];
    if (!token) return { failure: 'the Authorization header must be "Bearer <JWT>"' };
    let payload: unknown;
    try {
      payload = verify(token);
    } catch (error) {
      const code = (error as { code?: string }).code;
      return { failure: code === 'FAST_JWT_EXPIRED' ? 'the token has expired' : 'the token does not verify' };
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) return { failure: 'the token lacks a valid role or subject' };
    const { role, sub } = claims.data;
    // A student's subject is its account id: it must be one, or the own-account check means nothing.
    if (role === 'student' && !entityIdSchema.safeParse(sub).success) {
      return { failure: 'a student token needs its account id as subject' };
    }
    return { identity: { role, subject: sub ?? role } };
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
  (access: RouteAccess): onRequestAsyncHookHandler =>
  async (request) => {
    const identity = request.identity;
    if (!identity) {
      throw new LedgerRejection('unauthorized', request.authFailure ?? 'a bearer token is required');
    }
    if (!access.roles.includes(identity.role)) {
      throw new LedgerRejection(
        'forbidden',
        `role ${identity.role} may not ${request.method} ${request.routeOptions.url}`,
      );
    }
    if (identity.role === 'student') {
      const accountId = access.ownAccountParam
        ? (request.params as Record<string, unknown>)[access.ownAccountParam]
        : undefined;
      if (accountId !== identity.subject) {
        throw new LedgerRejection('forbidden', 'a student may only reach its own account');
      }
    }
  };

import { createSigner } from 'fast-jwt';
import type { Role } from './auth.ts';

// Development and test tokens, signed with the same HS256 secret the APIs verify with. Production
// tokens come from the campus identity provider; this helper exists for README examples, tests and
// benchmarks.

export const defaultDevTokenTtlSeconds = 3_600;

export const createDevToken = (
  secret: string,
  role: Role,
  sub?: string,
  ttlSeconds: number = defaultDevTokenTtlSeconds,
): string => {
  if (role === 'student' && sub === undefined) throw new Error('a student token needs its account id as sub');
  const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: ttlSeconds * 1_000 });
  return sign(sub === undefined ? { role } : { role, sub });
};

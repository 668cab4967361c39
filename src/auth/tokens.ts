import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API tokens are `rdb_<selector>_<secret>`: the selector finds the row by index, the secret is kept
 * only as a sha256 hash and compared in constant time, so neither the database nor timing gives it away.
 */
const TOKEN_RE = /^rdb_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewToken {
  token: string;
  selector: string;
  secretHash: string;
}

export function generateToken(): NewToken {
  const selector = randomBytes(12).toString('base64url').replace(/[-_]/g, '').padEnd(16, '0').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  return { token: `rdb_${selector}_${secret}`, selector, secretHash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Splits a presented token, or null when it is not one of ours (then OIDC may try it). */
export function parseToken(token: string): { selector: string; secret: string } | null {
  const m = TOKEN_RE.exec(token);
  return m ? { selector: m[1], secret: m[2] } : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

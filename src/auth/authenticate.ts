import type { FastifyRequest } from 'fastify';
import { HttpError } from '../http/errors.ts';
import type { Store } from '../store/connection.ts';
import type { AuthMethod, AuthSettings, Authenticator, Identity } from './identity.ts';
import { createOidcVerifier } from './oidc.ts';
import { createProxyAuth } from './proxy.ts';
import { findApiToken } from './tokenStore.ts';
import { parseToken } from './tokens.ts';

/**
 * Tries the configured methods in order — API token, OIDC access token (JWT), trusted proxy header —
 * and the first success wins, as WaiverDB's AUTH_METHODS. When all fail, the 401 lists each method's
 * reason, in WaiverDB's wording; reasons never echo the credentials.
 */
export function createAuthenticator(store: Store, settings: AuthSettings): Authenticator {
  const oidc = settings.oidc ? createOidcVerifier(settings.oidc) : null;
  const proxy = settings.proxyAuth ? createProxyAuth(settings.proxyAuth) : null;
  const methods: AuthMethod[] = ['token', ...(oidc ? (['OIDC'] as const) : []), ...(proxy ? (['proxy'] as const) : [])];

  const tryToken = async (bearer: string | null): Promise<Identity | string> => {
    if (!bearer) return 'No bearer token';
    if (!parseToken(bearer)) return 'Invalid token';
    const found = await findApiToken(store, bearer);
    return found.ok ? { user: found.token.user, groups: found.token.groups, method: 'token' } : found.reason;
  };
  const tryOidc = async (bearer: string | null): Promise<Identity | string> => {
    if (!bearer) return 'No bearer token';
    if (parseToken(bearer)) return 'Not a JWT';
    try {
      return await oidc!(bearer);
    } catch (e) {
      return (e as Error).message || 'Invalid token';
    }
  };

  return {
    methods,
    async authenticate(req: FastifyRequest): Promise<Identity> {
      const bearer = bearerToken(req);
      const failures: string[] = [];
      for (const method of methods) {
        const r = method === 'token' ? await tryToken(bearer) : method === 'OIDC' ? await tryOidc(bearer) : proxy!(req);
        if (typeof r !== 'string') return r;
        failures.push(`- Authentication method ${method} failed: 401 Unauthorized: ${r}`);
      }
      throw new HttpError(401, `Authentication failed:\n${failures.join('\n')}`, { 'www-authenticate': 'Bearer' });
    },
  };
}

function bearerToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1] : null;
}

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A local OIDC issuer: an RS256 key pair, its JWKS and discovery document served on 127.0.0.1. */
export interface TestIssuer {
  /** `http://127.0.0.1:<port>`: the `iss` of every token it signs by default. */
  issuer: string;
  jwksUri: string;
  /** Paths requested from the issuer so far, in order (to prove discovery and caching). */
  requests: string[];
  /** Signs a JWT with the issuer's key (or, with `foreignKey`, with a key the JWKS does not hold). */
  sign(claims?: Record<string, unknown>, opts?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

export interface SignOptions {
  /** `iss`; default the issuer's own URL. */
  issuer?: string;
  /** `aud`; default none. */
  audience?: string | string[];
  /** Seconds from now until `exp` (negative = already expired; null = no exp); default 300. */
  expiresIn?: number | null;
  /** Seconds from now until `nbf`; default none. */
  notBefore?: number;
  /** Sign with another RSA key, under the same `kid`: a forged token. */
  foreignKey?: boolean;
  kid?: string;
}

export const KID = 'test-key-1';

interface KeyPair { privateKey: CryptoKey; publicKey: CryptoKey }
let keys: Promise<{ own: KeyPair; foreign: KeyPair }> | undefined;

/** RSA key generation takes a while; every issuer of a test process shares the two pairs. */
function keyPairs() {
  keys ??= Promise.all([generateKeyPair('RS256', { extractable: true }), generateKeyPair('RS256')]).then(([own, foreign]) => ({
    own,
    foreign,
  }));
  return keys;
}

export async function startIssuer(): Promise<TestIssuer> {
  const { own, foreign } = await keyPairs();
  const jwk: JWK = { ...(await exportJWK(own.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer: base, jwks_uri: `${base}/jwks`, id_token_signing_alg_values_supported: ['RS256'] }
        : req.url === '/jwks'
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    issuer: base,
    jwksUri: `${base}/jwks`,
    requests,
    async sign(claims = {}, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: opts.kid ?? KID })
        .setIssuer(opts.issuer ?? base)
        .setIssuedAt(now);
      if (opts.expiresIn !== null) jwt.setExpirationTime(now + (opts.expiresIn ?? 300));
      if (opts.audience !== undefined) jwt.setAudience(opts.audience);
      if (opts.notBefore !== undefined) jwt.setNotBefore(now + opts.notBefore);
      return jwt.sign(opts.foreignKey ? foreign.privateKey : own.privateKey);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

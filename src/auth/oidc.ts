/**
 * OIDC bearer tokens (resource-server mode): a JWT access token is accepted when its signature checks
 * out against the issuer's JWKS and its `iss`, `aud`, `exp` and `nbf` claims are right. The user name
 * and groups come from configurable claims (WaiverDB's OIDC_USERNAME_FIELD / OIDC_GROUPS_FIELD).
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Identity, OidcConfig } from './identity.ts';

/** Clock skew tolerated between us and the issuer for `exp`, `nbf` and `iat`, in seconds. */
const CLOCK_TOLERANCE_S = 30;
/** Bound on every fetch of the discovery document and of the JWKS, in milliseconds. */
const FETCH_TIMEOUT_MS = 5000;

const DEFAULT_USERNAME_CLAIM = 'preferred_username';
const DEFAULT_GROUPS_CLAIM = 'realm_access.roles';

export type OidcVerifier = (token: string) => Promise<Identity>;

/**
 * A verifier of OIDC JWTs for one issuer. It throws an Error whose message is a short reason
 * ('JWT expired', 'unexpected "iss" claim value', 'signature verification failed', ...), never
 * the token or its claims.
 */
export function createOidcVerifier(cfg: OidcConfig): OidcVerifier {
  const usernameClaim = cfg.username_claim ?? DEFAULT_USERNAME_CLAIM;
  const groupsClaim = cfg.groups_claim ?? DEFAULT_GROUPS_CLAIM;
  // jose's remote key set caches the keys and refetches (at most every 30 s) on an unknown `kid`.
  let keySet: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keys = () => {
    keySet ??= jwksUri(cfg).then(
      (uri) => createRemoteJWKSet(new URL(uri), { timeoutDuration: FETCH_TIMEOUT_MS }),
      (e) => {
        keySet = undefined; // a failed discovery is retried by the next request
        throw e;
      },
    );
    return keySet;
  };

  return async (token: string): Promise<Identity> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keys(), {
        issuer: cfg.issuer,
        ...(cfg.audience !== undefined ? { audience: cfg.audience } : {}),
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp'],
      }));
    } catch (e) {
      // A fresh Error: jose's claim errors carry the whole payload as their `cause`.
      throw new Error(reason(e));
    }
    const user = claimAt(payload, usernameClaim);
    if (typeof user !== 'string' || user === '') throw new Error(`token has no ${usernameClaim} claim`);
    return { user, groups: groupsOf(claimAt(payload, groupsClaim)), method: 'OIDC' };
  };
}

/** The configured JWKS URL, else the `jwks_uri` of the issuer's discovery document. */
async function jwksUri(cfg: OidcConfig): Promise<string> {
  if (cfg.jwks_uri) return cfg.jwks_uri;
  const url = `${cfg.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let doc: unknown;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    doc = await res.json();
  } catch (e) {
    throw new Error(`cannot read OIDC discovery document ${url}: ${(e as Error).message}`);
  }
  const uri = (doc as { jwks_uri?: unknown } | null)?.jwks_uri;
  if (typeof uri !== 'string' || !URL.canParse(uri)) throw new Error(`OIDC discovery document ${url} has no valid jwks_uri`);
  return uri;
}

/** A short, token-free reason for a failed verification. */
function reason(e: unknown): string {
  if (e instanceof errors.JWTExpired) return 'JWT expired';
  if (e instanceof errors.JWTClaimValidationFailed) return e.message; // e.g. unexpected "iss" claim value
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (e instanceof errors.JWKSNoMatchingKey) return 'signature verification failed: no matching key in the JWKS';
  if (e instanceof errors.JWKSTimeout) return 'timed out fetching the JWKS';
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return `malformed JWT: ${e.message}`;
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) return `unsupported JWT: ${e.message}`;
  if (e instanceof errors.JOSEError) return e.message;
  // Discovery and JWKS fetch failures (our own messages, or fetch's "fetch failed").
  return (e as Error)?.message ?? String(e);
}

/** The value at a dotted path (`realm_access.roles`), as flask-oidc / WaiverDB look groups up. */
function claimAt(payload: JWTPayload, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let v: unknown = payload;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** A string array of groups; null when the token says nothing usable about groups. */
function groupsOf(v: unknown): string[] | null {
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === 'string');
  return null;
}

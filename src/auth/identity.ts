import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';

/** Who is calling, as established by one of the authentication methods. */
export interface Identity {
  user: string;
  /** Groups the method vouches for (token groups, OIDC groups claim, proxy groups header); null when it says nothing. */
  groups: string[] | null;
  method: AuthMethod;
}

export type AuthMethod = 'token' | 'OIDC' | 'proxy';

/** Resolves the caller of a request, or throws HttpError(401) with WaiverDB's "Authentication failed:" message. */
export interface Authenticator {
  authenticate(req: FastifyRequest): Promise<Identity>;
  /** The configured methods, in the order they are tried (for /about). */
  readonly methods: AuthMethod[];
}

/** One entry of `permissions:` in the config file, WaiverDB 1.3's PERMISSIONS format. */
export const Permission = Type.Object(
  {
    name: Type.Optional(Type.String()),
    maintainers: Type.Optional(Type.Array(Type.String())),
    description: Type.Optional(Type.String()),
    testcases: Type.Array(Type.String(), { description: 'fnmatch globs (case-sensitive) of testcase names' }),
    testcases_ignore: Type.Optional(Type.Array(Type.String())),
    users: Type.Optional(Type.Array(Type.String())),
    groups: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
export type Permission = Static<typeof Permission>;

export const OidcConfig = Type.Object(
  {
    issuer: Type.String({ description: 'expected `iss`; also where the JWKS is discovered' }),
    audience: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: 'expected `aud`' })),
    jwks_uri: Type.Optional(Type.String({ description: 'default: jwks_uri of <issuer>/.well-known/openid-configuration' })),
    username_claim: Type.Optional(Type.String({ description: 'default preferred_username' })),
    groups_claim: Type.Optional(Type.String({ description: 'dotted path, default realm_access.roles' })),
  },
  { additionalProperties: false },
);
export type OidcConfig = Static<typeof OidcConfig>;

export const ProxyAuthConfig = Type.Object(
  {
    user_header: Type.String({ description: 'header a trusted front proxy sets to the user name, e.g. X-Remote-User' }),
    groups_header: Type.Optional(Type.String({ description: 'optional header with comma-separated groups' })),
    trusted_proxies: Type.Array(Type.String(), { minItems: 1, description: 'addresses or CIDR ranges the header is accepted from' }),
  },
  { additionalProperties: false },
);
export type ProxyAuthConfig = Static<typeof ProxyAuthConfig>;

/** Everything identity and permission checks need, from the config. */
export interface AuthSettings {
  superusers: string[];
  permissions: Permission[];
  oidc: OidcConfig | null;
  proxyAuth: ProxyAuthConfig | null;
  /** With true, POST /api/v2.0/results (and group/testcase upserts) need an allowed caller. */
  resultsRequireAuth: boolean;
}

export const NO_AUTH_SETTINGS: AuthSettings = {
  superusers: [],
  permissions: [],
  oidc: null,
  proxyAuth: null,
  resultsRequireAuth: false,
};

import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { Type, type Static } from 'typebox';
import YAML from 'yaml';
import { OidcConfig, Permission, ProxyAuthConfig, type AuthSettings } from '../auth/identity.ts';
import { DEFAULT_OUTCOME_CLASSES, SubjectTypeConfig } from '../gating/model.ts';
/** The embedded default store: a SQLite file, no set-up. */
export const DEFAULT_DATABASE = 'sqlite:data/resultsdb.sqlite';

/** Everything the YAML config file may set; an unknown key or a wrong type stops the start. */
export const ConfigFile = Type.Object(
  {
    host: Type.Optional(Type.String()),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    database: Type.Optional(Type.String({ description: 'postgres://…, sqlite:PATH or a file path' })),
    workers: Type.Optional(Type.Integer({ minimum: 1 })),
    migrate: Type.Optional(Type.Boolean({ description: 'apply pending migrations at start (default true)' })),
    additional_outcomes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }))),
    max_limit: Type.Optional(Type.Integer({ minimum: 1, description: 'largest page size (default 1000)' })),
    body_limit: Type.Optional(Type.Integer({ minimum: 1, description: 'largest request body in bytes (default 1 MiB)' })),
    log_level: Type.Optional(Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)))),
    db_pool_size: Type.Optional(Type.Integer({ minimum: 1, description: 'PostgreSQL connections per process (default 10)' })),
    db_pipelines: Type.Optional(
      Type.Integer({ minimum: 0, description: 'shared pipelined PostgreSQL connections per process for statements outside transactions (default 2, 0: none)' }),
    ),
    superusers: Type.Optional(Type.Array(Type.String(), { description: 'users who may waive on behalf of others' })),
    permissions: Type.Optional(Type.Array(Permission, { description: 'who may waive (and, with results.require_auth, submit) which testcases' })),
    oidc: Type.Optional(OidcConfig),
    proxy_auth: Type.Optional(ProxyAuthConfig),
    results: Type.Optional(
      Type.Object({ require_auth: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    ),
    policies: Type.Optional(Type.String({ description: 'directory of Greenwave policy files (default ./policies when it exists)' })),
    gating: Type.Optional(GatingConfigFile()),
  },
  { additionalProperties: false },
);
export type ConfigFile = Static<typeof ConfigFile>;

function GatingConfigFile() {
  const Templates = Type.Union([Type.String(), Type.Array(Type.String())]);
  return Type.Object(
    {
      koji_url: Type.Optional(Type.String({ description: "Koji hub's XML-RPC URL (valid_since/valid_until, RemoteRule sources)" })),
      remote_rule_policies: Type.Optional(Type.Record(Type.String(), Templates, { description: 'gating.yaml URL templates per subject type, "*" for any' })),
      dist_git_url_template: Type.Optional(Type.String({ description: 'last fallback gating.yaml URL template' })),
      outcomes_passed: Type.Optional(Type.Array(Type.String())),
      outcomes_error: Type.Optional(Type.Array(Type.String())),
      outcomes_incomplete: Type.Optional(Type.Array(Type.String())),
      subject_types: Type.Optional(Type.Array(SubjectTypeConfig, { description: 'more subject types (same id replaces a built-in one)' })),
      koji_timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'seconds (default 15)' })),
      remote_rule_timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'seconds (default 30)' })),
      decision_cache_mb: Type.Optional(Type.Number({ minimum: 0, description: 'MiB of repeated decision answers kept per process (default 64, 0 = none)' })),
    },
    { additionalProperties: false },
  );
}

/** Greenwave's settings, as resolved from the config file. */
export interface GatingConfig {
  kojiUrl: string | null;
  remoteRulePolicies: Record<string, string | string[]>;
  distGitUrlTemplate: string | null;
  outcomes: { passed: string[]; error: string[]; incomplete: string[] };
  subjectTypes: SubjectTypeConfig[];
  kojiTimeoutMs: number;
  remoteRuleTimeoutMs: number;
  /** Bound of the answers kept for repeated plain decisions (gating/decisionCache.ts); 0 = no cache. */
  decisionCacheBytes: number;
}

/** Greenwave's DIST_GIT_URL_TEMPLATE default. */
export const DEFAULT_DIST_GIT_URL_TEMPLATE = 'https://src.fedoraproject.org/{pkg_namespace}{pkg_name}/raw/{rev}/f/gating.yaml';

function gatingConfig(g: NonNullable<ConfigFile['gating']> = {}): GatingConfig {
  return {
    kojiUrl: g.koji_url ?? null,
    remoteRulePolicies: g.remote_rule_policies ?? {},
    distGitUrlTemplate: g.dist_git_url_template ?? DEFAULT_DIST_GIT_URL_TEMPLATE,
    outcomes: {
      passed: g.outcomes_passed ?? DEFAULT_OUTCOME_CLASSES.passed,
      error: g.outcomes_error ?? DEFAULT_OUTCOME_CLASSES.error,
      incomplete: g.outcomes_incomplete ?? DEFAULT_OUTCOME_CLASSES.incomplete,
    },
    subjectTypes: g.subject_types ?? [],
    kojiTimeoutMs: (g.koji_timeout ?? 15) * 1000,
    remoteRuleTimeoutMs: (g.remote_rule_timeout ?? 30) * 1000,
    decisionCacheBytes: Math.floor((g.decision_cache_mb ?? 64) * 1024 * 1024),
  };
}

export interface Config {
  host: string;
  port: number;
  database: string;
  workers: number;
  migrate: boolean;
  additionalOutcomes: string[];
  maxLimit: number;
  bodyLimit: number;
  logLevel: string;
  dbPoolSize: number;
  dbPipelines: number;
  auth: AuthSettings;
  /** Directory of policy files; null = none (no policies loaded). */
  policiesDir: string | null;
  gating: GatingConfig;
}

export const DEFAULTS: Config = {
  host: '127.0.0.1',
  port: 5001,
  database: DEFAULT_DATABASE,
  workers: 1,
  migrate: true,
  additionalOutcomes: [],
  maxLimit: 1000,
  bodyLimit: 1024 * 1024,
  logLevel: 'info',
  dbPoolSize: 10,
  dbPipelines: 2,
  auth: { superusers: [], permissions: [], oidc: null, proxyAuth: null, resultsRequireAuth: false },
  policiesDir: null,
  gating: gatingConfig(),
};

export class ConfigError extends Error {}

const validate = new Ajv({ allErrors: true, strict: false }).compile(ConfigFile);

export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text) ?? {};
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!validate(doc)) {
    // A misspelt key is the likeliest mistake, and the missing key it causes would hide it.
    const err = validate.errors!.find((e) => e.keyword === 'additionalProperties') ?? validate.errors![0];
    // A dotted path such as `oidc.isuer` or `permissions.0.testcases`.
    const keyPath = err.instancePath.split('/').filter(Boolean);
    if (err.keyword === 'additionalProperties') keyPath.push(String(err.params.additionalProperty));
    const key = keyPath.join('.') || '(top level)';
    const what = err.keyword === 'additionalProperties' ? 'unknown key' : `wrong value (${err.message})`;
    throw new ConfigError(`config file ${path}: ${what}: ${key}`);
  }
  return doc as ConfigFile;
}

/** Defaults, then the config file, then environment variables, then flags: the later wins. */
export function resolveConfig(flags: Partial<Config> & { config?: string }, env = process.env): Config {
  const path = flags.config ?? env.RESULTSDB_CONFIG;
  const file = path ? readConfigFile(path) : {};
  const fromFile: Partial<Config> = {
    host: file.host,
    port: file.port,
    database: file.database,
    workers: file.workers,
    migrate: file.migrate,
    additionalOutcomes: file.additional_outcomes,
    maxLimit: file.max_limit,
    bodyLimit: file.body_limit,
    logLevel: file.log_level,
    dbPoolSize: file.db_pool_size,
    dbPipelines: file.db_pipelines,
    auth: {
      superusers: file.superusers ?? [],
      permissions: file.permissions ?? [],
      oidc: file.oidc ?? null,
      proxyAuth: file.proxy_auth ?? null,
      resultsRequireAuth: file.results?.require_auth ?? false,
    },
    policiesDir: file.policies,
    gating: gatingConfig(file.gating),
  };
  // An empty variable counts as unset (an empty host would listen on every interface, an empty
  // database would be an in-memory one), and a port given as a flag makes the variable's irrelevant.
  const fromEnv: Partial<Config> = {
    host: env.RESULTSDB_HOST || undefined,
    port: env.RESULTSDB_PORT && flags.port === undefined ? portNumber(env.RESULTSDB_PORT, 'RESULTSDB_PORT') : undefined,
    database: env.RESULTSDB_DATABASE_URL || undefined,
  };
  return { ...DEFAULTS, ...defined(fromFile), ...defined(fromEnv), ...defined(flags) } as Config;
}

export function portNumber(v: string, name: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new ConfigError(`${name} must be a port number (0-65535), got '${v}'`);
  return n;
}

/** The settings given; an empty host or database is none given (so the next layer's, or the default, applies). */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(o).filter(([k, v]) => v !== undefined && !(v === '' && (k === 'host' || k === 'database'))),
  ) as Partial<T>;
}

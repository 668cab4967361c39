/** `resultsdb token create|list|revoke`: API tokens, managed straight in the database (no server needed). */
import { InvalidArgumentError, type Command } from 'commander';
import { resolveConfig } from '../config/config.ts';
import type { Store } from '../store/connection.ts';
import { collect, table } from './client.ts';

interface DbOptions {
  database?: string;
  config?: string;
}

interface CreateOptions extends DbOptions {
  user: string;
  group?: string[];
  expires?: number;
  description?: string;
}

const DATABASE_HELP = 'postgres://…, sqlite:PATH or a file path (env RESULTSDB_DATABASE_URL)';
const CONFIG_HELP = 'YAML config file (env RESULTSDB_CONFIG)';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };
/** The last second of year 9999, as everywhere else times are bounded. */
const MAX_TIME_MS = 253_402_300_799_000;

/** `30d`, `12h`, `90m`, `3600s`, `2w` → milliseconds; anything else is a usage error (exit 2). */
export function parseDuration(value: string): number {
  const m = /^(\d{1,12})([smhdw])$/.exec(value);
  const ms = m ? Number(m[1]) * UNIT_SECONDS[m[2]] * 1000 : NaN;
  if (!m || ms <= 0 || Date.now() + ms > MAX_TIME_MS) {
    throw new InvalidArgumentError('DURATION must be a positive number followed by s, m, h, d or w (e.g. 30d, 12h, 90m, 3600s, 2w)');
  }
  return ms;
}

function tokenId(value: string): number {
  const n = Number(value);
  if (!/^\d{1,15}$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('ID must be a token id (see `resultsdb token list`)');
  return n;
}

export function registerToken(program: Command): void {
  const token = program
    .command('token')
    .description('create, list and revoke API tokens (Authorization: Bearer <token>), directly in the database');

  token
    .command('create')
    .description('create a token for a user; the token is printed once, as the last line')
    .requiredOption('--user <name>', 'the user the token authenticates as')
    .option('--group <group>', 'a group the token vouches for (permissions: groups), repeatable', collect)
    .option('--expires <duration>', 'lifetime such as 30d, 12h, 90m, 3600s, 2w (default: never expires)', parseDuration)
    .option('--description <text>', 'what the token is for')
    .option('--database <url>', DATABASE_HELP)
    .option('--config <file>', CONFIG_HELP)
    .action((opts: CreateOptions) =>
      withStore(opts, async (store, { createApiToken }) => {
        const expiresAt = opts.expires === undefined ? null : (Date.now() + opts.expires) * 1000;
        const groups = opts.group ?? [];
        const { id, token: secret } = await createApiToken(store, {
          user: opts.user,
          groups,
          expiresAt,
          description: opts.description ?? null,
        });
        console.log(
          `token ${id} for user ${opts.user}, groups: ${groups.length ? groups.join(', ') : '(none)'}, ` +
            `expires: ${expiresAt === null ? 'never' : isoTime(expiresAt)} (shown only now; keep it secret):`,
        );
        console.log(secret);
      }),
    );

  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print a JSON array instead of a table')
    .option('--database <url>', DATABASE_HELP)
    .option('--config <file>', CONFIG_HELP)
    .action((opts: DbOptions & { json?: boolean }) =>
      withStore(opts, async (store, { listApiTokens }) => {
        // Only the fields below leave the database: the secret is never stored, its hash never shown.
        const tokens = (await listApiTokens(store)).map((t) => ({
          id: t.id,
          user: t.user,
          groups: t.groups,
          created: isoTime(t.createdAt),
          expires: t.expiresAt === null ? null : isoTime(t.expiresAt),
          revoked: t.revokedAt === null ? null : isoTime(t.revokedAt),
          description: t.description,
        }));
        if (opts.json) {
          console.log(JSON.stringify(tokens, null, 2));
          return;
        }
        if (!tokens.length) {
          console.log('no tokens');
          return;
        }
        const header = ['ID', 'USER', 'GROUPS', 'CREATED', 'EXPIRES', 'REVOKED', 'DESCRIPTION'];
        const rows = tokens.map((t) => [
          String(t.id), t.user, t.groups.join(',') || '-', t.created, t.expires ?? 'never', t.revoked ?? '-', t.description ?? '',
        ]);
        console.log(table([header, ...rows]));
      }),
    );

  token
    .command('revoke')
    .description('revoke a token by id; requests using it fail from then on')
    .argument('<id>', 'token id (see `resultsdb token list`)', tokenId)
    .option('--database <url>', DATABASE_HELP)
    .option('--config <file>', CONFIG_HELP)
    .action((id: number, opts: DbOptions) =>
      withStore(opts, async (store, { revokeApiToken }) => {
        if (!(await revokeApiToken(store, id))) throw new Error(`no token with id ${id}`);
        console.log(`token ${id} revoked`);
      }),
    );
}

/** Opens the database as `resultsdb migrate` does, applies pending migrations, runs `fn`, closes. */
async function withStore(
  opts: DbOptions,
  fn: (store: Store, tokens: typeof import('../auth/tokenStore.ts')) => Promise<void>,
): Promise<void> {
  const config = resolveConfig({ database: opts.database, config: opts.config });
  const [{ openStore }, { migrate }, tokens] = await Promise.all([
    import('../store/connection.ts'),
    import('../store/migrate.ts'),
    import('../auth/tokenStore.ts'),
  ]);
  const store = openStore(config.database, { poolSize: 1 });
  try {
    await migrate(store);
    await fn(store, tokens);
  } finally {
    await store.close();
  }
}

/** µs since the epoch → `2026-01-02T03:04:05Z`. */
function isoTime(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}


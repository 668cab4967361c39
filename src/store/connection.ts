import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql, type DatabaseConnection, type Driver, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { PLAN_EACH_TIME_MARK, postgresDialect, sqliteDialect, type StoreDialect } from './dialect.ts';
import { Pipelines, type PipelinedConnection } from './pipeline.ts';
import { objectRows } from './rows.ts';

export interface Store {
  db: Kysely<Database>;
  dialect: StoreDialect;
  /** The pool's connections (total, idle, clients waiting) and the shared pipelined ones, for /metrics. */
  poolStats(): PoolStats;
  /** A real round trip to the database; throws when it is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  /** Pipelined connections open or opening. */
  pipelined: number;
  /** Of those, connected (the others are still connecting: statements go to the pool meanwhile). */
  pipelinedReady: number;
  /** Queries sent on the pipelined connections and not answered yet. */
  pipelinedInFlight: number;
}

export type StoreLocation = { kind: 'postgres'; url: string } | { kind: 'sqlite'; path: string };

/** `postgres://…`, `postgresql://…`, `sqlite:PATH`, `sqlite://PATH` or a plain file path. */
export function parseDatabaseUrl(url: string): StoreLocation {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (url.startsWith('sqlite://')) return { kind: 'sqlite', path: url.slice('sqlite://'.length) || ':memory:' };
  if (url.startsWith('sqlite:')) return { kind: 'sqlite', path: url.slice('sqlite:'.length) || ':memory:' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new Error(`unsupported database URL scheme: ${url.split(':')[0]}`);
  return { kind: 'sqlite', path: url };
}

/** A database URL fit for a log line: a PostgreSQL password masked; anything else as given. */
export function describeDatabaseUrl(url: string): string {
  if (parseDatabaseUrl(url).kind !== 'postgres') return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres (unparsable URL)';
  }
}

// Results ids and times are bigint columns; their values stay far below 2^53, so plain numbers are exact.
pg.types.setTypeParser(20, (v) => Number(v));

/** PostgreSQL: `poolSize` connections of the pool (default 10), plus `pipelines` shared pipelined ones (default 2, 0: none). */
export function openStore(url: string, opts: { poolSize?: number; pipelines?: number } = {}): Store {
  const loc = parseDatabaseUrl(url);
  return loc.kind === 'postgres' ? openPostgres(loc.url, opts.poolSize ?? 10, opts.pipelines ?? 2) : openSqlite(loc.path);
}

function openPostgres(url: string, max: number, pipelined: number): Store {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const pipelines = pipelined > 0 ? new Pipelines(url, pipelined) : undefined;
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparedStatements(pool, pipelines) }) });
  return {
    db,
    dialect: postgresDialect,
    poolStats: () => {
      const shared = pipelines?.stats() ?? { open: 0, ready: 0, inFlight: 0 };
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, pipelined: shared.open, pipelinedReady: shared.ready, pipelinedInFlight: shared.inFlight };
    },
    ping: async () => void (await sql`SELECT 1 FROM result LIMIT 0`.execute(db)),
    close: () => db.destroy(),
  };
}

function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const conn = new SQLite(path);
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.pragma('busy_timeout = 10000');
  conn.pragma('foreign_keys = ON');
  let open = true;
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: conn }) });
  return {
    db,
    dialect: sqliteDialect,
    poolStats: () => ({ total: open ? 1 : 0, idle: open ? 1 : 0, waiting: 0, pipelined: 0, pipelinedReady: 0, pipelinedInFlight: 0 }),
    ping: async () => void (await sql`SELECT 1 FROM result LIMIT 0`.execute(db)),
    close: async () => {
      open = false;
      await db.destroy();
    },
  };
}

const MAX_NAMED_STATEMENTS = 2000;
/**
 * Statements that need a connection of their own, kept for what follows on the same Kysely connection:
 * a transaction (`begin`, or `start transaction` with settings), and session state (the migrator's
 * session advisory lock, which it releases after its transaction on the same connection).
 */
const OWN_CONNECTION = /^\s*(begin|start\s+transaction|set\s+(?!local\b)|listen|unlisten|declare|prepare|create\s+temp)\b|\bpg_advisory_(?!xact_)/i;

/**
 * Runs data statements as named prepared statements: PostgreSQL then parses and plans each SQL text
 * once per connection instead of on every request, which was most of its CPU on the hot reads.
 * Texts are stable because lists travel as one array parameter (see dialect.inList). The number
 * of names is bounded; statements past it run unnamed, as before.
 *
 * Statements outside a transaction go to a shared pipelined connection (store/pipeline.ts) when one
 * is free of slow queries; a transaction or session state (OWN_CONNECTION) has a pooled one of its own.
 */
function preparedStatements(pool: pg.Pool, pipelines: Pipelines | undefined): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    const known = names.get(text);
    if (known || names.size >= MAX_NAMED_STATEMENTS) return known;
    if (!/^\s*(select|insert|update|delete|with)\b/i.test(text) || text.includes(PLAN_EACH_TIME_MARK)) return undefined;
    const name = `rdb_${names.size}`;
    names.set(text, name);
    return name;
  };
  const ownTexts = new Map<string, boolean>();
  const needsOwn = (text: string): boolean => {
    let yes = ownTexts.get(text);
    if (yes === undefined) {
      yes = OWN_CONNECTION.test(text);
      if (ownTexts.size < MAX_NAMED_STATEMENTS) ownTexts.set(text, yes);
    }
    return yes;
  };
  return {
    // Kysely asks for a connection per statement, per transaction, or for a series (db.connection()): a
    // statement needing a connection of its own takes a pooled one, which the rest of the series keeps.
    connect: async () => {
      let own: pg.PoolClient | undefined;
      let shared: PipelinedConnection | undefined;
      const query = async (text: unknown, values?: readonly unknown[]) => {
        if (typeof text !== 'string') return (own ??= await pool.connect()).query(text as never);
        if (needsOwn(text)) shared = undefined;
        else if (!own && !shared) shared = pipelines?.pick();
        // Array rows, made objects by store/rows.ts: pg's own object rows slow down as statement shapes add up.
        const q = { name: nameOf(text), text, values: values as unknown[], rowMode: 'array' as const };
        return objectRows(shared ? await shared.query(q) : await (own ??= await pool.connect()).query(q));
      };
      return { query, release: () => own?.release() } as unknown as PostgresPoolClient;
    },
    end: async () => {
      await pipelines?.end();
      await pool.end();
    },
  };
}

/**
 * SQLite write transactions start with BEGIN IMMEDIATE: a deferred one that read first fails at once
 * with SQLITE_BUSY when another process (serve --workers) committed meanwhile, whereas an immediate one
 * waits for the write lock (busy_timeout) and then goes ahead.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

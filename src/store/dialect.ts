import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';

/** Everything that differs between SQLite and PostgreSQL, so no other module needs to know which one runs. */
export interface StoreDialect {
  name: 'sqlite' | 'postgres';
  /**
   * Case-sensitive SQL LIKE with `%`, `_` and backslash escapes acting as on PostgreSQL, the contract store.
   * SQLite's LIKE ignores case, so there the pattern is translated to GLOB.
   */
  like(column: Expression<string | null>, pattern: string): RawBuilder<SqlBool>;
  /** Column type of auto-incrementing result ids. */
  bigId: 'integer' | 'bigserial';
  /**
   * Text compared byte-wise: SQLite's default, PostgreSQL's "C" collation. Orderings then agree on both
   * stores, and PostgreSQL can answer `LIKE 'prefix%'` from a plain btree index.
   */
  text: RawBuilder<unknown>;
}

export const postgresDialect: StoreDialect = {
  name: 'postgres',
  like: (column, pattern) => sql<SqlBool>`${column} LIKE ${pattern}`,
  bigId: 'bigserial',
  text: sql`text collate "C"`,
};

export const sqliteDialect: StoreDialect = {
  name: 'sqlite',
  like: (column, pattern) => sql<SqlBool>`${column} GLOB ${likeToGlob(pattern)}`,
  bigId: 'integer',
  text: sql`text`,
};

/** Translates a PostgreSQL LIKE pattern (default escape `\`) to an equivalent case-sensitive GLOB. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) out += globLiteral(pattern[++i]);
    else if (c === '%') out += '*';
    else if (c === '_') out += '?';
    else out += globLiteral(c);
  }
  return out;
}

function globLiteral(c: string): string {
  return c === '*' || c === '?' || c === '[' ? `[${c}]` : c;
}

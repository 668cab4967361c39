import type { Selectable } from 'kysely';
import type { Store } from '../store/connection.ts';
import type { Database } from '../store/schema.ts';
import { nowMicros } from '../results/times.ts';
import { generateToken, parseToken, secretMatches } from './tokens.ts';

export interface TokenInfo {
  id: number;
  user: string;
  groups: string[];
  description: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface NewTokenParams {
  user: string;
  groups?: string[];
  /** µs since the epoch; null or absent = never expires. */
  expiresAt?: number | null;
  description?: string | null;
}

/** Stores a new token (only its hash) and returns the token itself, which is never retrievable again. */
export async function createApiToken(store: Store, p: NewTokenParams): Promise<{ id: number; token: string }> {
  const t = generateToken();
  const row = await store.db
    .insertInto('api_token')
    .values({
      selector: t.selector,
      secret_hash: t.secretHash,
      username: p.user,
      groups_json: JSON.stringify(p.groups ?? []),
      description: p.description ?? null,
      created_at: nowMicros(),
      expires_at: p.expiresAt ?? null,
      revoked_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: Number(row.id), token: t.token };
}

export async function listApiTokens(store: Store): Promise<TokenInfo[]> {
  const rows = await store.db.selectFrom('api_token').selectAll().orderBy('id').execute();
  return rows.map(toInfo);
}

/** Marks a token revoked; false when there is no such token. Revoking twice keeps the first time. */
export async function revokeApiToken(store: Store, id: number): Promise<boolean> {
  const row = await store.db.selectFrom('api_token').select(['id', 'revoked_at']).where('id', '=', id).executeTakeFirst();
  if (!row) return false;
  if (row.revoked_at === null) {
    await store.db.updateTable('api_token').set({ revoked_at: nowMicros() }).where('id', '=', id).execute();
  }
  return true;
}

export type TokenCheck = { ok: true; token: TokenInfo } | { ok: false; reason: string };

/** Checks a presented token: known, secret matching, not revoked, not expired. */
export async function findApiToken(store: Store, presented: string, now = nowMicros()): Promise<TokenCheck> {
  const parts = parseToken(presented);
  if (!parts) return { ok: false, reason: 'Invalid token' };
  const row = await store.db.selectFrom('api_token').selectAll().where('selector', '=', parts.selector).executeTakeFirst();
  // The same answer for an unknown selector and a wrong secret: nothing to learn from the difference.
  if (!row || !secretMatches(parts.secret, row.secret_hash)) return { ok: false, reason: 'Invalid token' };
  if (row.revoked_at !== null) return { ok: false, reason: 'Token revoked' };
  if (row.expires_at !== null && Number(row.expires_at) <= now) return { ok: false, reason: 'Token expired' };
  return { ok: true, token: toInfo(row) };
}

function toInfo(row: Selectable<Database['api_token']>): TokenInfo {
  return {
    id: Number(row.id),
    user: row.username,
    groups: JSON.parse(row.groups_json) as string[],
    description: row.description,
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

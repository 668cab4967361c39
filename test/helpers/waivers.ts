/** Shared set-up of the waiver suites: an app per store with proxy-header auth, and waiver helpers. */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthSettings, Permission } from '../../src/auth/identity.ts';
import { HOST, post, type Res } from './http.ts';
import { postgresAvailable, STORE_KINDS, testApp, type StoreKind, type TestApp } from './stores.ts';

export const W = '/api/v1.0/waivers/';
export const V1 = `${HOST}/api/v1.0`;
export const NOT_FOUND =
  'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.';

export const PERMISSIONS: Permission[] = [
  { name: 'dist', maintainers: ['qa@example.org'], testcases: ['dist.*'], testcases_ignore: ['dist.unwaivable'], users: ['alice'], groups: ['qa-team'] },
  { name: 'kernel', testcases: ['kernel.*'], users: ['kim'], groups: [] },
];

export function authSettings(over: Partial<AuthSettings> = {}): AuthSettings {
  return {
    superusers: ['bodhi'],
    permissions: [],
    oidc: null,
    // app.inject requests come from 127.0.0.1.
    proxyAuth: { user_header: 'X-Remote-User', groups_header: 'X-Remote-Groups', trusted_proxies: ['127.0.0.1'] },
    resultsRequireAuth: false,
    ...over,
  };
}

/** Headers of a request authenticated by the trusted proxy as `user` (with `groups`, when given). */
export function as(user: string, groups?: string[]): Record<string, string> {
  return { 'x-remote-user': user, ...(groups ? { 'x-remote-groups': groups.join(',') } : {}) };
}

/**
 * One describe per store; `ctx.app` is set when the store is available, and tests call `ctx.skip(t)`
 * first so PostgreSQL tests are skipped (loudly) when it is not.
 */
export function perStore(
  title: string,
  opts: { auth?: Partial<AuthSettings>; maxLimit?: number },
  body: (ctx: { app: TestApp; kind: StoreKind; skip: (t: { skip: (m: string) => void }) => boolean }) => void,
): void {
  for (const kind of STORE_KINDS) {
    describe(`${title} (${kind})`, () => {
      const ctx = {
        app: undefined as unknown as TestApp,
        kind,
        skip: (t: { skip: (m: string) => void }) => {
          if (ctx.app) return false;
          t.skip('PostgreSQL unavailable');
          return true;
        },
      };
      before(async () => {
        if (kind === 'postgres' && !(await postgresAvailable())) return;
        ctx.app = await testApp(kind, { auth: authSettings(opts.auth), ...(opts.maxLimit ? { maxLimit: opts.maxLimit } : {}) });
      });
      after(() => ctx.app?.dispose());
      body(ctx);
    });
  }
}

let seq = 0;
/** A subject identifier no other test uses, so tests on one store never see each other's waivers. */
export const uniq = (prefix = 'pkg') => `${prefix}-${++seq}.${process.hrtime.bigint() % 100000n}-1.fc40`;

/** A valid waiver body; `over` replaces or adds fields. */
export function body(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    subject_type: 'koji_build',
    subject_identifier: 'foo-1.0-1.fc40',
    testcase: 'dist.rpmlint',
    product_version: 'fedora-40',
    comment: 'known issue',
    ...over,
  };
}

/** POSTs waivers as `user` (default alice); must answer 201. */
export async function create(app: TestApp, payload: unknown, user = 'alice'): Promise<any> {
  const r = await post(app, W, payload, as(user));
  assert.equal(r.status, 201, r.text);
  return r.json;
}

export async function waiverCount(app: TestApp): Promise<number> {
  const row = await app.store.db.selectFrom('waiver').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** POSTs waivers that must be refused, proving no waiver row was written. */
export async function refused(app: TestApp, payload: unknown, headers: Record<string, string> = as('alice')): Promise<Res> {
  const before = await waiverCount(app);
  const r = await post(app, W, payload, headers);
  assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text}`);
  assert.equal(await waiverCount(app), before, `rows written by ${JSON.stringify(payload)}`);
  return r;
}

/** A waiver row written directly (past timestamps, expiries); returns its id. */
export async function insertRow(
  app: TestApp,
  row: Partial<{ subject_type: string; subject_identifier: string; testcase: string; scenario: string | null; product_version: string;
    waived: number; username: string; proxied_by: string | null; comment: string; timestamp: number; expires_at: number | null }>,
): Promise<number> {
  const r = await app.store.db
    .insertInto('waiver')
    .values({
      subject_type: 'koji_build',
      subject_identifier: 'foo-1.0-1.fc40',
      testcase: 'dist.rpmlint',
      scenario: null,
      product_version: 'fedora-40',
      waived: 1,
      username: 'alice',
      proxied_by: null,
      comment: 'c',
      timestamp: Date.UTC(2024, 0, 1) * 1000,
      expires_at: null,
      ...row,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

/** µs of an ISO time (UTC). */
export const us = (iso: string) => Date.parse(iso.endsWith('Z') ? iso : `${iso}Z`) * 1000;

export const ids = (r: Res | { data: { id: number }[] }) => ('json' in r ? r.json : r).data.map((w: { id: number }) => w.id);

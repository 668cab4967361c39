/** `resultsdb waive` (create a waiver) and `resultsdb waivers` (list them), over the WaiverDB v1.0 API. */
import type { Command } from 'commander';
import { parseIso8601 } from '../results/times.ts';
import { action, apiRoot, cell, print, RequestError, send, table, UsageError, URL_HELP, type ApiResponse } from './client.ts';
import { intOption } from './usage.ts';

interface WaiveOptions {
  subjectType: string;
  subjectIdentifier: string;
  testcase: string;
  scenario?: string;
  productVersion: string;
  comment: string;
  waived: boolean;
  username?: string;
  expiresAt?: string;
  url?: string;
  token?: string;
  json?: boolean;
}

interface WaiversOptions {
  subjectType?: string;
  subjectIdentifier?: string;
  testcase?: string;
  scenario?: string;
  productVersion?: string;
  username?: string;
  proxiedBy?: string;
  since?: string;
  includeObsolete?: boolean;
  limit?: number;
  page?: number;
  url?: string;
  json?: boolean;
}

export function registerWaive(program: Command): void {
  program
    .command('waive')
    .description('waive (or with --no-waived revoke) a testcase for a subject (POST /api/v1.0/waivers/)')
    .requiredOption('--subject-type <type>', 'e.g. koji_build, bodhi_update, compose')
    .requiredOption('--subject-identifier <id>', 'NVR, update id, compose id…')
    .requiredOption('--testcase <name>', 'testcase to waive')
    .option('--scenario <scenario>', 'only this scenario (default: all scenarios)')
    .requiredOption('--product-version <pv>', 'e.g. fedora-40, rhel-9')
    .requiredOption('--comment <text>', 'why')
    .option('--no-waived', 'revoke: record a negative waiver that replaces an earlier one')
    .option('--username <user>', 'waive on behalf of this user (superusers only)')
    .option('--expires-at <time>', 'ISO 8601 time after which the waiver waives nothing, e.g. 2030-01-31T12:00:00Z')
    .option('--url <url>', URL_HELP)
    .option('--token <token>', 'API token (default: $RESULTSDB_TOKEN)')
    .option('--json', 'print the server JSON body verbatim')
    .action(action(runWaive));

  program
    .command('waivers')
    .description('list current waivers, newest first (GET /api/v1.0/waivers/)')
    .option('--subject-type <type>', 'exact subject type')
    .option('--subject-identifier <id>', 'exact subject identifier')
    .option('--testcase <name>', 'exact testcase')
    .option('--scenario <scenario>', 'exact scenario')
    .option('--product-version <pv>', 'exact product version')
    .option('--username <user>', 'waivers for this user')
    .option('--proxied-by <user>', 'waivers submitted by this superuser')
    .option('--since <iso[,iso]>', 'created at or after ISO time, or within ISO,ISO (either side may be empty)')
    .option('--include-obsolete', 'also waivers replaced by newer ones, and expired ones')
    .option('--limit <n>', 'waivers per page (default 10)', intOption('--limit', 1))
    .option('--page <n>', 'page number, from 1', intOption('--page', 1))
    .option('--url <url>', URL_HELP)
    .option('--json', 'print the server JSON body verbatim')
    .action(action(runWaivers));
}

/** The WaiverDB API root of a `--url`; tolerates a trailing slash or an appended /api/v1.0 or /api/v2.0. */
export function waiverRoot(url: string | undefined): string {
  const base = url?.replace(/\/+$/, '').replace(/\/api\/v1\.0$/, '');
  return apiRoot(base).replace(/\/api\/v2\.0$/, '/api/v1.0');
}

async function runWaive(opts: WaiveOptions): Promise<void> {
  if (opts.expiresAt !== undefined && parseIso8601(opts.expiresAt) === null) {
    throw new UsageError(`--expires-at must be an ISO 8601 time (e.g. 2030-01-31T12:00:00Z), got '${opts.expiresAt}'`);
  }
  const root = waiverRoot(opts.url);
  const token = opts.token ?? (process.env.RESULTSDB_TOKEN || undefined);
  const body = {
    subject_type: opts.subjectType,
    subject_identifier: opts.subjectIdentifier,
    testcase: opts.testcase,
    ...(opts.scenario !== undefined ? { scenario: opts.scenario } : {}),
    product_version: opts.productVersion,
    comment: opts.comment,
    waived: opts.waived,
    ...(opts.username !== undefined ? { username: opts.username } : {}),
    ...(opts.expiresAt !== undefined ? { expires_at: opts.expiresAt } : {}),
  };
  const { text, json } = await call('POST', `${root}/waivers/`, body, token);
  print(opts.json ? text : describeWaiver(json));
}

async function runWaivers(opts: WaiversOptions): Promise<void> {
  const root = waiverRoot(opts.url);
  const params = new URLSearchParams();
  const set = (key: string, v: string | number | undefined) => v !== undefined && params.set(key, String(v));
  set('subject_type', opts.subjectType);
  set('subject_identifier', opts.subjectIdentifier);
  set('testcase', opts.testcase);
  set('scenario', opts.scenario);
  set('product_version', opts.productVersion);
  set('username', opts.username);
  set('proxied_by', opts.proxiedBy);
  set('since', opts.since);
  if (opts.includeObsolete) params.set('include_obsolete', '1');
  set('limit', opts.limit);
  set('page', opts.page);
  const query = params.toString().replace(/%3A/gi, ':').replace(/%2C/gi, ',');
  const url = `${root}/waivers/${query ? `?${query}` : ''}`;
  const { text, json } = await call('GET', url);
  if (opts.json) return print(text);
  if (!Array.isArray(json?.data)) throw new RequestError(`unexpected response from ${url}: no "data" list`);
  print(json.data.length ? formatWaivers(json.data) : 'no waivers');
  if (json.next) print(`next page: ${json.next}`);
}

/** One HTTP call with an optional bearer token; non-2xx and network failures become one-line RequestErrors. */
async function call(method: 'GET' | 'POST', url: string, body?: unknown, token?: string): Promise<ApiResponse> {
  const res = await send(method, url, body, token);
  if (!res.ok) throw new RequestError(`server returned ${res.status}: ${errorText(res.json, res.text)}`);
  return res;
}

/** The server's `message`, or its validation errors as `field: msg`, on one line. */
function errorText(json: any, text: string): string {
  if (typeof json?.message === 'string') return json.message.replace(/\s*\n\s*/g, ' ');
  if (json?.message !== undefined) return JSON.stringify(json.message);
  if (Array.isArray(json?.validation_error)) {
    // The list member of the union only repeats that the body is not a list.
    const errs = json.validation_error.filter((e: any) => !(e.loc?.[0] === 'list[CreateWaiver]' && e.loc.length === 1));
    return errs.map((e: any) => `${(e.loc ?? []).filter((l: unknown) => l !== 'CreateWaiver').join('.') || 'body'}: ${e.msg}`).join('; ');
  }
  return text.trim() || '(empty body)';
}

function describeWaiver(w: any): string {
  const lines: [string, unknown][] = [
    ['id', w.id],
    ['subject', `${w.subject_type} ${w.subject_identifier}`],
    ['testcase', w.testcase],
    ['scenario', w.scenario ?? '(all)'],
    ['product version', w.product_version],
    ['waived', w.waived ? 'yes' : 'no (revoked)'],
    ['username', w.username],
    ...(w.proxied_by ? [['proxied by', w.proxied_by] as [string, unknown]] : []),
    ['comment', w.comment],
    ['timestamp', w.timestamp],
    ...(w.expires_at ? [['expires at', w.expires_at] as [string, unknown]] : []),
  ];
  return lines.map(([k, v]) => `${`${k}:`.padEnd(17)}${cell(v)}`).join('\n');
}

/** Left-aligned columns two spaces apart, no trailing blanks. */
export function formatWaivers(waivers: any[]): string {
  return table([
    ['ID', 'TIMESTAMP', 'WAIVED', 'SUBJECT TYPE', 'SUBJECT IDENTIFIER', 'TESTCASE', 'SCENARIO', 'PRODUCT VERSION', 'USERNAME', 'EXPIRES'],
    ...waivers.map((w) =>
      [w.id, w.timestamp, w.waived ? 'yes' : 'no', w.subject_type, w.subject_identifier, w.testcase, w.scenario ?? '', w.product_version, w.username, w.expires_at ?? ''],
    ),
  ]);
}

/** `resultsdb query`: list results (`GET /api/v2.0/results` or `/results/latest`) as a table or raw JSON. */
import type { Command } from 'commander';
import { action, apiRoot, collect, request, splitKeyValue, splitList, RequestError, table, UsageError, URL_HELP } from './client.ts';

interface QueryOptions {
  latest?: boolean;
  testcases?: string;
  testcasesLike?: string;
  outcome?: string;
  groups?: string;
  since?: string;
  item?: string;
  type?: string;
  data?: string[];
  distinctOn?: string;
  limit?: string;
  page?: string;
  sort?: string;
  url?: string;
  json?: boolean;
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('list results, newest first (GET /api/v2.0/results, or /results/latest with --latest)')
    .option('--latest', 'only the newest result of each testcase (see --distinct-on)')
    .option('--testcases <names>', 'comma-separated testcase names')
    .option('--testcases-like <patterns>', "comma-separated testcase name patterns, '*' matches anything")
    .option('--outcome <outcomes>', 'comma-separated outcomes, e.g. PASSED,FAILED')
    .option('--groups <uuids>', 'comma-separated group UUIDs')
    .option('--since <iso[,iso]>', 'submitted at or after ISO time, or within ISO,ISO')
    .option('--item <item>', 'same as --data item=ITEM')
    .option('--type <type>', 'same as --data type=TYPE')
    .option('--data <key=value>', "data filter, repeatable; 'key:like=val*' matches a pattern; values of a repeated key are OR-ed", collect)
    .option('--distinct-on <keys>', 'with --latest: comma-separated data keys that also tell results apart')
    .option('--limit <n>', 'results per page')
    .option('--page <n>', 'page number, from 0')
    .option('--sort <order>', 'asc or desc (by submit time)')
    .option('--url <url>', URL_HELP)
    .option('--json', 'print the server JSON body verbatim')
    .action(action(runQuery));
}

async function runQuery(opts: QueryOptions): Promise<void> {
  const root = apiRoot(opts.url);
  const url = `${root}/results${opts.latest ? '/latest' : ''}?${queryString(buildParams(opts))}`.replace(/\?$/, '');
  const { text, json } = await request('GET', url);
  if (opts.json) {
    process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    return;
  }
  if (!Array.isArray(json?.data)) throw new RequestError(`unexpected response from ${url}: no "data" list`);
  process.stdout.write(json.data.length ? formatTable(json.data) + '\n' : 'no results\n');
  if (json.next) process.stdout.write(`next page: ${json.next}\n`);
}

/** Maps the flags to ResultsDB query parameters, validating them first. */
export function buildParams(opts: QueryOptions): URLSearchParams {
  if (opts.distinctOn !== undefined && !opts.latest) throw new UsageError('--distinct-on only applies with --latest');
  if (opts.sort !== undefined && !['asc', 'desc'].includes(opts.sort)) throw new UsageError(`--sort must be asc or desc, got '${opts.sort}'`);
  const params = new URLSearchParams();
  const list = (key: string, value: string | undefined) => {
    if (value !== undefined) params.set(key, splitList(value).join(','));
  };
  list('testcases', opts.testcases);
  list('testcases:like', opts.testcasesLike);
  list('outcome', opts.outcome);
  list('groups', opts.groups);
  if (opts.since !== undefined) params.set('since', opts.since);
  list('_distinct_on', opts.distinctOn);
  if (opts.limit !== undefined) params.set('limit', String(integer('--limit', opts.limit, 1)));
  if (opts.page !== undefined) params.set('page', String(integer('--page', opts.page, 0)));
  if (opts.sort !== undefined) params.set('_sort', `${opts.sort}:submit_time`);
  // Data filters last; ResultsDB reads `k=a,b` as "a or b", so repeated keys are joined.
  const pairs: [string, string][] = [['item', opts.item], ['type', opts.type]].filter((p): p is [string, string] => p[1] !== undefined);
  pairs.push(...(opts.data ?? []).map((kv) => splitKeyValue(kv)));
  const data = new Map<string, string[]>();
  for (const [k, v] of pairs) data.set(k, [...(data.get(k) ?? []), v]);
  for (const [k, vs] of data) params.set(k, vs.join(','));
  return params;
}

/** URLSearchParams encoding, except `:` stays literal (`testcases:like`, `_sort=asc:submit_time`); `*` already does. */
export function queryString(params: URLSearchParams): string {
  return params.toString().replace(/%3A/gi, ':');
}

function integer(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got '${value}'`);
  return n;
}

/** Left-aligned columns two spaces apart, no trailing blanks. */
export function formatTable(results: any[]): string {
  return table([
    ['ID', 'SUBMIT TIME', 'OUTCOME', 'TESTCASE', 'ITEM'],
    ...results.map((r) => [r.id, r.submit_time, r.outcome, r.testcase?.name, [r.data?.item ?? []].flat().join(',')]),
  ]);
}

/** `resultsdb submit`: create one result from flags, or one result per test case of a JUnit XML file. */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import {
  action, apiRoot, collect, createdResult, print, request, splitKeyValue, RequestError, UsageError, URL_HELP, type ResultBody,
} from './client.ts';
import { junitToResults, JUNIT_HELP } from './junit.ts';

interface SubmitOptions {
  testcase?: string;
  outcome?: string;
  junit?: string;
  testcasePrefix?: string;
  item?: string;
  type?: string;
  note?: string;
  refUrl?: string;
  data?: string[];
  group?: string[];
  submitTime?: string;
  url?: string;
  json?: boolean;
}

/** Results of one JUnit file are posted with at most this many requests in flight. */
const CONCURRENCY = 4;

export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .description('create a result from flags (--testcase, --outcome), or one result per test case of a JUnit XML file (--junit)')
    .option('--testcase <name>', 'testcase name (required without --junit)')
    .option('--outcome <outcome>', 'PASSED, FAILED, INFO, NEEDS_INSPECTION, ... (required without --junit)')
    .option('--junit <file>', 'submit every <testcase> of this JUnit XML report (requires --item)')
    .option('--item <item>', 'data key "item": the artifact that was tested')
    .option('--type <type>', 'data key "type": the kind of item, e.g. koji_build')
    .option('--note <note>', 'free-text note (with --junit: only for results without a failure/error/skip message)')
    .option('--ref-url <url>', 'link to the logs or details of the result')
    .option('--data <key=value>', 'extra data, repeatable; a key given twice becomes a list', collect)
    .option('--group <uuid>', 'also put the result(s) into this group, repeatable', collect)
    .option('--submit-time <iso>', 'submit time instead of now: ISO 8601 (without offset = UTC) or epoch milliseconds')
    .option('--testcase-prefix <prefix>', 'with --junit: prepended to every testcase name')
    .option('--url <url>', URL_HELP)
    .option('--json', 'print the created result(s) as JSON instead of a summary')
    .addHelpText('after', JUNIT_HELP)
    .action(action(async (opts: SubmitOptions) => (opts.junit === undefined ? submitOne(opts) : submitJunit(opts, opts.junit))));
}

async function submitOne(opts: SubmitOptions): Promise<void> {
  if (opts.testcasePrefix !== undefined) throw new UsageError('--testcase-prefix only applies with --junit');
  if (!opts.testcase) throw new UsageError('--testcase is required (or use --junit FILE)');
  if (!opts.outcome) throw new UsageError('--outcome is required (or use --junit FILE)');
  const root = apiRoot(opts.url);
  const itemType = [['item', opts.item], ['type', opts.type]].filter((p): p is [string, string] => p[1] !== undefined);
  const body: ResultBody = {
    testcase: { name: opts.testcase },
    outcome: opts.outcome,
    ...(opts.note !== undefined ? { note: opts.note } : {}),
    ...shared(opts),
    data: toData([...itemType, ...dataPairs(opts)]),
  };
  const res = await request('POST', `${root}/results`, body);
  const created = createdResult(res, `${root}/results`);
  print(opts.json ? res.text : `${created.id} ${created.href}`);
}

async function submitJunit(opts: SubmitOptions, file: string): Promise<void> {
  if (opts.testcase !== undefined || opts.outcome !== undefined) {
    throw new UsageError('--testcase and --outcome cannot be combined with --junit (they come from the file)');
  }
  if (!opts.item) throw new UsageError('--junit requires --item');
  const root = apiRoot(opts.url);
  const extra = dataPairs(opts); // validate flags before reading the file
  const mapped = junitToResultsOf(await readXml(file), file, opts, opts.item);
  // One fresh group per file, sent inline with every result: the server upserts it.
  const group = { uuid: randomUUID(), description: `JUnit ${basename(file)}` };
  const bodies = mapped.map((r): ResultBody => ({
    ...r,
    ...shared(opts),
    groups: [group, ...(opts.group ?? [])],
    // junitToResults only produces single string values; --data may add keys or list entries
    data: toData([...Object.entries(r.data as Record<string, string>), ...extra]),
  }));
  const created = await postAll(`${root}/results`, bodies, group.uuid);
  print(opts.json
    ? JSON.stringify({ group, count: created.length, results: created }, null, 2)
    : `${created.length} results in group ${group.uuid}`);
}

async function readXml(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** junitToResults with the file name in front of its (usage) errors. */
function junitToResultsOf(xml: string, file: string, opts: SubmitOptions, item: string): ResultBody[] {
  try {
    return junitToResults(xml, { item, type: opts.type, prefix: opts.testcasePrefix, note: opts.note });
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
}

/** Fields that flags set identically in both modes. */
function shared(opts: SubmitOptions): Partial<ResultBody> {
  return {
    ...(opts.refUrl !== undefined ? { ref_url: opts.refUrl } : {}),
    ...(opts.group?.length ? { groups: opts.group } : {}),
    ...(opts.submitTime !== undefined ? { submit_time: submitTime(opts.submitTime) } : {}),
  };
}

/**
 * The API takes only `YYYY-MM-DDTHH:MM:SS.ffffff` (naive, meaning UTC) or epoch milliseconds,
 * so other ISO 8601 forms are normalized here: naive ones get their fraction padded (keeping
 * microseconds), ones with `Z` or an offset become milliseconds.
 */
export function submitTime(value: string): string | number {
  if (/^\d+$/.test(value)) return Number(value);
  const naive = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?)?$/.exec(value);
  if (naive) return `${naive[1]}T${naive[2] ?? '00:00:00'}.${(naive[3] ?? '').padEnd(6, '0')}`;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--submit-time must be ISO 8601 (e.g. 2024-05-02T10:11:12Z) or epoch milliseconds, got '${value}'`);
  return ms;
}

function dataPairs(opts: SubmitOptions): [string, string][] {
  return (opts.data ?? []).map((kv) => splitKeyValue(kv));
}

/** Builds the data object; a key seen more than once becomes a list of its values in order. */
function toData(pairs: [string, string][]): Record<string, string | string[]> {
  const map = new Map<string, string[]>();
  for (const [k, v] of pairs) map.set(k, [...(map.get(k) ?? []), v]);
  // fromEntries defines own properties, so a key like `__proto__` stays plain data.
  return Object.fromEntries([...map].map(([k, vs]) => [k, vs.length === 1 ? vs[0] : vs]));
}

/** Posts in file order with a few requests in flight; stops starting new ones after the first failure. */
async function postAll(url: string, bodies: ResultBody[], uuid: string): Promise<unknown[]> {
  const created: unknown[] = new Array(bodies.length);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < bodies.length) {
      const i = next++;
      try {
        created[i] = createdResult(await request('POST', url, bodies[i]), url);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, bodies.length) }, worker));
  if (failure !== undefined) {
    const stored = created.filter((c) => c !== undefined).length;
    // Say what already landed on the server, since a retry creates duplicates.
    throw new RequestError(`${(failure as Error).message} (${stored} of ${bodies.length} results were stored, in group ${uuid})`);
  }
  return created;
}


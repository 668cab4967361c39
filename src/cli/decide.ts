/** `resultsdb decide`: may these subjects pass this gate? (Greenwave's `POST /api/v1.0/decision`) */
import type { Command } from 'commander';
import { parseIso8601 } from '../results/times.ts';
import { action, cell, collect, print, RequestError, send, table, UsageError, URL_HELP, type ApiResponse } from './client.ts';
import { formatWaivers, waiverRoot } from './waive.ts';

interface DecideOptions {
  subjectType: string;
  subject: string[];
  context: string[];
  productVersion: string;
  when?: string;
  verbose?: boolean;
  json?: boolean;
  url?: string;
}

/** Exit status when the decision is "not satisfied": distinct from 1 (error) and 2 (usage) so scripts can gate on it. */
export const EXIT_NOT_SATISFIED = 3;

const EXIT_HELP = `
Exit status:
  0  policies satisfied
  3  policies not satisfied
  1  server or connection error (the server's message is printed)
  2  bad arguments`;

export function registerDecide(program: Command): void {
  program
    .command('decide')
    .description('ask whether subjects pass a gate (Greenwave decision, POST /api/v1.0/decision)')
    .option('--subject-type <type>', 'subject type of every --subject', 'koji_build')
    .requiredOption('--subject <id>', 'subject identifier (NVR, update id, compose id…), repeatable', collect)
    .requiredOption('--context <ctx>', 'decision context (gating point), repeatable', collect)
    .requiredOption('--product-version <pv>', 'e.g. fedora-40, rhel-9')
    .option('--when <time>', 'decide as of this ISO 8601 time, e.g. 2024-05-01T12:00:00Z')
    .option('--verbose', 'also list the waivers the server considered')
    .option('--url <url>', URL_HELP)
    .option('--json', 'print the server decision JSON (pretty-printed) and nothing else')
    .addHelpText('after', EXIT_HELP)
    .action(action(runDecide));
}

async function runDecide(opts: DecideOptions): Promise<void> {
  const body = decisionBody(opts);
  const v1 = waiverRoot(opts.url);
  const { json } = await post(`${v1}/decision`, body);
  if (typeof json?.policies_satisfied !== 'boolean') throw new RequestError(`unexpected response from ${v1}/decision: no "policies_satisfied"`);
  if (opts.json) print(JSON.stringify(json, null, 2));
  else print(formatDecision(json, { resultsRoot: v1.replace(/\/api\/v1\.0$/, '/api/v2.0'), waivers: !!opts.verbose, subjectColumn: opts.subject.length > 1 }));
  if (!json.policies_satisfied) process.exitCode = EXIT_NOT_SATISFIED;
}

/** The Greenwave request body; validates what the server would otherwise reject less clearly. */
export function decisionBody(opts: DecideOptions): Record<string, unknown> {
  for (const [flag, values] of [['--subject', opts.subject], ['--context', opts.context], ['--product-version', [opts.productVersion]], ['--subject-type', [opts.subjectType]]] as const) {
    if (values.some((v) => !v.trim())) throw new UsageError(`${flag} must not be empty`);
  }
  if (opts.when !== undefined && parseIso8601(opts.when) === null) {
    throw new UsageError(`--when must be an ISO 8601 time (e.g. 2024-05-01T12:00:00Z), got '${opts.when}'`);
  }
  const [single, ...more] = opts.subject;
  return {
    // One subject uses the classic fields; several need Greenwave's multi-subject list.
    ...(more.length
      ? { subject: opts.subject.map((item) => ({ type: opts.subjectType, item })) }
      : { subject_type: opts.subjectType, subject_identifier: single }),
    decision_context: opts.context.length === 1 ? opts.context[0] : opts.context,
    product_version: opts.productVersion,
    ...(opts.when !== undefined ? { when: opts.when } : {}),
    // The table always asks for verbose so OUTCOME shows each result's real outcome (say NEEDS_INSPECTION
    // rather than the FAILED its type implies); --json sends exactly what the user asked for.
    verbose: opts.json ? !!opts.verbose : true,
  };
}

interface Layout {
  /** `<url>/api/v2.0`, for result links. */
  resultsRoot: string;
  /** Append the waivers list (--verbose). */
  waivers: boolean;
  /** Several subjects were asked about: say which one each row is for. */
  subjectColumn: boolean;
}

/** Verdict line, applicable policies, then the requirements table, unsatisfied first. */
export function formatDecision(d: any, layout: Layout): string {
  const policies = [...new Set<string>(d.applicable_policies ?? [])];
  const requirements: any[] = [...(d.unsatisfied_requirements ?? []), ...(d.satisfied_requirements ?? [])];
  const outcomes = new Map<unknown, string>((d.results ?? []).map((r: any) => [r.id, String(r.outcome)]));
  const lines = [
    `${d.policies_satisfied ? 'PASSED' : 'FAILED'}: ${cell(d.summary)}`,
    `Applicable policies: ${policies.length ? policies.map(cell).join(', ') : '(none)'}`,
  ];
  if (requirements.length) {
    const header = ['STATUS', 'TESTCASE', 'SCENARIO', 'OUTCOME', 'RESULT', 'WAIVER'];
    const rows = requirements.map((r) => [
      r.type, r.testcase ?? (r.type === 'excluded' ? `(policy ${r.policy})` : ''), r.scenario,
      outcomeOf(r, outcomes), r.result_id != null ? `${r.result_id} ${layout.resultsRoot}/results/${r.result_id}` : '', r.waiver_id,
    ]);
    lines.push('', layout.subjectColumn
      ? table([['SUBJECT', ...header], ...rows.map((row, i) => [requirements[i].subject_identifier, ...row])])
      : table([header, ...rows]));
  }
  if (layout.waivers) {
    const waivers: any[] = d.waivers ?? [];
    lines.push('', waivers.length ? `Waivers:\n${formatWaivers(waivers)}` : 'Waivers: none');
  }
  return lines.join('\n');
}

const OUTCOME_OF_TYPE: Record<string, string> = {
  'test-result-passed': 'PASSED',
  'test-result-failed': 'FAILED',
  'test-result-errored': 'ERROR',
  'test-result-missing': 'MISSING',
};

/** The result's own outcome when the server listed it; otherwise what the requirement type implies. */
export function outcomeOf(r: any, outcomes: Map<unknown, string>): string {
  if (r.result_id != null && outcomes.has(r.result_id)) return outcomes.get(r.result_id)!;
  if (typeof r.type === 'string' && r.type.endsWith('-waived')) return 'WAIVED';
  // A missing answer that carries a result is a QUEUED/RUNNING result (Greenwave's "incomplete").
  if (r.type === 'test-result-missing' && r.result_id != null) return 'INCOMPLETE';
  return OUTCOME_OF_TYPE[r.type] ?? '';
}

/**
 * POSTs JSON. Unlike client.request, a non-2xx answer becomes just the server's `message`: Greenwave's
 * messages ("Found no applicable policies for …") already say what went wrong.
 */
async function post(url: string, body: unknown): Promise<ApiResponse> {
  const res = await send('POST', url, body);
  if (!res.ok) {
    const message = res.json?.message;
    throw new RequestError(typeof message === 'string' && message ? message : `server returned ${res.status}: ${res.text.trim() || '(empty body)'}`);
  }
  return res;
}

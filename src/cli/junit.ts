/** Pure JUnit XML → ResultsDB result bodies mapping (no I/O, no server), used by `resultsdb submit --junit`. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { UsageError, type ResultBody } from './client.ts';

export interface JunitOptions {
  /** Data key `item` of every result (the artifact under test). */
  item: string;
  /** Data key `type` of every result, when given. */
  type?: string;
  /** Prepended (with a dot) to every testcase name. */
  prefix?: string;
  /** Note for results that carry no failure/error/skipped message. */
  note?: string;
}

/** ResultsDB notes are meant to be short; failure messages can be whole stack traces. */
export const NOTE_MAX = 1000;

/** Shown in `submit --help`; keep in sync with the code below. */
export const JUNIT_HELP = `
JUnit mapping (--junit): one result per <testcase>, at any depth under a root <testsuites> or <testsuite>.
  outcome   ERROR if the testcase has <error>, else FAILED if <failure>, else INFO if <skipped>, else PASSED
            (surefire's <flakyFailure>/<flakyError>/<rerunFailure> are retries that passed: PASSED)
  testcase  [PREFIX.]SUITE.CLASSNAME.NAME, SUITE = name of the innermost enclosing <testsuite>;
            empty parts are skipped, and a part equal to the one before it is dropped
            (surefire uses the class name as suite name)
  note      message attribute of <error>/<failure>/<skipped> (truncated to ${NOTE_MAX} chars), else --note
  data      item, type (when given), junit_time (the testcase's time attribute, when present)
  groups    all results of one file share one new group: a random UUID, description "JUnit <file name>"`;

type Attrs = Record<string, string>;
/** A parsed element: attributes under `$`; elements with only text parse to a plain string. */
interface Element {
  $?: Attrs;
  testsuites?: Element[];
  testsuite?: Element[];
  testcase?: Element[];
  failure?: (Element | string)[];
  error?: (Element | string)[];
  skipped?: (Element | string)[];
}

const LISTS = new Set(['testsuites', 'testsuite', 'testcase', 'failure', 'error', 'skipped']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributesGroupName: '$', // keeps attributes apart from child elements of the same name
  attributeNamePrefix: '',
  parseAttributeValue: false, // `time="1.50"` must stay the string the tool wrote
  parseTagValue: false,
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && LISTS.has(name),
});

/** Maps a JUnit XML document to result bodies (without groups); throws UsageError if malformed or empty. */
export function junitToResults(xml: string, opts: JunitOptions): ResultBody[] {
  xml = xml.replace(/^\uFEFF/, ''); // some Windows tools write a BOM, which the parser rejects
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new UsageError(`malformed XML at line ${line}${col ? `, column ${col}` : ''}: ${msg}`);
  }
  const results: ResultBody[] = [];
  walk(parser.parse(xml) as Element, '', (tc, suite) => results.push(toResult(tc, suite, opts)));
  if (results.length === 0) throw new UsageError('no <testcase> elements found (expected a JUnit XML report)');
  return results;
}

/** Depth-first over suites; `<testsuites>` is only a wrapper, so its name is not used. */
function walk(node: Element, suite: string, visit: (tc: Element, suite: string) => void): void {
  for (const tc of node.testcase ?? []) visit(tc, suite);
  for (const s of node.testsuite ?? []) if (typeof s === 'object') walk(s, s.$?.name ?? '', visit);
  for (const s of node.testsuites ?? []) if (typeof s === 'object') walk(s, suite, visit);
}

function toResult(tc: Element, suite: string, opts: JunitOptions): ResultBody {
  // A bare `<testcase/>` parses to '' rather than an object.
  const el: Element = typeof tc === 'object' ? tc : {};
  const [outcome, marker] = el.error ? ['ERROR', el.error[0]]
    : el.failure ? ['FAILED', el.failure[0]]
    : el.skipped ? ['INFO', el.skipped[0]]
    : ['PASSED', undefined];
  const message = typeof marker === 'object' ? marker.$?.message : undefined;
  const note = message ? truncate(message, NOTE_MAX) : opts.note;

  const data: Record<string, string> = { item: opts.item };
  if (opts.type) data.type = opts.type;
  if (el.$?.time) data.junit_time = el.$.time;

  if (!el.$?.name) throw new UsageError(`a <testcase> in suite '${suite}' has no name attribute`);
  const name = testcaseName([opts.prefix, suite, el.$.classname, el.$.name]);
  return { testcase: { name }, outcome, ...(note ? { note } : {}), data };
}

/** Joins the non-empty parts with dots, dropping a part that repeats the previous one. */
export function testcaseName(parts: (string | undefined)[]): string {
  const kept: string[] = [];
  for (const p of parts.map((s) => s?.trim() ?? '')) if (p && p !== kept.at(-1)) kept.push(p);
  return kept.join('.');
}

/** Cuts by code points (no split surrogate pairs); the ellipsis counts towards `max`. */
function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

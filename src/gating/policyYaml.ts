/**
 * Greenwave policies from YAML (server policy files, remote gating.yaml) and from a decision request's
 * `rules` (the on-demand policy), with Greenwave's SafeYAML error wording. Unlike Greenwave, unknown
 * keys are errors (deviation 13). Both inputs are first turned into one small tree (`Field`) so the
 * attribute rules are written once.
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, YAMLMap, type Document, type Node } from 'yaml';
import { PolicyError, type Policy, type PolicyKind, type Rule } from './model.ts';

// ---------------------------------------------------------------------------------------------------
// The common tree

/** A scalar keeps Python's str() form (`text`) next to its typed value: string attributes use the former. */
interface ScalarField {
  kind: 'scalar';
  tag: string | null;
  text: string;
  value: unknown;
  /** YAML `null`/`~`/empty or JSON null: treated as an absent attribute. */
  isNull: boolean;
  /** The value as a boolean attribute sees it, null when it is not one. */
  bool: boolean | null;
}
interface ListField {
  kind: 'list';
  tag: string | null;
  items: Field[];
  /** Python's str() of the whole value, for messages; computed only then (aliases expand there). */
  show: () => string;
}
interface MapField {
  kind: 'map';
  tag: string | null;
  entries: Map<string, Field>;
  show: () => string;
}
type Field = ScalarField | ListField | MapField;

/** Inside `rules`: YAML items are tagged objects, JSON items are dicts with a `type` key. */
type Mode = 'yaml' | 'json';

const RULE_TAGS = ['PassingTestCaseRule', 'RemoteRule'] as const;
const OBSOLETE_TAGS = ['PackageSpecificBuild', 'FedoraAtomicCi'];
const OBSOLETE_ADVICE = 'Please use the "packages" allowlist instead.';
const KNOWN_TAGS = ['Policy', ...RULE_TAGS, ...OBSOLETE_TAGS].map((t) => `!${t}`);

/** Registered so the parser keeps these tags without "Unresolved tag" warnings; the tree walk reads them. */
const CUSTOM_TAGS = KNOWN_TAGS.flatMap((tag) => [
  { tag, collection: 'map' as const, nodeClass: YAMLMap },
  { tag, resolve: (s: string) => s },
]);

/** PyYAML (YAML 1.1) booleans; Greenwave re-reads a boolean attribute's raw text with them, even quoted. */
const YAML11_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;

/** Python's repr(), for values quoted inside lists and dicts. */
function pyRepr(v: unknown): string {
  return typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : pyStr(v);
}

/** Python's str() of a JSON-like value: how Greenwave shows values in messages and converts strings. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

function jsonField(v: unknown): Field {
  if (Array.isArray(v)) return { kind: 'list', tag: null, items: v.map(jsonField), show: () => pyStr(v) };
  if (v !== null && typeof v === 'object') {
    return { kind: 'map', tag: null, entries: new Map(Object.entries(v).map(([k, x]) => [k, jsonField(x)])), show: () => pyStr(v) };
  }
  const isNull = v === null || v === undefined;
  return { kind: 'scalar', tag: null, text: pyStr(v), value: isNull ? null : v, isNull, bool: typeof v === 'boolean' ? v : null };
}

/**
 * The YAML AST as a Field tree. Memoised per node so aliases are not expanded again (no "billion
 * laughs"), and an alias inside its own anchor is refused instead of recursing forever.
 */
class YamlTree {
  private done = new Map<unknown, Field>();
  private open = new Set<unknown>();
  constructor(private doc: Document.Parsed) {}

  field(node: unknown): Field {
    const target = isAlias(node) ? node.resolve(this.doc) : node;
    const known = this.done.get(target);
    if (known) return known;
    if (this.open.has(target)) throw new PolicyError('YAML Parser Error: recursive alias');
    this.open.add(target);
    const f = this.build(target as Node | null | undefined);
    this.open.delete(target);
    this.done.set(target, f);
    return f;
  }

  private build(node: Node | null | undefined): Field {
    const tag = node?.tag ?? null;
    if (isMap(node)) {
      const entries = new Map<string, Field>();
      for (const pair of node.items) entries.set(this.keyText(pair.key), this.field(pair.value));
      return { kind: 'map', tag, entries, show: () => this.show(node, 'a mapping') };
    }
    if (isSeq(node)) return { kind: 'list', tag, items: node.items.map((n) => this.field(n)), show: () => this.show(node, 'a list') };
    if (isScalar(node)) {
      // `source` is the scalar's text as written (PyYAML's construct_scalar); `value` is YAML 1.1-typed.
      const text = node.source ?? (typeof node.value === 'string' ? node.value : pyStr(node.value));
      return { kind: 'scalar', tag, text, value: node.value, isNull: node.value === null, bool: YAML11_BOOL.test(text) ? /^(?:yes|true|on)$/i.test(text) : null };
    }
    // A key or value with no node at all (`? a` or `a:`).
    return { kind: 'scalar', tag: null, text: '', value: null, isNull: true, bool: null };
  }

  private keyText(key: unknown): string {
    const f = this.field(key);
    return f.kind === 'scalar' ? f.text : f.show();
  }

  /** The yaml library refuses to expand too many aliases; a message then just names the kind. */
  private show(node: Node, fallback: string): string {
    try {
      return pyStr(node.toJS(this.doc));
    } catch {
      return fallback;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Attribute readers: each throws a PolicyError with the bare message; callers add the labels

/** Runs `fn`, prefixing any PolicyError message with `prefix: `. */
function within<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PolicyError) throw new PolicyError(`${prefix}: ${e.message}`);
    throw e;
  }
}

/** Reads one attribute (absent/null → undefined), labelling errors `Attribute '<name>': …`. */
function attr<T>(entries: Map<string, Field>, name: string, read: (f: Field) => T): T | undefined {
  const f = entries.get(name);
  if (f === undefined || (f.kind === 'scalar' && f.isNull)) return undefined;
  return within(`Attribute '${name}'`, () => read(f));
}

function required<T>(entries: Map<string, Field>, name: string, read: (f: Field) => T): T {
  const v = attr(entries, name, read);
  if (v === undefined) throw new PolicyError(`Attribute '${name}' is required`);
  return v;
}

function describe(f: Field): string {
  return f.kind === 'scalar' ? f.text : f.show();
}

function readString(f: Field): string {
  if (f.kind !== 'scalar') throw new PolicyError(`Expected a string value, got: ${describe(f)}`);
  return f.text;
}

function readBool(f: Field): boolean {
  if (f.kind !== 'scalar' || f.bool === null) throw new PolicyError(`Expected a boolean value, got: ${describe(f)}`);
  return f.bool;
}

function readStringList(f: Field): string[] {
  if (f.kind !== 'list' || f.items.some((i) => i.kind !== 'scalar' || typeof i.value !== 'string')) {
    throw new PolicyError('Expected list of str objects');
  }
  return f.items.map((i) => (i as ScalarField).text);
}

function readTime(f: Field): number {
  if (f.kind !== 'scalar') throw new PolicyError(`Could not parse string as date/time, got: ${describe(f)}`);
  return parsePolicyTime(f.text) as number;
}

function unknownKeys(entries: Map<string, Field>, allowed: readonly string[]): void {
  for (const key of entries.keys()) {
    if (!allowed.includes(key)) throw new PolicyError(`Unknown attribute '${key}'`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Rules

function readRules(f: Field, mode: Mode): Rule[] {
  if (f.kind !== 'list') throw new PolicyError('Expected list of Rule objects');
  return f.items.map((item) => (mode === 'yaml' ? yamlRule(item) : jsonRule(item)));
}

/** A tagged YAML rule (`!RemoteRule` alone is an empty mapping, as in PyYAML). */
function yamlRule(item: Field): Rule {
  const tag = item.tag;
  if (tag === null || !tag.startsWith('!') || tag === '!Policy') throw new PolicyError('Expected list of Rule objects');
  const name = tag.slice(1);
  if (!KNOWN_TAGS.includes(tag)) {
    throw new PolicyError(`Unknown rule tag ${tag} (expected !PassingTestCaseRule or !RemoteRule)`);
  }
  if (OBSOLETE_TAGS.includes(name)) throw new PolicyError(`${tag} is obsolete. ${OBSOLETE_ADVICE}`);
  let entries: Map<string, Field>;
  if (item.kind === 'map') entries = item.entries;
  else if (item.kind === 'scalar' && item.text === '') entries = new Map();
  else throw new PolicyError(`Expected mapping for ${tag} tagged object`);
  return within(`YAML object ${tag}`, () => ruleFrom(name, entries, []));
}

/** A rule dict of an on-demand request: `{"type": "PassingTestCaseRule", …}`. */
function jsonRule(item: Field): Rule {
  if (item.kind !== 'map') throw new PolicyError('Expected list of Rule objects');
  const type = item.entries.get('type');
  const typeValue = type?.kind === 'scalar' ? type.value : type?.show();
  if (!typeValue) throw new PolicyError("Key 'type' is required for each list item");
  const name = typeof typeValue === 'string' ? typeValue : null;
  if (name === null || ![...RULE_TAGS, ...OBSOLETE_TAGS].includes(name)) {
    throw new PolicyError(`Key 'type' for an list item is not valid: ${pyStr(typeValue)}`);
  }
  if (OBSOLETE_TAGS.includes(name)) throw new PolicyError(`!${name} is obsolete. ${OBSOLETE_ADVICE}`);
  return ruleFrom(name, item.entries, ['type']);
}

function ruleFrom(name: string, entries: Map<string, Field>, extraKeys: string[]): Rule {
  if (name === 'RemoteRule') {
    unknownKeys(entries, ['sources', 'required', ...extraKeys]);
    return {
      type: 'RemoteRule',
      sources: attr(entries, 'sources', readStringList) ?? [],
      required: attr(entries, 'required', readBool) ?? false,
    };
  }
  unknownKeys(entries, ['test_case_name', 'scenario', 'valid_since', 'valid_until', ...extraKeys]);
  return {
    type: 'PassingTestCaseRule',
    test_case_name: required(entries, 'test_case_name', readString),
    scenario: attr(entries, 'scenario', readString) ?? null,
    valid_since: attr(entries, 'valid_since', readTime) ?? null,
    valid_until: attr(entries, 'valid_until', readTime) ?? null,
  };
}

// ---------------------------------------------------------------------------------------------------
// Policies from YAML

const REMOTE_KEYS = [
  'id', 'product_versions', 'decision_context', 'decision_contexts', 'subject_type', 'subject_types', 'rules',
  'excluded_packages', 'packages',
];
const SERVER_KEYS = [...REMOTE_KEYS, 'relevance_key', 'relevance_value'];

function emptyPolicy(kind: PolicyKind): Policy {
  return {
    kind, id: null, product_versions: [], decision_context: null, decision_contexts: [], subject_type: null,
    subject_types: [], rules: [], excluded_packages: [], packages: [], relevance_key: null, relevance_value: null,
    source: null, file: null,
  };
}

/** One `!Policy` document; errors are labelled `Policy '<id or untitled>': …` like Greenwave's. */
function yamlPolicy(doc: MapField, kind: 'server' | 'remote'): Policy {
  const e = doc.entries;
  const p = emptyPolicy(kind);
  p.id = within("Policy 'untitled'", () => (kind === 'server' ? required(e, 'id', readString) : attr(e, 'id', readString) ?? null));
  within(`Policy '${p.id || 'untitled'}'`, () => {
    unknownKeys(e, kind === 'server' ? SERVER_KEYS : REMOTE_KEYS);
    p.product_versions = kind === 'server' ? required(e, 'product_versions', readStringList) : attr(e, 'product_versions', readStringList) ?? ['*'];
    p.decision_context = attr(e, 'decision_context', readString) ?? null;
    p.decision_contexts = attr(e, 'decision_contexts', readStringList) ?? [];
    p.subject_type = attr(e, 'subject_type', readString) ?? null;
    p.subject_types = attr(e, 'subject_types', readStringList) ?? [];
    p.rules = required(e, 'rules', (f) => readRules(f, 'yaml'));
    p.excluded_packages = attr(e, 'excluded_packages', readStringList) ?? [];
    p.packages = attr(e, 'packages', readStringList) ?? [];
    if (kind === 'server') {
      p.relevance_key = attr(e, 'relevance_key', readString) ?? null;
      p.relevance_value = attr(e, 'relevance_value', readString) ?? null;
    }
    validate(p, kind === 'server' || e.has('subject_type') || e.has('subject_types'));
  });
  return p;
}

/** Greenwave's validate(): exactly one context form; here also exactly one subject-type form when asked. */
function validate(p: Policy, subjectTypesRequired: boolean): void {
  if (p.kind === 'remote' && p.rules.some((r) => r.type === 'RemoteRule')) {
    throw new PolicyError('RemoteRule is not allowed in remote policies');
  }
  // Empty values count as unset, as Python's truthiness does in Greenwave.
  if (!p.decision_context && !p.decision_contexts.length) throw new PolicyError('No decision contexts provided');
  if (p.decision_context && p.decision_contexts.length) {
    throw new PolicyError('Both properties "decision_contexts" and "decision_context" were set');
  }
  if (!subjectTypesRequired) return;
  if (!p.subject_type && !p.subject_types.length) throw new PolicyError('No subject types provided');
  if (p.subject_type && p.subject_types.length) {
    throw new PolicyError('Both properties "subject_types" and "subject_type" were set');
  }
}

/** Every non-empty document of a YAML stream, as mappings tagged `!Policy` or not tagged at all. */
function policyDocuments(text: string): MapField[] {
  const docs = parseAllDocuments(text, { customTags: CUSTOM_TAGS, version: '1.1' });
  const out: MapField[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    // The first line names the problem and its position; the rest is a source excerpt.
    if (err) throw new PolicyError(`YAML Parser Error: ${err.message.split('\n')[0]!.replace(/:$/, '')}`);
    const root = new YamlTree(doc).field(doc.contents);
    if (root.kind === 'scalar' && root.isNull && root.tag === null) continue;
    // PyYAML's loader has constructors for the rule tags, none for other ones; a rule is no policy.
    if (root.tag !== null && root.tag !== '!Policy') {
      throw new PolicyError(KNOWN_TAGS.includes(root.tag)
        ? `Expected !Policy tagged object, got ${root.tag}`
        : `YAML Parser Error: could not determine a constructor for the tag '${root.tag}'`);
    }
    if (root.kind !== 'map') throw new PolicyError('Expected mapping for !Policy tagged object');
    out.push(root);
  }
  return out;
}

/** A server policy file: every document is a `!Policy`; errors are prefixed with `file`. */
export function parseServerPolicies(text: string, file: string): Policy[] {
  return within(file, () =>
    policyDocuments(text).map((doc) => ({ ...yamlPolicy(doc, 'server'), file })),
  );
}

/** A remote gating.yaml read from `source` (null for /validate-gating-yaml). */
export function parseRemotePolicies(text: string, source: string | null): Policy[] {
  return policyDocuments(text).map((doc) => ({ ...yamlPolicy(doc, 'remote'), source }));
}

// ---------------------------------------------------------------------------------------------------
// The on-demand policy

/**
 * Greenwave's OnDemandPolicy.create_from_json: defaults overlaid with the request body, read with
 * from_value (no policy label in messages; the route adds `Failed to parse on demand policy: `).
 * Other body keys (subject, verbose, when…) are not policy attributes and are ignored. Subject types
 * are not read: the body's `subject_type` names the request's subject, and this policy matches any.
 */
export function parseOnDemandPolicy(body: Record<string, unknown>): Policy {
  const e = (jsonField(body) as MapField).entries;
  const p = emptyPolicy('on-demand');
  p.id = attr(e, 'id', readString) ?? 'on-demand-policy';
  p.product_versions =
    attr(e, 'product_versions', readStringList) ??
    within("Attribute 'product_versions'", () => readStringList(jsonField([body.product_version])));
  p.decision_contexts = attr(e, 'decision_contexts', readStringList) ?? [];
  p.decision_context = p.decision_contexts.length ? null : attr(e, 'decision_context', readString) ?? 'on-demand-policy';
  p.rules = required(e, 'rules', (f) => readRules(f, 'json'));
  p.excluded_packages = attr(e, 'excluded_packages', readStringList) ?? [];
  p.packages = attr(e, 'packages', readStringList) ?? [];
  return p;
}

// ---------------------------------------------------------------------------------------------------
// Output and times

/** A policy as GET /policies shows it (rule validity dates are not shown, as in Greenwave). */
export function policyToJson(p: Policy): Record<string, unknown> {
  return {
    id: p.id,
    product_versions: p.product_versions,
    decision_context: p.decision_context,
    decision_contexts: p.decision_contexts,
    subject_type: p.subject_type,
    subject_types: p.subject_types,
    rules: p.rules.map((r) =>
      r.type === 'RemoteRule'
        ? { rule: 'RemoteRule', required: r.required, sources: r.sources }
        : { rule: 'PassingTestCaseRule', test_case_name: r.test_case_name, scenario: r.scenario },
    ),
    excluded_packages: p.excluded_packages,
    packages: p.packages,
    relevance_key: p.relevance_key,
    relevance_value: p.relevance_value,
  };
}

const TIME_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:([Zz]|UTC|GMT)|([+-])(\d{1,2})(?::?(\d{2}))?)?$/;

/**
 * A rule's `valid_since`/`valid_until` as µs since the epoch: ISO-like dates with optional time,
 * fraction and offset (dateutil's common forms); naive times are UTC. null for null/undefined.
 */
export function parsePolicyTime(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.getTime() * 1000;
  const m = typeof v === 'string' ? TIME_RE.exec(v.trim()) : null;
  if (!m) throw new PolicyError(`Could not parse string as date/time, got: ${pyStr(v)}`);
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x))) as number[];
  const date = new Date(0);
  date.setUTCFullYear(year!, month! - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const valid =
    date.getUTCFullYear() === year && date.getUTCMonth() === month! - 1 && date.getUTCDate() === day &&
    hour < 24 && minute < 60 && second < 60;
  const offsetHours = m[10] === undefined ? 0 : Number(m[10]);
  const offsetMinutes = m[11] === undefined ? 0 : Number(m[11]);
  if (!valid || offsetHours > 23 || offsetMinutes > 59) throw new PolicyError(`Could not parse string as date/time, got: ${pyStr(v)}`);
  // dateutil keeps microseconds and drops further digits.
  const micros = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0').slice(0, 6));
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000_000;
  return date.getTime() * 1000 + micros - offset;
}

/**
 * A minimal XML-RPC codec: enough to call Koji (and to fake it in tests). Decoded values: int/i4/i8
 * → number (bigint past 2^53), boolean, string, double, dateTime.iso8601 → its raw string,
 * base64 → Buffer, struct → object, array → array, nil → null.
 */
import { XMLParser } from 'fast-xml-parser';

/** A document that is not well-formed XML or not a valid XML-RPC message. */
export class XmlRpcError extends Error {}

export interface XmlRpcFault {
  faultCode: number;
  faultString: string;
}

export type XmlRpcResponse = { fault: XmlRpcFault } | { value: unknown };

// ---- encoding ----

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Python's xmlrpc.client escapes exactly these; quotes need no escaping in element content. */
function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function encodeCall(method: string, params: unknown[]): string {
  const ps = params.map((p) => `<param>${encodeValue(p)}</param>`).join('');
  return `<?xml version="1.0"?>\n<methodCall><methodName>${escapeXml(method)}</methodName><params>${ps}</params></methodCall>\n`;
}

export function encodeResponse(value: unknown): string {
  return `<?xml version="1.0"?>\n<methodResponse><params><param>${encodeValue(value)}</param></params></methodResponse>\n`;
}

export function encodeFault(faultCode: number, faultString: string): string {
  const v = encodeValue({ faultCode, faultString });
  return `<?xml version="1.0"?>\n<methodResponse><fault>${v}</fault></methodResponse>\n`;
}

/** One `<value>`; throws TypeError for what XML-RPC cannot carry (functions, NaN, …). */
function encodeValue(v: unknown): string {
  return `<value>${encodeInner(v)}</value>`;
}

function encodeInner(v: unknown): string {
  if (v === null || v === undefined) return '<nil/>';
  if (typeof v === 'boolean') return `<boolean>${v ? 1 : 0}</boolean>`;
  if (typeof v === 'string') return `<string>${escapeXml(v)}</string>`;
  if (typeof v === 'number') return encodeNumber(v);
  if (typeof v === 'bigint') return v >= INT32_MIN && v <= INT32_MAX ? `<int>${v}</int>` : `<i8>${v}</i8>`;
  if (v instanceof Uint8Array) return `<base64>${Buffer.from(v).toString('base64')}</base64>`;
  if (v instanceof Date) return `<dateTime.iso8601>${isoBasic(v)}</dateTime.iso8601>`;
  if (Array.isArray(v)) return `<array><data>${v.map(encodeValue).join('')}</data></array>`;
  if (typeof v === 'object') return encodeStruct(v as Record<string, unknown>);
  throw new TypeError(`cannot encode a ${typeof v} as XML-RPC`);
}

function encodeNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`cannot encode ${n} as XML-RPC`);
  // An integer too big to be exact (1e300) is a double, as it would be in Python.
  if (!Number.isSafeInteger(n)) return `<double>${n}</double>`;
  return n >= INT32_MIN && n <= INT32_MAX ? `<int>${n}</int>` : `<i8>${n}</i8>`;
}

function encodeStruct(o: Record<string, unknown>): string {
  const members = Object.entries(o)
    .filter(([, v]) => v !== undefined) // like JSON: an undefined property is absent
    .map(([k, v]) => `<member><name>${escapeXml(k)}</name>${encodeValue(v)}</member>`);
  return `<struct>${members.join('')}</struct>`;
}

/** XML-RPC's `19980717T14:08:55` form, in UTC. */
function isoBasic(d: Date): string {
  return d.toISOString().slice(0, 19).replace(/-/g, '');
}

// ---- decoding ----

/** fast-xml-parser's ordered form: `{tag: children}` elements and `{'#text': s}` text nodes. */
type XNode = Record<string, unknown>;
interface Element {
  tag: string;
  children: XNode[];
}

const parser = new XMLParser({
  preserveOrder: true, // struct members and array items keep their order; text and elements stay apart
  ignoreAttributes: true,
  parseTagValue: false, // `<string>007</string>` stays "007"; each type is converted below
  trimValues: false, // whitespace inside <string> is data
  processEntities: true,
  htmlEntities: true, // also numeric references (&#38;), which servers other than Python's may send
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: true, // Apache's <ex:nil/>, <ex:i8>
});

function parseXml(xml: string): XNode[] {
  try {
    return parser.parse(xml, true) as XNode[];
  } catch (err) {
    throw new XmlRpcError(`malformed XML: ${(err as Error).message}`);
  }
}

function elements(nodes: XNode[]): Element[] {
  const out: Element[] = [];
  for (const node of nodes) {
    for (const [tag, children] of Object.entries(node)) {
      if (tag !== '#text' && tag !== ':@') out.push({ tag, children: children as XNode[] });
    }
  }
  return out;
}

function text(nodes: XNode[]): string {
  return nodes.map((n) => (typeof n['#text'] === 'string' ? n['#text'] : '')).join('');
}

/** The only element child, which must be `tag`. */
function only(nodes: XNode[], tag: string, where: string): Element {
  const els = elements(nodes);
  if (els.length !== 1 || els[0]!.tag !== tag) throw new XmlRpcError(`expected one <${tag}> in <${where}>`);
  return els[0]!;
}

function root(xml: string, tag: string): Element {
  return only(parseXml(xml), tag, 'document');
}

export function decodeResponse(xml: string): XmlRpcResponse {
  const body = elements(root(xml, 'methodResponse').children);
  const first = body.length === 1 ? body[0]! : undefined;
  if (first?.tag === 'fault') return { fault: decodeFault(first) };
  if (first?.tag !== 'params') throw new XmlRpcError('expected <params> or <fault> in <methodResponse>');
  const params = decodeParams(first);
  if (params.length !== 1) throw new XmlRpcError('expected exactly one <param> in a response');
  return { value: params[0] };
}

export function decodeCall(xml: string): { method: string; params: unknown[] } {
  const els = elements(root(xml, 'methodCall').children);
  const name = els.find((e) => e.tag === 'methodName');
  if (!name) throw new XmlRpcError('missing <methodName>');
  const params = els.find((e) => e.tag === 'params');
  return { method: text(name.children).trim(), params: params ? decodeParams(params) : [] };
}

function decodeParams(params: Element): unknown[] {
  return elements(params.children).map((p) => {
    if (p.tag !== 'param') throw new XmlRpcError(`unexpected <${p.tag}> in <params>`);
    return decodeValue(only(p.children, 'value', 'param').children);
  });
}

function decodeFault(fault: Element): XmlRpcFault {
  const v = decodeValue(only(fault.children, 'value', 'fault').children);
  const f = v as Partial<XmlRpcFault> | null;
  if (typeof f?.faultCode !== 'number' || typeof f.faultString !== 'string') {
    throw new XmlRpcError('a <fault> needs an int faultCode and a string faultString');
  }
  return { faultCode: f.faultCode, faultString: f.faultString };
}

/** The contents of one `<value>` element. */
function decodeValue(nodes: XNode[]): unknown {
  const els = elements(nodes);
  if (els.length === 0) return text(nodes); // an untyped value is a string
  if (els.length > 1) throw new XmlRpcError('more than one type in a <value>');
  const { tag, children } = els[0]!;
  const scalar = SCALARS[tag];
  if (scalar) return scalar(text(children));
  if (tag === 'struct') return decodeStruct(children);
  if (tag === 'array') return elements(only(children, 'data', 'array').children).map(arrayItem);
  throw new XmlRpcError(`unknown XML-RPC type <${tag}>`);
}

function arrayItem(e: Element): unknown {
  if (e.tag !== 'value') throw new XmlRpcError(`unexpected <${e.tag}> in <data>`);
  return decodeValue(e.children);
}

function decodeStruct(nodes: XNode[]): Record<string, unknown> {
  const entries = elements(nodes).map((m): [string, unknown] => {
    if (m.tag !== 'member') throw new XmlRpcError(`unexpected <${m.tag}> in <struct>`);
    const parts = elements(m.children);
    const name = parts.find((p) => p.tag === 'name');
    const value = parts.find((p) => p.tag === 'value');
    if (!name || !value) throw new XmlRpcError('a struct <member> needs a <name> and a <value>');
    return [text(name.children), decodeValue(value.children)];
  });
  return Object.fromEntries(entries); // defines own properties, so a "__proto__" member is just data
}

const SCALARS: Record<string, (s: string) => unknown> = {
  int: decodeInt,
  i4: decodeInt,
  i8: decodeInt,
  boolean: decodeBoolean,
  string: (s) => s,
  double: decodeDouble,
  'dateTime.iso8601': (s) => s.trim(),
  base64: (s) => Buffer.from(s, 'base64'),
  nil: () => null,
};

function decodeInt(s: string): number | bigint {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new XmlRpcError(`invalid integer ${JSON.stringify(s)}`);
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : BigInt(t);
}

function decodeBoolean(s: string): boolean {
  const t = s.trim();
  if (t === '1' || t === 'true') return true;
  if (t === '0' || t === 'false') return false;
  throw new XmlRpcError(`invalid boolean ${JSON.stringify(s)}`);
}

// Python writes repr(): "inf", "-inf", "nan" for the non-finite ones.
const SPECIAL_DOUBLES: Record<string, number> = { inf: Infinity, '+inf': Infinity, '-inf': -Infinity, nan: NaN };

function decodeDouble(s: string): number {
  const t = s.trim();
  const special = SPECIAL_DOUBLES[t.toLowerCase()];
  if (special !== undefined) return special;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw new XmlRpcError(`invalid double ${JSON.stringify(s)}`);
  return Number(t);
}

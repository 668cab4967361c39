import { isAscii } from 'node:buffer';

/**
 * JSON exactly as Flask's jsonify writes it: keys sorted at every level, compact separators,
 * non-ASCII escaped as \uXXXX, and a trailing newline. Clients diff and cache these bodies.
 */
export function flaskJson(value: unknown): string {
  return flaskBody(jsonText(value));
}

/** Keys sorted at every level, compact: the JSON text of a value, before flaskBody's escaping. */
export function jsonText(value: unknown): string {
  // The native stringifier writes keys in insertion order: give it objects whose keys are inserted
  // sorted (most of ours already are, and are used as they are). Integer-like keys, which JavaScript
  // always puts first, and non-plain objects take the explicit path.
  const sorted = inKeyOrder(value, 0);
  return sorted === UNORDERABLE ? stringifySorted(value) : JSON.stringify(sorted) ?? 'null';
}

/** A response body from JSON text: non-ASCII escaped as \uXXXX, and the trailing newline. */
export function flaskBody(text: string): string {
  return asciiOnly(text) + '\n';
}

/**
 * flaskBody as the bytes sent. Encoded first and checked afterwards: a body that is ASCII already (the
 * usual case) is then one UTF-8 pass and two byte scans, where scanning the text by regex, or measuring
 * its UTF-8 length first, cost a few times that. The newline is written after the text, not appended to
 * it: `text + '\n'` would copy a page once more.
 */
export function flaskBytes(text: string): Buffer {
  const bytes = Buffer.allocUnsafe(text.length + 1);
  const written = bytes.write(text, 0, 'utf8');
  // As many ASCII bytes as characters: those bytes are the whole text (a longer encoding, cut short
  // by the buffer's end, has a byte of 0x80 or above among them). Only DEL (0x7f) may still need escaping.
  const body = bytes.subarray(0, written);
  if (written !== text.length || !isAscii(body) || body.includes(0x7f)) return Buffer.from(flaskBody(text));
  bytes[written] = 0x0a;
  return bytes;
}

/** An object's JSON text from its members' JSON texts (some written ahead, as results are), keys sorted. */
export function objectText(members: Record<string, string>): string {
  const keys = Object.keys(members).sort(byCodePoint);
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + members[k]).join(',') + '}';
}

const UNORDERABLE = Symbol('unorderable');

/** `v` itself when every object in it has sorted keys, else a copy that has; UNORDERABLE when impossible. */
function inKeyOrder(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? UNORDERABLE : v;
  if (depth > 64) return UNORDERABLE;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const item = inKeyOrder(v[i], depth + 1);
      if (item === UNORDERABLE) return UNORDERABLE;
      if (item !== v[i]) (out ??= v.slice())[i] = item;
    }
    return out ?? v;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return UNORDERABLE;
  const keys = Object.keys(v);
  let changed = false;
  const values: unknown[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    // JavaScript puts integer-like keys first in numeric order; Python sorts them as strings.
    if (isIndexLike(keys[i])) return UNORDERABLE;
    if (i > 0 && byCodePoint(keys[i - 1], keys[i]) >= 0) changed = true;
    const item = (v as Record<string, unknown>)[keys[i]];
    values[i] = inKeyOrder(item, depth + 1);
    if (values[i] === UNORDERABLE) return UNORDERABLE;
    if (values[i] !== item) changed = true;
  }
  if (!changed) return v;
  const order = keys.map((_, i) => i).sort((a, b) => byCodePoint(keys[a], keys[b]));
  // No prototype: a "__proto__" key stays an ordinary key of the copy.
  const out: Record<string, unknown> = Object.create(null);
  for (const i of order) out[keys[i]] = values[i];
  return out;
}

function isIndexLike(k: string): boolean {
  const c = k.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(0|[1-9][0-9]*)$/.test(k);
}

function stringifySorted(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return '[' + v.map(stringifySorted).join(',') + ']';
  if (typeof v === 'object') {
    // Sorting explicitly also orders integer-like keys as strings, as Python does ("10" < "9").
    const keys = Object.keys(v as object).sort(byCodePoint);
    const parts: string[] = [];
    for (const k of keys) {
      const item = (v as Record<string, unknown>)[k];
      if (item !== undefined) parts.push(JSON.stringify(k) + ':' + stringifySorted(item));
    }
    return '{' + parts.join(',') + '}';
  }
  return JSON.stringify(v);
}

/**
 * Python's string order (by code point), which `<` (by UTF-16 unit) matches except past U+FFFF: a
 * surrogate pair must sort after U+E000–U+FFFF, not before.
 */
export function byCodePoint(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x >= 0xd800 && y >= 0xd800 ? unitRank(x) - unitRank(y) : x - y;
  }
  return a.length - b.length;
}

/** Surrogates (D800–DFFF) moved above E000–FFFF, order within each kept. */
const unitRank = (u: number) => (u >= 0xe000 ? u - 0x800 : u <= 0xdfff ? u + 0x2000 : u);

const NON_ASCII = /[\u007f-\uffff]/;

function asciiOnly(s: string): string {
  if (!NON_ASCII.test(s)) return s;
  return s.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

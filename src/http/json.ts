/**
 * JSON exactly as Flask's jsonify writes it: keys sorted at every level, compact separators,
 * non-ASCII escaped as \uXXXX, and a trailing newline. Clients diff and cache these bodies.
 */
export function flaskJson(value: unknown): string {
  // Our serializers write keys in order, so the native stringifier usually produces the same bytes;
  // a value it would order differently (unsorted or integer-like keys) takes the explicit path.
  const text = isCanonical(value, 0) ? JSON.stringify(value) ?? 'null' : stringifySorted(value);
  return asciiOnly(text) + '\n';
}

/** Plain data whose every object already has its keys sorted, none integer-like. */
function isCanonical(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object') return v !== undefined && typeof v !== 'bigint';
  if (depth > 64) return false;
  if (Array.isArray(v)) {
    for (const item of v) if (item === undefined || !isCanonical(item, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  let prev: string | undefined;
  for (const k in v) {
    // JavaScript puts integer-like keys first in numeric order; Python sorts them as strings.
    if ((prev !== undefined && !(prev < k)) || isIndexLike(k)) return false;
    const item = (v as Record<string, unknown>)[k];
    if (item !== undefined && !isCanonical(item, depth + 1)) return false;
    prev = k;
  }
  return true;
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

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const NON_ASCII = /[\u007f-\uffff]/;

function asciiOnly(s: string): string {
  if (!NON_ASCII.test(s)) return s;
  return s.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

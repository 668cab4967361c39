/**
 * JSON exactly as Flask's jsonify writes it: keys sorted at every level, compact separators,
 * non-ASCII escaped as \uXXXX, and a trailing newline. Clients diff and cache these bodies.
 */
export function flaskJson(value: unknown): string {
  return asciiOnly(stringifySorted(value)) + '\n';
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

function asciiOnly(s: string): string {
  return s.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

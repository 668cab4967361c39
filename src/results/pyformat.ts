/**
 * Python `str()` / `repr()` of JSON-decoded values. Upstream ResultsDB stores every result data
 * value as `str(value)` of what Python's `json` module decoded, so we must reproduce those exact
 * strings (e.g. `1.0` stays "1.0", `true` becomes "True", `[1, 'a']` is a Python list repr).
 */
import { isLosslessNumber } from 'lossless-json';

/** Python `str(v)`. */
export function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** Python `repr(v)`. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return reprString(v);
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : reprFloat(v);
  if (isLosslessNumber(v)) {
    // Python's json decodes a literal with '.', 'e' or 'E' as float, anything else as int.
    const lit = v.value;
    return /[.eE]/.test(lit) ? reprFloat(Number(lit)) : BigInt(lit).toString();
  }
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (v instanceof Map) {
    return '{' + [...v].map(([k, x]) => pyRepr(k) + ': ' + pyRepr(x)).join(', ') + '}';
  }
  if (typeof v === 'object') {
    // Caveat: JS objects list integer-like keys first, so their order can differ from Python's.
    return '{' + Object.entries(v).map(([k, x]) => reprString(k) + ': ' + pyRepr(x)).join(', ') + '}';
  }
  return String(v);
}

/** How a `data` dict value is stored: one string per list element, otherwise a single string. */
export function dataValues(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(pyStr);
  return [pyStr(v)];
}

/** Python `repr(float)`: shortest round-trip digits, scientific below 1e-4 or from 1e16 on. */
function reprFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without digits gives the shortest round-trip digits, same as Python's repr.
  const [mant, expStr] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const exp = Number(expStr);
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  return `${sign}${int}.${digits.slice(exp + 1) || '0'}`;
}

// Python 3 repr escapes code points that are not "printable": categories C* and Z* except ' '.
const NON_PRINTABLE = /^[\p{C}\p{Z}]$/u;

/** Python `repr(str)`: prefers single quotes, switches to double only to avoid escaping `'`. */
function reprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0)!;
      const hex = cp.toString(16);
      out += cp <= 0xff ? '\\x' + hex.padStart(2, '0') : cp <= 0xffff ? '\\u' + hex.padStart(4, '0') : '\\U' + hex.padStart(8, '0');
    } else out += ch;
  }
  return out + q;
}

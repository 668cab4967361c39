import assert from 'node:assert/strict';
import { hasInexactNumber } from '../../src/http/body.ts';
import { describe, it } from 'node:test';
import { byCodePoint, flaskBody, flaskBytes, flaskJson } from '../../src/http/json.ts';
import { dataJson } from '../../src/results/serialize.ts';
import { seededRandom } from '../helpers/random.ts';

/** Python's str order: by code point, compared as arrays of code points. */
function pythonOrder(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** Python's json.dumps(sort_keys=True, separators=(',', ':'), ensure_ascii=True), written the slow obvious way. */
function reference(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return '[' + v.map(reference).join(',') + ']';
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort(pythonOrder);
    const parts = keys.filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => JSON.stringify(k) + ':' + reference((v as Record<string, unknown>)[k]));
    return '{' + parts.join(',') + '}';
  }
  return JSON.stringify(v);
}
const ascii = (s: string) => s.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
const expected = (v: unknown) => ascii(reference(v)) + '\n';

describe('flaskJson', () => {
  it('sorts keys as Python does, integer-like keys as strings', () => {
    assert.equal(flaskJson({ b: 1, a: { d: [1, 'x'], c: null } }), '{"a":{"c":null,"d":[1,"x"]},"b":1}\n');
    assert.equal(flaskJson({ '9': 1, '10': 2, a: 3 }), '{"10":2,"9":1,"a":3}\n');
    assert.equal(flaskJson({ a: { '0': 'x' } }), '{"a":{"0":"x"}}\n');
  });
  it('escapes every non-ASCII character, in keys too, and DEL', () => {
    assert.equal(flaskJson({ 'ключ': 'é\u007f😀' }), '{"\\u043a\\u043b\\u044e\\u0447":"\\u00e9\\u007f\\ud83d\\ude00"}\n');
  });
  it('drops undefined members, writes undefined array items and top level as null', () => {
    assert.equal(flaskJson({ a: undefined, b: [undefined, 1] }), '{"b":[null,1]}\n');
    assert.equal(flaskJson(undefined), 'null\n');
  });
  it('prototype-less objects and a "__proto__" key are ordinary objects', () => {
    const o: Record<string, unknown> = Object.create(null);
    o.z = 1;
    o['__proto__'] = ['p'];
    assert.equal(flaskJson(o), '{"__proto__":["p"],"z":1}\n');
  });
  it('agrees with the reference on random nested values', () => {
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const keys = ['a', 'b', 'B', '_', '1', '01', '10', '2', 'é', 'ab', 'a b', '"q"', 'z\\', ''];
    const value = (depth: number): unknown => {
      const k = rnd(depth > 3 ? 4 : 7);
      if (k === 0) return rnd(1000) - 500;
      if (k === 1) return keys[rnd(keys.length)] + '\u00e9\n'.slice(rnd(3));
      if (k === 2) return null;
      if (k === 3) return rnd(2) === 0;
      if (k === 4) return Array.from({ length: rnd(4) }, () => value(depth + 1));
      const o: Record<string, unknown> = rnd(2) ? {} : Object.create(null);
      const chosen = Array.from({ length: rnd(5) }, () => keys[rnd(keys.length)]);
      // Sorted insertion half of the time: the fast path must agree with the slow one.
      if (rnd(2)) chosen.sort();
      for (const key of chosen) o[key] = value(depth + 1);
      return o;
    };
    for (let i = 0; i < 2000; i++) {
      const v = value(0);
      assert.equal(flaskJson(v), expected(v), JSON.stringify(v));
    }
  });
});

describe('flaskBytes', () => {
  it('sends flaskBody as UTF-8 bytes, escaping DEL and every non-ASCII character', () => {
    for (const text of ['{"a":"plain"}', '', '"\u007f"', '"x\u007fy"', '"é"', '"\u2028"', '"😀"', '"ascii then é at the end"', 'ÿ', '"\ud800"', 'a'.repeat(70_000) + '\u007f',
      // UTF-8 one byte longer than the buffer for its characters and the newline: cut short at exactly their count.
      'é' + 'a'.repeat(50) + 'é', 'ā' + 'b'.repeat(9) + 'ā', '😀' + 'c'.repeat(9)]) {
      const bytes = flaskBytes(text);
      assert.equal(bytes.toString('utf8'), flaskBody(text), JSON.stringify(text));
      assert.equal(bytes.toString('utf8'), ascii(text) + '\n', JSON.stringify(text));
      assert.ok(bytes.every((b) => b < 0x7f || b === 0x0a), JSON.stringify(text));
    }
  });
});

describe('byCodePoint', () => {
  it("orders as Python's str does, astral characters after U+E000-U+FFFF (4,000 random pairs)", () => {
    const rnd = seededRandom(11);
    const pool = ['a', 'b', 'é', '\ud7ff', '\ue000', '\uff21', '\uffff', '😀', '𝄞', '\u{10ffff}', '\u{10000}'];
    const word = () => Array.from({ length: rnd(4) }, () => pool[rnd(pool.length)]).join('');
    for (let i = 0; i < 4000; i++) {
      const a = word();
      const b = word();
      assert.equal(Math.sign(byCodePoint(a, b)), Math.sign(pythonOrder(a, b)), JSON.stringify([a, b]));
    }
  });

  it("a result's data keys and any JSON object's keys come out in that order", () => {
    assert.equal(dataJson([['😀', '1'], ['\uff21', '2'], ['a', '3']]), '{"a":["3"],"\uff21":["2"],"😀":["1"]}');
    assert.equal(flaskJson({ '😀': 1, '\uff21': 2 }), '{"\\uff21":2,"\\ud83d\\ude00":1}\n');
  });
});

describe('hasInexactNumber: when a body needs the lossless parse', () => {
  const cases: [string, boolean][] = [
    ['{"item":"fedora.updates-everything-boot-iso","type":"koji_build"}', false],
    ['{"a":true,"b":false,"c":null,"d":[1,-2,0]}', false],
    ['{"a":123456789012345}', false],
    ['{"1.5":3,"e":"1.0"}', false],
    ['{"a":"\\"1.0","b":"\\\\"}', false],
    ['{"a":1.0}', true],
    ['[-0.5]', true],
    ['{"a":1e5}', true],
    ['{"a":2E-3}', true],
    ['{"a":1234567890123456}', true],
    ['{"a":"\\\\","b":2.5}', true],
  ];
  for (const [text, want] of cases) {
    it(`${text}: ${want}`, () => assert.equal(hasInexactNumber(text), want));
  }
});

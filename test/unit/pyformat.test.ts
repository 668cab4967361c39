import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LosslessNumber, parse } from 'lossless-json';
import { dataValues, pyRepr, pyStr } from '../../src/results/pyformat.ts';

const ln = (s: string) => new LosslessNumber(s);
const fromJson = (text: string): unknown => parse(text);

test('pyStr: strings, booleans, null', () => {
  assert.equal(pyStr('abc'), 'abc');
  assert.equal(pyStr("it's"), "it's");
  assert.equal(pyStr(''), '');
  assert.equal(pyStr(true), 'True');
  assert.equal(pyStr(false), 'False');
  assert.equal(pyStr(null), 'None');
});

test('pyStr: integer literals are Python ints of any size', () => {
  assert.equal(pyStr(ln('5')), '5');
  assert.equal(pyStr(ln('-17')), '-17');
  assert.equal(pyStr(ln('0')), '0');
  assert.equal(pyStr(ln('-0')), '0');
  assert.equal(pyStr(ln('123456789012345678901234567890')), '123456789012345678901234567890');
  assert.equal(pyStr(ln('-9007199254740993')), '-9007199254740993');
});

test('pyStr: float literals use Python repr(float)', () => {
  const cases: [string, string][] = [
    ['1.0', '1.0'],
    ['1.5', '1.5'],
    ['-1.5', '-1.5'],
    ['0.0', '0.0'],
    ['-0.0', '-0.0'],
    ['-0e0', '-0.0'],
    ['0.1', '0.1'],
    ['0.30000000000000004', '0.30000000000000004'],
    ['1e5', '100000.0'],
    ['1E5', '100000.0'],
    ['2.5e-3', '0.0025'],
    ['1e15', '1000000000000000.0'],
    ['999999999999999.9', '999999999999999.9'],
    ['1e16', '1e+16'],
    ['1.5e16', '1.5e+16'],
    ['123456789012345678.0', '1.2345678901234568e+17'],
    ['0.0001', '0.0001'],
    ['0.00012345', '0.00012345'],
    ['0.00001', '1e-05'],
    ['1.5e-7', '1.5e-07'],
    ['-1.5e-7', '-1.5e-07'],
    ['1e100', '1e+100'],
    ['1.7976931348623157e308', '1.7976931348623157e+308'],
    ['5e-324', '5e-324'],
    ['1e-400', '0.0'],
    ['1e400', 'inf'],
    ['-1e400', '-inf'],
    ['3.14159', '3.14159'],
    ['100.0', '100.0'],
    ['12345.678', '12345.678'],
  ];
  for (const [lit, want] of cases) assert.equal(pyStr(ln(lit)), want, lit);
});

test('pyStr: plain JS numbers (integers as int, others as float)', () => {
  assert.equal(pyStr(42), '42');
  assert.equal(pyStr(-0), '0');
  assert.equal(pyStr(1e21), '1000000000000000000000');
  assert.equal(pyStr(1.5), '1.5');
  assert.equal(pyStr(0.00001), '1e-05');
  assert.equal(pyStr(Infinity), 'inf');
  assert.equal(pyStr(-Infinity), '-inf');
  assert.equal(pyStr(NaN), 'nan');
  assert.equal(pyStr(12n), '12');
});

test('pyStr: lists and dicts use Python repr of their items', () => {
  assert.equal(pyStr([ln('1'), 'a', null, true]), "[1, 'a', None, True]");
  assert.equal(pyStr({ a: ln('1'), b: [ln('1.0')] }), "{'a': 1, 'b': [1.0]}");
  assert.equal(pyStr([]), '[]');
  assert.equal(pyStr({}), '{}');
  assert.equal(pyStr([[ln('1'), [false]], { 'x y': "it's" }]), `[[1, [False]], {'x y': "it's"}]`);
  assert.equal(pyStr({ b: 1, a: 2 }), "{'b': 1, 'a': 2}"); // insertion order, not sorted
  assert.equal(pyStr(new Map<unknown, unknown>([['k', 'v']])), "{'k': 'v'}");
});

test('pyStr: values decoded by lossless-json', () => {
  assert.equal(pyStr(fromJson('{"a": [1, 2.50, "x"], "b": {"c": null}}')), "{'a': [1, 2.5, 'x'], 'b': {'c': None}}");
  assert.equal(pyStr(fromJson('1e16')), '1e+16');
  assert.equal(pyStr(fromJson('-0')), '0');
});

test('pyRepr: quoting', () => {
  assert.equal(pyRepr('now'), "'now'");
  assert.equal(pyRepr(''), "''");
  assert.equal(pyRepr("it's"), `"it's"`);
  assert.equal(pyRepr('say "hi"'), `'say "hi"'`);
  assert.equal(pyRepr(`it's "x"`), `'it\\'s "x"'`);
  assert.equal(pyRepr('a\\b'), "'a\\\\b'");
});

test('pyRepr: escapes', () => {
  assert.equal(pyRepr('a\nb\rc\td'), "'a\\nb\\rc\\td'");
  assert.equal(pyRepr('\x00\x01\x1f\x7f'), "'\\x00\\x01\\x1f\\x7f'");
  assert.equal(pyRepr('\x85\xa0'), "'\\x85\\xa0'"); // C1 control and NBSP are not printable
  assert.equal(pyRepr('\u200b\u2028'), "'\\u200b\\u2028'");
  assert.equal(pyRepr('\ud800'), "'\\ud800'"); // lone surrogate
  assert.equal(pyRepr('\u{e0001}'), "'\\U000e0001'"); // format char outside the BMP
  assert.equal(pyRepr('a b'), "'a b'");
});

test('pyRepr: printable non-ASCII is kept', () => {
  assert.equal(pyRepr('žluťoučký kůň'), "'žluťoučký kůň'");
  assert.equal(pyRepr('日本語 😀'), "'日本語 😀'");
  assert.equal(pyRepr('é\xe9'), "'éé'");
});

test('pyRepr: non-strings equal pyStr', () => {
  assert.equal(pyRepr(null), 'None');
  assert.equal(pyRepr(ln('1.0')), '1.0');
  assert.equal(pyRepr(['a:b']), "['a:b']");
  assert.equal(pyRepr({ "k'": 'v"' }), `{"k'": 'v"'}`);
});

test('dataValues', () => {
  assert.deepEqual(dataValues('x'), ['x']);
  assert.deepEqual(dataValues(''), ['']);
  assert.deepEqual(dataValues([ln('1'), 'a', ln('1.0'), null, true, ['n'], { k: 'v' }]), [
    '1', 'a', '1.0', 'None', 'True', "['n']", "{'k': 'v'}",
  ]);
  assert.deepEqual(dataValues([]), []);
  assert.deepEqual(dataValues(ln('5')), ['5']);
  assert.deepEqual(dataValues(ln('1e16')), ['1e+16']);
  assert.deepEqual(dataValues(false), ['False']);
  assert.deepEqual(dataValues(null), ['None']);
  assert.deepEqual(dataValues({ a: [ln('1')] }), ["{'a': [1]}"]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { junitToResults, testcaseName } from '../../src/cli/junit.ts';
import { UsageError } from '../../src/cli/client.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

test('pytest report: one result per testcase with outcome, note and data', () => {
  const results = junitToResults(fixture('junit-pytest.xml'), { item: 'foo-1.0-1.fc40', type: 'koji_build' });
  assert.deepEqual(results, [
    { testcase: { name: 'pytest.tests.test_math.test_add' }, outcome: 'PASSED', data: { item: 'foo-1.0-1.fc40', type: 'koji_build', junit_time: '0.001' } },
    {
      testcase: { name: 'pytest.tests.test_math.test_divide' },
      outcome: 'FAILED',
      note: 'ZeroDivisionError: division by zero',
      data: { item: 'foo-1.0-1.fc40', type: 'koji_build', junit_time: '0.012' },
    },
    {
      testcase: { name: 'pytest.tests.test_math.test_windows_only' },
      outcome: 'INFO',
      note: 'requires Windows',
      data: { item: 'foo-1.0-1.fc40', type: 'koji_build', junit_time: '0.000' },
    },
    {
      testcase: { name: 'pytest.tests.test_io.test_read[utf-8]' },
      outcome: 'ERROR',
      note: 'failed on setup with "FileNotFoundError: data.txt"',
      data: { item: 'foo-1.0-1.fc40', type: 'koji_build', junit_time: '0.005' },
    },
    { testcase: { name: 'pytest.tests.test_io.test_read[latin-1]' }, outcome: 'PASSED', data: { item: 'foo-1.0-1.fc40', type: 'koji_build', junit_time: '0.004' } },
  ]);
});

test('surefire report with nested suites: innermost suite name, repeated class name dropped', () => {
  const results = junitToResults(fixture('junit-surefire-nested.xml'), { item: 'app-2.3', prefix: 'maven', note: 'nightly' });
  assert.deepEqual(
    results.map((r) => [r.testcase.name, r.outcome, r.note]),
    [
      ['maven.com.example.ParserTest.parsesEmptyInput', 'PASSED', 'nightly'],
      ['maven.com.example.ParserTest.rejectsGarbage', 'FAILED', 'expected: <400> but was: <200>'],
      // a flaky failure was retried and passed
      ['maven.com.example.ParserTest.flakyNetwork', 'PASSED', 'nightly'],
      ['maven.com.example.io.ReaderTest.readsLargeFiles', 'INFO', 'nightly'],
      ['maven.Nested.com.example.io.ReaderTest$Nested.readsUtf8', 'PASSED', 'nightly'],
    ],
  );
  // no --type given: no type key; no time attribute: no junit_time
  assert.deepEqual(results[3].data, { item: 'app-2.3' });
  assert.deepEqual(results[0].data, { item: 'app-2.3', junit_time: '0.01' });
});

test('root <testsuite> without wrapper and without suite name or classname', () => {
  const xml = '<testsuite><testcase name="only"/><testcase classname="" name="second"><error/></testcase></testsuite>';
  assert.deepEqual(
    junitToResults(xml, { item: 'x' }).map((r) => [r.testcase.name, r.outcome, r.note]),
    [['only', 'PASSED', undefined], ['second', 'ERROR', undefined]],
  );
});

test('error wins over failure, failure over skipped', () => {
  const xml = `<testsuite name="s">
    <testcase name="a"><failure message="f"/><error message="e"/></testcase>
    <testcase name="b"><skipped message="s"/><failure message="f"/></testcase>
  </testsuite>`;
  assert.deepEqual(junitToResults(xml, { item: 'x' }).map((r) => [r.outcome, r.note]), [['ERROR', 'e'], ['FAILED', 'f']]);
});

test('long messages are truncated to 1000 characters', () => {
  const xml = `<testsuite name="s"><testcase name="t"><failure message="${'x'.repeat(5000)}">trace</failure></testcase></testsuite>`;
  const [r] = junitToResults(xml, { item: 'x' });
  assert.equal(r.note!.length, 1000);
  assert.ok(r.note!.endsWith('…'));
});

test('a UTF-8 byte order mark is tolerated', () => {
  assert.equal(junitToResults('\uFEFF<testsuite name="s"><testcase name="t"/></testsuite>', { item: 'x' }).length, 1);
});

test('malformed XML is a usage error naming the line', () => {
  assert.throws(() => junitToResults(fixture('junit-malformed.xml'), { item: 'x' }), (err: Error) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /^malformed XML at line \d+/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
  assert.throws(() => junitToResults('', { item: 'x' }), UsageError);
  assert.throws(() => junitToResults('not xml at all', { item: 'x' }), UsageError);
});

test('a report without test cases, or not JUnit at all, is a usage error', () => {
  assert.throws(() => junitToResults(fixture('junit-empty.xml'), { item: 'x' }), /no <testcase> elements/);
  assert.throws(() => junitToResults('<html><body/></html>', { item: 'x' }), UsageError);
});

test('a testcase without a name is rejected', () => {
  assert.throws(() => junitToResults('<testsuite name="s"><testcase classname="c"/></testsuite>', { item: 'x' }), /no name attribute/);
});

test('testcaseName skips empty and repeated parts', () => {
  assert.equal(testcaseName([undefined, 'suite', '', 'name']), 'suite.name');
  assert.equal(testcaseName(['p', 'a.B', 'a.B', 'm']), 'p.a.B.m');
  assert.equal(testcaseName(['', ' ', 'n']), 'n');
});

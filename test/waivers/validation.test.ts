/** POST /api/v1.0/waivers/ validation: pydantic v2's Union[CreateWaiver, List[CreateWaiver]] errors, exactly. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidation, type ExpectedError } from '../helpers/http.ts';
import { body, create, perStore, refused, uniq } from '../helpers/waivers.ts';

const LIST = 'list[CreateWaiver]';
const notList = (input: unknown): ExpectedError => ({ input, loc: [LIST], msg: 'Input should be a valid list', type: 'list_type' });
const notModel = (input: unknown, loc: (string | number)[] = ['CreateWaiver']): ExpectedError =>
  ({ input, loc, msg: 'Input should be a valid dictionary or instance of CreateWaiver', type: 'model_type' });
const missing = (input: unknown, ...loc: (string | number)[]): ExpectedError => ({ input, loc, msg: 'Field required', type: 'missing' });
const valueError = (input: unknown, msg: string, loc: (string | number)[] = ['CreateWaiver']): ExpectedError =>
  ({ input, loc, msg: `Value error, ${msg}`, type: 'value_error' });

const TESTCASE_MISSING = 'Argument testcase is missing';
const RESULT_ID_CONFLICT = 'result_id argument should not be used together with arguments: subject_identifier, subject_type, subject, testcase, scenario';
const SUBJECT_CONFLICT = 'subject argument should not be used together with arguments: subject_identifier, subject_type';
const NO_SUBJECT = 'subject must be defined using result_id or subject or both subject_identifier, subject_type';

perStore('POST /waivers/ validation', {}, (ctx) => {
  it('missing required fields: each at ["CreateWaiver", field], then the list member error', async (t) => {
    if (ctx.skip(t)) return;
    const payload = { subject_type: 'koji_build', subject_identifier: 'a-1-1', testcase: 'dist.x' };
    assertValidation(await refused(ctx.app, payload), [
      missing(payload, 'CreateWaiver', 'product_version'),
      missing(payload, 'CreateWaiver', 'comment'),
      notList(payload),
    ]);
  });

  it('empty strings, wrong types and lax-parsing failures, in model field order', async (t) => {
    if (ctx.skip(t)) return;
    const payload = {
      comment: '', product_version: '', waived: 'maybe', result_id: 1.5, subject: 'nvr', testcase: 7, subject_type: null, scenario: ['s'],
      username: false, expires_at: 'soon',
    };
    assertValidation(await refused(ctx.app, payload), [
      { input: 7, loc: ['CreateWaiver', 'testcase'], msg: 'Input should be a valid string', type: 'string_type' },
      { input: 'nvr', loc: ['CreateWaiver', 'subject'], msg: 'Input should be a valid dictionary or instance of TestSubject', type: 'model_type' },
      { input: 1.5, loc: ['CreateWaiver', 'result_id'], msg: 'Input should be a valid integer, got a number with a fractional part', type: 'int_from_float' },
      { input: 'maybe', loc: ['CreateWaiver', 'waived'], msg: 'Input should be a valid boolean, unable to interpret input', type: 'bool_parsing' },
      { input: '', loc: ['CreateWaiver', 'product_version'], msg: 'String should have at least 1 character', type: 'string_too_short' },
      { input: '', loc: ['CreateWaiver', 'comment'], msg: 'String should have at least 1 character', type: 'string_too_short' },
      { input: false, loc: ['CreateWaiver', 'username'], msg: 'Input should be a valid string', type: 'string_type' },
      { input: ['s'], loc: ['CreateWaiver', 'scenario'], msg: 'Input should be a valid string', type: 'string_type' },
      { input: 'soon', loc: ['CreateWaiver', 'expires_at'], msg: 'Input should be a valid datetime, expected ISO 8601 such as 2030-01-31T12:00:00Z', type: 'datetime_parsing' },
      notList(payload),
    ]);
  });

  it('more type errors: waived null/list, result_id string/list, nested subject fields, expires_at number', async (t) => {
    if (ctx.skip(t)) return;
    const { subject_type: _, ...rest } = body();
    const payload = { ...rest, waived: null, result_id: 'abc', subject: { item: 5, 'productmd.compose.id': [] }, expires_at: 5 };
    assertValidation(await refused(ctx.app, payload), [
      { input: 5, loc: ['CreateWaiver', 'subject', 'item'], msg: 'Input should be a valid string', type: 'string_type' },
      { input: [], loc: ['CreateWaiver', 'subject', 'productmd.compose.id'], msg: 'Input should be a valid string', type: 'string_type' },
      { input: 'abc', loc: ['CreateWaiver', 'result_id'], msg: 'Input should be a valid integer, unable to parse string as an integer', type: 'int_parsing' },
      { input: null, loc: ['CreateWaiver', 'waived'], msg: 'Input should be a valid boolean', type: 'bool_type' },
      { input: 5, loc: ['CreateWaiver', 'expires_at'], msg: 'Input should be a valid datetime', type: 'datetime_type' },
      notList(payload),
    ]);
    const listy = body({ waived: [true], result_id: [1] });
    assertValidation(await refused(ctx.app, listy), [
      { input: [1], loc: ['CreateWaiver', 'result_id'], msg: 'Input should be a valid integer', type: 'int_type' },
      { input: [true], loc: ['CreateWaiver', 'waived'], msg: 'Input should be a valid boolean', type: 'bool_type' },
      notList(listy),
    ]);
  });

  it('model validators, in upstream order, only once every field is valid', async (t) => {
    if (ctx.skip(t)) return;
    const base = { product_version: 'fedora-40', comment: 'c' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, subject_type: 'koji_build', subject_identifier: 'a-1-1' }, TESTCASE_MISSING],
      [{ ...base, testcase: null, subject_type: 'koji_build', subject_identifier: 'a-1-1' }, TESTCASE_MISSING],
      [{ ...base, result_id: 1, testcase: 'dist.x' }, RESULT_ID_CONFLICT],
      [{ ...base, result_id: 1, scenario: 's' }, RESULT_ID_CONFLICT],
      [{ ...base, result_id: 0, subject: {} }, RESULT_ID_CONFLICT],
      [{ ...base, testcase: 'dist.x', subject: { type: 'koji_build', item: 'a' }, subject_type: 'koji_build' }, SUBJECT_CONFLICT],
      [{ ...base, testcase: 'dist.x', subject: {}, subject_identifier: 'a' }, SUBJECT_CONFLICT],
      [{ ...base, testcase: 'dist.x' }, NO_SUBJECT],
      [{ ...base, testcase: 'dist.x', subject_type: 'koji_build' }, NO_SUBJECT],
      [{ ...base, testcase: 'dist.x', subject_identifier: 'a-1-1', subject: null }, NO_SUBJECT],
    ];
    for (const [payload, msg] of cases) assertValidation(await refused(ctx.app, payload), [valueError(payload, msg), notList(payload)]);
    // A field error hides the model validators.
    const both = { comment: 'c', testcase: 'dist.x' };
    assertValidation(await refused(ctx.app, both), [missing(both, 'CreateWaiver', 'product_version'), notList(both)]);
  });

  it('lax bool and int parsing accept what pydantic accepts', async (t) => {
    if (ctx.skip(t)) return;
    const cases: [unknown, boolean][] = [[false, false], [0, false], ['no', false], ['OFF', false], ['f', false], [1, true], ['YES', true], ['t', true], ['on', true]];
    for (const [waived, want] of cases) {
      const w = await create(ctx.app, body({ subject_identifier: uniq(), waived }));
      assert.equal(w.waived, want, JSON.stringify(waived));
    }
    const two = body({ waived: 2 });
    assertValidation(await refused(ctx.app, two), [
      { input: 2, loc: ['CreateWaiver', 'waived'], msg: 'Input should be a valid boolean, unable to interpret input', type: 'bool_parsing' },
      notList(two),
    ]);
  });

  it('a list body: the object member fails with model_type, each item is reported by index', async (t) => {
    if (ctx.skip(t)) return;
    const good = body({ subject_identifier: uniq() });
    const payload = [good, { comment: 'c', product_version: 'p' }, 'x', { ...good, comment: 5 }];
    assertValidation(await refused(ctx.app, payload), [
      notModel(payload),
      valueError(payload[1], TESTCASE_MISSING, [LIST, 1]),
      notModel('x', [LIST, 2]),
      { input: 5, loc: [LIST, 3, 'comment'], msg: 'Input should be a valid string', type: 'string_type' },
    ]);
  });

  it('an empty list, a string, a number and null are refused', async (t) => {
    if (ctx.skip(t)) return;
    assertValidation(await refused(ctx.app, []), [
      notModel([]),
      { input: [], loc: [LIST], msg: 'List should have at least 1 item after validation, not 0', type: 'too_short' },
    ]);
    for (const payload of ['"nvr"', '5', 'null']) {
      const input = JSON.parse(payload);
      assertValidation(await refused(ctx.app, payload), [notModel(input), notList(input)]);
    }
  });
});

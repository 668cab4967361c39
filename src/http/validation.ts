import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Type, type TSchema } from 'typebox';

/** One entry of a pydantic-style `validation_error` list, the shape ResultsDB clients parse. */
export interface FieldError {
  input: unknown;
  loc: (string | number)[];
  msg: string;
  type: string;
  url?: string;
}

/** Thrown by handlers; the error handler answers 400 `{"validation_error": [...]}`. */
export class ValidationFailed extends Error {
  constructor(readonly errors: FieldError[]) {
    super('validation failed');
  }
}

const PYDANTIC_DOCS = 'https://errors.pydantic.dev/2.10/v/';

export function fieldError(input: unknown, loc: (string | number)[], type: string, msg: string): FieldError {
  return { input, loc, msg, type, url: PYDANTIC_DOCS + type };
}

/** PostgreSQL text cannot hold NUL: every API refuses it the same way, on both stores. */
export const NUL_MSG = 'Value error, NUL characters are not allowed';

/** The 400 body of a failed validation, for the OpenAPI document of every API. */
export const ValidationErrorBody = Type.Object({
  validation_error: Type.Array(
    Type.Object({
      input: Type.Unknown(),
      loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
      msg: Type.String(),
      type: Type.String(),
      url: Type.Optional(Type.String()),
    }),
  ),
});

export function valueError(input: unknown, field: string, msg: string): FieldError {
  return fieldError(input, [field], 'value_error', `Value error, ${msg}`);
}

const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false });

const TYPE_ERRORS: Record<string, [string, string]> = {
  string: ['string_type', 'Input should be a valid string'],
  object: ['dict_type', 'Input should be a valid dictionary'],
  array: ['list_type', 'Input should be a valid list'],
  integer: ['int_type', 'Input should be a valid integer'],
  number: ['float_type', 'Input should be a valid number'],
  boolean: ['bool_type', 'Input should be a valid boolean'],
};

/**
 * Validates a JSON body against a TypeBox schema and reports each failing top-level field once,
 * with pydantic's wording; field order follows the schema, as pydantic reports in model order.
 */
export function compileBodyValidator(schema: TSchema): (body: Record<string, unknown>) => FieldError[] {
  const validate: ValidateFunction = ajv.compile(schema);
  const order = Object.keys((schema as { properties?: object }).properties ?? {});
  return (body) => {
    if (validate(body)) return [];
    const byField = new Map<string, ErrorObject[]>();
    for (const e of validate.errors ?? []) {
      const field = isMissing(e) ? String(e.params.missingProperty) : e.instancePath.split('/')[1];
      if (!byField.has(field)) byField.set(field, []);
      byField.get(field)!.push(e);
    }
    return [...byField.entries()]
      .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
      .map(([field, errs]) => toFieldError(body, field, errs));
  };
}

/** A missing top-level field; a nested `required` (`testcase: {}`) is an error of the field it is in. */
function isMissing(e: ErrorObject): boolean {
  return e.keyword === 'required' && e.instancePath === '';
}

function toFieldError(body: Record<string, unknown>, field: string, errs: ErrorObject[]): FieldError {
  const input = body[field];
  if (errs.some(isMissing)) return fieldError(body, [field], 'missing', 'Field required');
  const short = errs.find((e) => e.keyword === 'minLength' && e.instancePath === `/${field}`);
  if (short) {
    const n = Number(short.params.limit);
    return fieldError(input, [field], 'string_too_short', `String should have at least ${n} character${n === 1 ? '' : 's'}`);
  }
  const typed = errs.find((e) => e.keyword === 'type' && e.params.type !== 'null' && e.instancePath === `/${field}`);
  const [type, msg] = TYPE_ERRORS[String(typed?.params.type ?? 'string')] ?? TYPE_ERRORS.string;
  return fieldError(input, [field], type, msg);
}

/** pydantic's lax int parsing of a query parameter. */
export function parseIntParam(raw: string | undefined, field: string, fallback: number): number {
  if (raw === undefined) return fallback;
  // pydantic's lax int from a string: an all-zero fraction is dropped ("1.0", "1." are 1).
  if (!/^\s*[+-]?\d+(\.0*)?\s*$/.test(raw)) {
    throw new ValidationFailed([
      fieldError(raw, [field], 'int_parsing', 'Input should be a valid integer, unable to parse string as an integer'),
    ]);
  }
  return Number.parseInt(raw, 10);
}

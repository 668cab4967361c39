import { Type, type Static, type TSchema } from 'typebox';
import { Permission } from '../auth/identity.ts';

/**
 * Payload schemas of the WaiverDB v1.0 API, for the OpenAPI document. Requests are validated by
 * validate.ts, which reproduces pydantic's error shapes; these schemas describe the same fields.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const OptStr = (description?: string) => Type.Optional(Nullable(Type.String(description ? { description } : {})));

export const TestSubject = Type.Object(
  {
    type: OptStr(),
    item: OptStr(),
    original_spec_nvr: OptStr('means type koji_build'),
    'productmd.compose.id': OptStr('means type compose'),
  },
  { description: 'legacy subject (WaiverDB < 0.11)' },
);

export const CreateWaiver = Type.Object({
  subject_type: OptStr('e.g. koji_build, bodhi_update, compose (brew-build is stored as koji_build)'),
  subject_identifier: OptStr('NVR, update id, compose id…'),
  testcase: OptStr('required unless result_id is given'),
  subject: Type.Optional(Nullable(TestSubject)),
  result_id: Type.Optional(Nullable(Type.Integer({ description: 'legacy: subject, testcase and scenario taken from this result' }))),
  waived: Type.Optional(Type.Boolean({ default: true, description: 'false revokes an earlier waiver' })),
  product_version: Type.String({ minLength: 1 }),
  comment: Type.String({ minLength: 1 }),
  username: OptStr('waive on behalf of this user (superusers only)'),
  scenario: OptStr(),
  expires_at: OptStr('ISO 8601; the waiver waives nothing from then on (resultsdb extension)'),
});

export const CreateWaiverBody = Type.Union([CreateWaiver, Type.Array(CreateWaiver, { minItems: 1 })], {
  description: 'one waiver, or a list created all-or-nothing',
});

const Filters = {
  subject_type: OptStr(),
  subject_identifier: OptStr(),
  testcase: OptStr(),
  scenario: OptStr(),
  product_version: OptStr(),
  username: OptStr(),
  proxied_by: OptStr(),
  since: OptStr('ISO 8601 start, or start,end (inclusive, either may be empty)'),
};

export const WaiversQuery = Type.Object({
  ...Filters,
  include_obsolete: Type.Optional(Type.Boolean({ default: false })),
  page: Type.Optional(Type.Integer({ default: 1 })),
  limit: Type.Optional(Type.Integer({ default: 10 })),
  callback: Type.Optional(Type.String({ description: 'JSONP' })),
});

export const WaiverFilter = Type.Object(Filters);

export const FilterWaiversBody = Type.Object({
  filters: Type.Array(WaiverFilter, { minItems: 1, description: 'OR-ed; keys inside one filter are AND-ed' }),
  include_obsolete: Type.Optional(Type.Boolean({ default: false })),
});

export const BySubjectsBody = Type.Object({
  results: Type.Optional(Nullable(Type.Array(Type.Object({ testcase: Type.String(), subject: TestSubject })))),
  testcase: OptStr('ignored, as upstream'),
  product_version: OptStr(),
  username: OptStr(),
  proxied_by: OptStr(),
  since: OptStr(),
  include_obsolete: Type.Optional(Type.Boolean({ default: false })),
});

export const Waiver = Type.Object({
  id: Type.Integer(),
  subject_type: Type.String(),
  subject_identifier: Type.String(),
  subject: Type.Record(Type.String(), Type.String()),
  testcase: Type.String(),
  username: Type.String(),
  scenario: Nullable(Type.String()),
  proxied_by: Nullable(Type.String()),
  product_version: Type.String(),
  waived: Type.Boolean(),
  comment: Type.String(),
  timestamp: Type.String(),
  expires_at: Type.Optional(Type.String({ description: 'only present when the waiver has one' })),
});
export type Waiver = Static<typeof Waiver>;

export const WaiversPage = Type.Object({
  data: Type.Array(Waiver),
  prev: Nullable(Type.String()),
  next: Nullable(Type.String()),
  first: Nullable(Type.String()),
  last: Nullable(Type.String()),
});
export const WaiversData = Type.Object({ data: Type.Array(Waiver) });

export const About = Type.Object({ version: Type.String(), auth_method: Type.String(), auth_methods: Type.Array(Type.String()) });
export const Config = Type.Object({ permission_mapping: Type.Object({}), superusers: Type.Array(Type.String()) });
export const Permissions = Type.Array(Permission);
export const PermissionsQuery = Type.Object({
  testcase: Type.Optional(Type.String({ description: 'only entries applying to this testcase' })),
  html: Type.Optional(Type.Boolean({ description: 'an HTML table instead of JSON' })),
});

export const Message = Type.Object({ message: Type.Unknown() });
export { ValidationErrorBody as ValidationError } from '../http/validation.ts';

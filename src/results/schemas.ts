import { Type, type Static, type TSchema } from 'typebox';

/** The payload schemas of the results API: validation, TypeScript types and the OpenAPI document. */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const GroupRef = Type.Union(
  [
    Type.String({ description: 'uuid of an existing or new group' }),
    Type.Object(
      {
        uuid: Type.Optional(Nullable(Type.String())),
        description: Type.Optional(Nullable(Type.String())),
        ref_url: Type.Optional(Nullable(Type.String())),
      },
      { description: 'group upserted with the result; a missing uuid makes a new one' },
    ),
  ],
);

export const CreateResultBody = Type.Object(
  {
    outcome: Type.String({ minLength: 1, description: 'PASSED, INFO, FAILED, NEEDS_INSPECTION or a configured extra' }),
    testcase: Type.Union([
      Type.String({ minLength: 1 }),
      Type.Object({ name: Type.String({ minLength: 1 }), ref_url: Type.Optional(Nullable(Type.String())) }),
    ]),
    groups: Type.Optional(Nullable(Type.Array(GroupRef))),
    note: Type.Optional(Nullable(Type.String())),
    data: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
    ref_url: Type.Optional(Nullable(Type.String())),
    submit_time: Type.Optional(
      Type.Union([Type.Integer(), Type.String(), Type.Null()], {
        description: 'milliseconds since the epoch, or YYYY-MM-DDTHH:MM:SS.ffffff[Z|±HH:MM]',
      }),
    ),
  },
  { additionalProperties: true },
);
export type CreateResultBody = Static<typeof CreateResultBody>;

export const CreateGroupBody = Type.Object(
  {
    uuid: Type.Optional(Nullable(Type.String())),
    description: Type.Optional(Nullable(Type.String())),
    ref_url: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: true },
);
export type CreateGroupBody = Static<typeof CreateGroupBody>;

export const CreateTestcaseBody = Type.Object(
  { name: Type.String({ minLength: 1 }), ref_url: Type.Optional(Nullable(Type.String())) },
  { additionalProperties: true },
);
export type CreateTestcaseBody = Static<typeof CreateTestcaseBody>;

const PageParams = {
  page: Type.Optional(Type.Integer({ default: 0 })),
  limit: Type.Optional(Type.Integer({ default: 20 })),
};

export const ResultsQuery = Type.Object(
  {
    ...PageParams,
    since: Type.Optional(Type.String({ description: 'ISO 8601 start[,end], inclusive' })),
    outcome: Type.Optional(Type.String({ description: 'comma-separated outcomes' })),
    groups: Type.Optional(Type.String({ description: 'comma-separated group uuids' })),
    testcases: Type.Optional(Type.String({ description: 'comma-separated testcase names' })),
    'testcases:like': Type.Optional(Type.String({ description: 'comma-separated patterns, * is a wildcard' })),
    _sort: Type.Optional(Type.String({ description: 'asc:submit_time or desc:submit_time' })),
    _distinct_on: Type.Optional(Type.String({ description: '/results/latest only: comma-separated data keys' })),
  },
  { additionalProperties: Type.String({ description: 'any other key filters on result data: key=v1,v2 or key:like=p*' }) },
);

export const GroupsQuery = Type.Object(
  {
    ...PageParams,
    uuid: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    'description:like': Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const TestcasesQuery = Type.Object(
  { ...PageParams, name: Type.Optional(Type.String()), 'name:like': Type.Optional(Type.String()) },
  { additionalProperties: true },
);

export const Testcase = Type.Object({ href: Type.String(), name: Type.String(), ref_url: Nullable(Type.String()) });
export const Group = Type.Object({
  description: Nullable(Type.String()),
  href: Type.String(),
  ref_url: Nullable(Type.String()),
  results: Type.String(),
  results_count: Type.Integer(),
  uuid: Type.String(),
});
export const Result = Type.Object({
  data: Type.Record(Type.String(), Type.Array(Type.String())),
  groups: Type.Array(Type.String()),
  href: Type.String(),
  id: Type.Integer(),
  note: Nullable(Type.String()),
  outcome: Type.String(),
  ref_url: Nullable(Type.String()),
  submit_time: Type.String(),
  testcase: Testcase,
});
export type Result = Static<typeof Result>;
export type Testcase = Static<typeof Testcase>;
export type Group = Static<typeof Group>;

const Page = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), next: Nullable(Type.String()), prev: Nullable(Type.String()) });
export const ResultsPage = Page(Result);
export const GroupsPage = Page(Group);
export const TestcasesPage = Page(Testcase);
export const LatestResults = Type.Object({ data: Type.Array(Result) });

export const Message = Type.Object({ message: Type.String() });
export { ValidationErrorBody as ValidationError } from '../http/validation.ts';

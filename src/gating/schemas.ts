/**
 * The Greenwave API's payloads, for the OpenAPI document. Requests are checked by
 * request.ts in Greenwave's order and with its messages, which a schema validator cannot give.
 */
import { Type } from 'typebox';

export const Message = Type.Object({ message: Type.String() });

const Rule = Type.Object(
  {
    type: Type.Union([Type.Literal('PassingTestCaseRule'), Type.Literal('RemoteRule')]),
    test_case_name: Type.Optional(Type.String()),
    scenario: Type.Optional(Type.String()),
    required: Type.Optional(Type.Boolean()),
    sources: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true },
);

export const DecisionRequest = Type.Object(
  {
    product_version: Type.String(),
    decision_context: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    subject_type: Type.Optional(Type.String()),
    subject_identifier: Type.Optional(Type.String()),
    subject: Type.Optional(Type.Array(Type.Record(Type.String(), Type.String()), { description: 'several subjects as ResultsDB-style data dicts' })),
    verbose: Type.Optional(Type.Boolean()),
    when: Type.Optional(Type.String({ description: 'ISO 8601: decide as of this instant' })),
    ignore_result: Type.Optional(Type.Array(Type.Integer())),
    ignore_waiver: Type.Optional(Type.Array(Type.Integer())),
    rules: Type.Optional(Type.Array(Rule, { description: 'an on-demand policy instead of decision_context' })),
  },
  { additionalProperties: true },
);

const Requirement = Type.Object({ type: Type.String() }, { additionalProperties: true });

export const DecisionResponse = Type.Object({
  policies_satisfied: Type.Boolean(),
  summary: Type.String(),
  satisfied_requirements: Type.Array(Requirement),
  unsatisfied_requirements: Type.Array(Requirement),
  applicable_policies: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Null()]))),
  results: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
  waivers: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
});

export const PoliciesResponse = Type.Object({ policies: Type.Array(Type.Object({ id: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: true })) });
export const SubjectTypesResponse = Type.Object({ subject_types: Type.Array(Type.Object({ id: Type.String() }, { additionalProperties: true })) });

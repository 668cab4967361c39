import { isTestAnswer, type FinalAnswer } from './answers.ts';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Test categories, in the order the summary lists them. */
const TEST_CATEGORIES: [kind: string, one: string, many: string][] = [
  ['missing', 'result missing', 'results missing'],
  ['errored', 'test errored', 'tests errored'],
  ['failed', 'test failed', 'tests failed'],
  ['incomplete', 'test incomplete', 'tests incomplete'],
];

/** Remote rule file problems, in alphabetical order of their wording. */
const FILE_CATEGORIES: [kind: string, one: string, many: string][] = [
  ['invalid-gating-yaml', 'error due to invalid remote rule file', 'errors due to invalid remote rule file'],
  ['missing-gating-yaml', 'error due to missing remote rule file', 'errors due to missing remote rule file'],
  ['failed-fetch-gating-yaml', 'error while trying to fetch remote rule file', 'errors while trying to fetch remote rule file'],
];

/** Greenwave's one-sentence summary of the final (waived) answers. */
export function summarize(answers: readonly FinalAnswer[]): string {
  const count = (kind: string) => answers.filter((a) => a.kind === kind).length;
  const parts = (cats: typeof TEST_CATEGORIES) =>
    cats.filter(([kind]) => count(kind) > 0).map(([kind, one, many]) => plural(count(kind), one, many));
  const total = answers.filter(isTestAnswer).length;
  const fileProblems = parts(FILE_CATEGORIES).join(', ');
  const testProblems = parts(TEST_CATEGORIES);
  const testPart = testProblems.length ? `Of ${plural(total, 'required test', 'required tests')}, ${testProblems.join(', ')}` : '';
  if (fileProblems && testPart) return `${fileProblems}. ${testPart}`;
  if (fileProblems || testPart) return fileProblems || testPart;
  return total > 0 ? `All required tests (${total} total) have passed or been waived` : 'No tests are required';
}

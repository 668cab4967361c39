/** The classic four first, in this order (clients show it), then the CI states; configured extras follow. */
export const DEFAULT_OUTCOMES = ['PASSED', 'INFO', 'FAILED', 'NEEDS_INSPECTION', 'QUEUED', 'RUNNING', 'ERROR'];

export function allowedOutcomes(extra: readonly string[]): string[] {
  const out = [...DEFAULT_OUTCOMES];
  for (const o of extra.map((x) => x.toUpperCase())) if (!out.includes(o)) out.push(o);
  return out;
}

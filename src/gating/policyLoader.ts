/** Server policies from a directory of `*.yaml` files (Greenwave's POLICIES_DIR), checked for duplicate ids. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PolicyError, type Policy } from './model.ts';
import { parseServerPolicies } from './policyYaml.ts';

/** Why a path could not be read, in words rather than an errno name. */
function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'ENOTDIR') return 'not a directory';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}

/** The `*.yaml` files directly in `dir` (not hidden ones, as Python's glob), sorted by name. */
export function policyFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new PolicyError(`cannot read policy directory ${dir}: ${reason(err)}`);
  }
  return names
    .filter((n) => n.endsWith('.yaml') && !n.startsWith('.'))
    .sort()
    .map((n) => join(dir, n))
    .filter((f) => statSync(f, { throwIfNoEntry: false })?.isFile());
}

/** Every policy of every file, in file-name order then document order; a repeated id is an error. */
export function loadPolicyDir(dir: string): Policy[] {
  const policies: Policy[] = [];
  const seen = new Map<string, string>();
  for (const file of policyFiles(dir)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new PolicyError(`${file}: cannot read: ${reason(err)}`);
    }
    for (const p of parseServerPolicies(text, file)) {
      // Server policies always have an id; a decision names policies by it, so it must be unique.
      const id = p.id ?? '';
      const first = seen.get(id);
      if (first !== undefined) throw new PolicyError(`${file}: Policy '${id}': duplicate policy id (also in ${first})`);
      seen.set(id, file);
      policies.push(p);
    }
  }
  return policies;
}

/** `./policies` (absolute) when that directory exists, else null. */
export function defaultPolicyDir(): string | null {
  const dir = resolve('policies');
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? dir : null;
}

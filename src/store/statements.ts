import { CompiledQuery, type Compilable } from 'kysely';
import type { Store } from './connection.ts';

/**
 * Statements built once per shape. Under load, building and compiling a Kysely query cost the server
 * more CPU than handling PostgreSQL's answer (by-item page, A/B: 0.72 → 0.52 ms of server CPU per
 * request), so a hot read is built once with placeholders (slots) in place of its values, compiled,
 * and every later run binds the actual values in their places. The shape names everything else the
 * SQL text or its constant parameters depend on.
 */

/** Stands in for the i-th value while a shape is built; it must only ever reach the query as a value. */
export class Slot {
  constructor(readonly index: number) {}
  // Arithmetic or string building with a slot would bake a wrong constant into the shape: refuse it.
  valueOf(): never {
    throw new Error('a statement slot was used other than as a query value');
  }
  toString(): never {
    return this.valueOf();
  }
}

/** Slots for `values`, in order: what a builder gets instead of the values themselves. */
export const slotsFor = <T>(values: readonly T[], first = 0): T[] => values.map((_, i) => new Slot(first + i) as unknown as T);

/** A statement's values collected in order (`values`, for runShape), each list handed back as its slots. */
export function valueSlots(): { values: unknown[]; slots: <T>(xs: readonly T[]) => T[] } {
  const values: unknown[] = [];
  const slots = <T>(xs: readonly T[]): T[] => {
    const out = slotsFor(xs, values.length);
    values.push(...xs);
    return out;
  };
  return { values, slots };
}

/** Beyond this many shapes per store, new ones are built every time (a bound against unusual callers). */
const MAX_SHAPES = 1000;
const compiled = new WeakMap<Store, Map<string, CompiledQuery>>();

function bind(parameter: unknown, values: readonly unknown[]): unknown {
  if (parameter instanceof Slot) return values[parameter.index];
  // PostgreSQL lists travel as one array parameter (dialect.inList): an array of slots.
  return Array.isArray(parameter) ? parameter.map((p) => bind(p, values)) : parameter;
}

/**
 * Runs the statement of `shape` with `values`: `build` (called with the slots already in its inputs)
 * only runs the first time a shape is seen.
 */
export async function runShape<R>(store: Store, shape: string, values: readonly unknown[], build: () => Compilable<R>): Promise<R[]> {
  let shapes = compiled.get(store);
  if (!shapes) compiled.set(store, (shapes = new Map()));
  let query = shapes.get(shape);
  if (!query) {
    query = build().compile();
    if (shapes.size < MAX_SHAPES) shapes.set(shape, query);
  }
  const result = await store.db.executeQuery<R>(CompiledQuery.raw(query.sql, query.parameters.map((p) => bind(p, values))));
  return result.rows;
}

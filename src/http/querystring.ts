/** The query string as ordered (key, value) pairs, decoded as Werkzeug does (`+` is a space). */
export type QueryPairs = [string, string][];

export function parseQuery(rawUrl: string): QueryPairs {
  const q = rawUrl.indexOf('?');
  if (q < 0) return [];
  const pairs: QueryPairs = [];
  for (const part of rawUrl.slice(q + 1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    pairs.push([key, eq < 0 ? '' : decode(part.slice(eq + 1))]);
  }
  return pairs;
}

function decode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    // Malformed escapes stay literal, as in Werkzeug, instead of failing the request.
    return plus.replace(/(%[0-9a-fA-F]{2})+/g, (m) => {
      try {
        return decodeURIComponent(m);
      } catch {
        return m;
      }
    });
  }
}

/** First value of a key: ResultsDB's reserved parameters ignore repetitions. */
export function first(pairs: QueryPairs, key: string): string | undefined {
  for (const [k, v] of pairs) if (k === key) return v;
  return undefined;
}

/** Comma-separated list of a reserved parameter: items trimmed, empty ones dropped. */
export function firstList(pairs: QueryPairs, key: string): string[] {
  const v = first(pairs, key);
  return v === undefined ? [] : v.split(',').map((s) => s.trim()).filter(Boolean);
}

import type { FastifyRequest } from 'fastify';

/**
 * Scheme, host and script prefix of the request, honouring the reverse-proxy headers ResultsDB honours
 * (X-Forwarded-Host, X-Forwarded-Scheme, X-Script-Name) so hrefs stay absolute and correct behind a proxy.
 */
export function hostUrl(req: FastifyRequest): string {
  const h = req.headers;
  const scheme = header(h['x-forwarded-scheme']) || 'http';
  const host = header(h['x-forwarded-host']) || header(h.host) || 'localhost';
  return `${scheme}://${host}${scriptName(req)}`;
}

export function scriptName(req: FastifyRequest): string {
  return (header(req.headers['x-script-name']) ?? '').replace(/\/+$/, '');
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Percent-encodes a path segment as Flask's url_for does, keeping `/` so testcase names stay readable. */
export function quotePath(s: string): string {
  return encodeURIComponent(s).replace(/%(2F|3A|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi, (m) =>
    decodeURIComponent(m),
  );
}

/**
 * Percent-encodes a query value as url_for does for query arguments (Werkzeug 3: Python's urlencode
 * with safe `!$'()*,/:;?@`, a space as `+`), so that the link gives the value back exactly.
 */
export function quoteQueryValue(s: string): string {
  return quoteUnsafe(s, "!$'()*,/:;?@").replaceAll('%20', '+');
}

/** The full request URL as Werkzeug's request.url renders it, the base of pagination links. */
export function requestUrl(req: FastifyRequest): string {
  const raw = req.raw.url ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  const base = hostUrl(req) + quoteUnsafe(path, "!$&'()*+,/:;=@%");
  // Werkzeug writes no `?` for an empty query string (`/results?` is `/results`).
  return q < 0 || !query ? base : `${base}?${quoteUnsafe(query, "!$&'()*+,/:;=?@%")}`;
}

function quoteUnsafe(s: string, safe: string): string {
  let out = '';
  for (const ch of s) {
    if (/[A-Za-z0-9_.~-]/.test(ch) || safe.includes(ch)) out += ch;
    else out += encodeURIComponent(ch);
  }
  return out;
}

const PAGE = /([?&])page=([0-9]+)/g;
const CALLBACK = /([?&])callback=[^&]*&?/g;

/**
 * prev/next links rewritten on the raw URL string, as upstream does: an existing `page=N` keeps its
 * position, otherwise `page` is appended; `callback` is dropped and runs of `&` are collapsed.
 */
export function pageLinks(url: string, hasMore: boolean): { prev: string | null; next: string | null } {
  const m = /([?&])page=([0-9]+)/.exec(url);
  // BigInt: a page number past 2^53 still gets exact neighbours, as with Python's ints.
  const page = m ? BigInt(m[2]) : 0n;
  const marker = '\u0000PAGE\u0000';
  let base = m
    ? url.replace(PAGE, (_all, flag: string) => `${flag}page=${marker}`)
    : `${url}${url.includes('?') ? '&' : '?'}page=${marker}`;
  base = base.replace(CALLBACK, '$1').replace(/&+/g, '&');
  // Every `page=` occurrence was replaced (a repeated one too), so every marker gets the number.
  return {
    prev: page > 0n ? base.replaceAll(marker, String(page - 1n)) : null,
    next: hasMore ? base.replaceAll(marker, String(page + 1n)) : null,
  };
}

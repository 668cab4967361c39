import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseLosslessJson } from 'lossless-json';

const RAW = Symbol('rawBody');
const NON_FINITE = Symbol('nonFinite');
type WithRaw = FastifyRequest & { [RAW]?: string; [NON_FINITE]?: boolean };

/**
 * JSON bodies (application/json and application/*+json, as Flask's is_json). The raw text is kept:
 * data values are stored with Python's str() of the decoded number, so `1.0` must stay `1.0`.
 */
export function registerJsonBody(app: FastifyInstance): void {
  // Fastify also parses text/plain by default; Flask refuses every non-JSON body with a 415.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  const parser = (req: FastifyRequest, body: string | Buffer, done: (err: Error | null, v?: unknown) => void) => {
    // Python's json (Flask) reads a UTF-8 byte order mark as the encoding's, not as content.
    const text = stripBom(body.toString());
    (req as WithRaw)[RAW] = text;
    try {
      done(null, JSON.parse(text));
    } catch {
      // Python's json also reads NaN, Infinity and -Infinity (a float); only then is the text read again.
      const marked = markNonFinite(text);
      try {
        if (marked === undefined) throw new Error('not JSON');
        (req as WithRaw)[RAW] = marked;
        (req as WithRaw)[NON_FINITE] = true;
        done(null, JSON.parse(marked, reviveNonFinite));
      } catch {
        done(Object.assign(new Error('Bad request'), { statusCode: 400 }));
      }
    }
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parser);
  app.addContentTypeParser(/^application\/[^;]+\+json/, { parseAs: 'string' }, parser);
}

/** The body decoded with number literals preserved, only when plain JSON.parse could have lost one. */
export function parseLossless(req: FastifyRequest): Record<string, unknown> | undefined {
  const text = (req as WithRaw)[RAW];
  if (text === undefined || !hasInexactNumber(text)) return undefined;
  // A repeated key keeps its last value, as JSON.parse and Python's json do (lossless-json throws).
  const reviver = (req as WithRaw)[NON_FINITE] ? reviveNonFinite : undefined;
  const v = parseLosslessJson(text, reviver, { onDuplicateKey: ({ newValue }) => newValue });
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * Whether the JSON text has a number literal JSON.parse may not give back exactly: a fraction, an
 * exponent, or 16 digits and more (past 2^53). Only outside strings: nearly every body has a `.` or an
 * `e` in its strings, and the lossless parse was then a second parse of every POST for nothing.
 */
export function hasInexactNumber(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits >= 16) return true;
      continue;
    }
    // `e` in true/false follows a letter; in an exponent it follows a digit.
    if (c === 46 /* . */ || ((c === 101 || c === 69) /* e E */ && digits > 0)) return true;
    digits = 0;
    if (c === 34 /* " */) for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92 /* \ */) i++;
  }
  return false;
}

const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

// Strings no client sends (a NUL and a noncharacter), standing in for the tokens while JSON.parse reads.
const MARKS: Record<string, number> = { '\u0000\ufdd0NaN': NaN, '\u0000\ufdd0Infinity': Infinity, '\u0000\ufdd0-Infinity': -Infinity };
const TOKENS = ['-Infinity', 'Infinity', 'NaN'];

/** `text` with NaN, Infinity and -Infinity outside strings written as marked strings; undefined when none. */
function markNonFinite(text: string): string | undefined {
  let out = '';
  let from = 0;
  let found = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // Skip the string, escapes included.
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      continue;
    }
    const token = (c === 'N' || c === 'I' || c === '-') && TOKENS.find((t) => text.startsWith(t, i));
    if (!token) continue;
    out += text.slice(from, i) + JSON.stringify('\u0000\ufdd0' + token);
    i += token.length - 1;
    from = i + 1;
    found = true;
  }
  return found ? out + text.slice(from) : undefined;
}

function reviveNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'string' && value.startsWith('\u0000\ufdd0') && value in MARKS ? MARKS[value] : value;
}

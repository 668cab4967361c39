import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseLosslessJson } from 'lossless-json';

const RAW = Symbol('rawBody');
type WithRaw = FastifyRequest & { [RAW]?: string };

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
      done(Object.assign(new Error('Bad request'), { statusCode: 400 }));
    }
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parser);
  app.addContentTypeParser(/^application\/[^;]+\+json/, { parseAs: 'string' }, parser);
}

/** The body decoded with number literals preserved, only when plain JSON.parse could have lost one. */
export function parseLossless(req: FastifyRequest): Record<string, unknown> | undefined {
  const text = (req as WithRaw)[RAW];
  // Fractions, exponents and integers past 2^53 are the literals JSON.parse cannot give back exactly.
  if (text === undefined || !/[.eE]|\d{16}/.test(text)) return undefined;
  // A repeated key keeps its last value, as JSON.parse and Python's json do (lossless-json throws).
  const v = parseLosslessJson(text, undefined, { onDuplicateKey: ({ newValue }) => newValue });
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

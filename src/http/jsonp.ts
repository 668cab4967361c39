import type { FastifyReply } from 'fastify';
import { HttpError, sendJsonBytes, sendJsonText } from './errors.ts';
import { flaskBody, jsonText } from './json.ts';
import { first, type QueryPairs } from './querystring.ts';

// Deliberate hardening: upstream echoes any callback, which lets a page inject script through it.
const CALLBACK = /^[A-Za-z_$][\w$.]*$/;

/** `?callback=NAME` (first value; empty means none). */
export function callbackOf(pairs: QueryPairs): string | null {
  const cb = first(pairs, 'callback');
  if (!cb) return null;
  if (!CALLBACK.test(cb)) throw new HttpError(400, 'Invalid callback name');
  return cb;
}

/** JSON, or with a callback JSONP: `NAME(<json>)` as application/javascript. */
export function sendJsonp(reply: FastifyReply, status: number, body: unknown, cb: string | null): FastifyReply {
  return sendJsonpText(reply, status, jsonText(body), cb);
}

/** sendJsonp for JSON text written ahead (see objectText). */
export function sendJsonpText(reply: FastifyReply, status: number, text: string, cb: string | null): FastifyReply {
  if (!cb) return sendJsonText(reply, status, text);
  return sendScript(reply, status, cb, flaskBody(text));
}

/** sendJsonp for a body already in flaskBody form, as bytes. */
export function sendJsonpBytes(reply: FastifyReply, status: number, bytes: Buffer, cb: string | null): FastifyReply {
  if (!cb) return sendJsonBytes(reply, status, bytes);
  return sendScript(reply, status, cb, bytes.toString());
}

function sendScript(reply: FastifyReply, status: number, cb: string, body: string): FastifyReply {
  const js = `${cb}(${body.replace(/\n$/, '')})`;
  return reply.code(status).header('content-type', 'application/javascript; charset=utf-8').send(Buffer.from(js));
}


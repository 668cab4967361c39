import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { flaskBytes, jsonText } from './json.ts';
import { ValidationFailed } from './validation.ts';

/** An error that is the client's to fix, answered with `{"message": ...}` and its status. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return sendJsonText(reply, status, jsonText(body));
}

/** `text`: JSON text written ahead (see objectText), sent as flaskJson would send its value. */
export function sendJsonText(reply: FastifyReply, status: number, text: string): FastifyReply {
  return sendJsonBytes(reply, status, flaskBytes(text));
}

/** A body already in flaskBody form, as bytes (answers kept for reuse). */
export function sendJsonBytes(reply: FastifyReply, status: number, bytes: Buffer): FastifyReply {
  // Exactly Flask's content type, without a charset parameter: Fastify appends one to a string
  // payload with a JSON type, but leaves a Buffer's content type alone.
  return reply.code(status).header('content-type', 'application/json').send(bytes);
}

/** Werkzeug's descriptions, so 4xx bodies read as upstream's `"<status line>: <description>"`. */
export const STATUS_MESSAGES: Record<number, string> = {
  405: '405 Method Not Allowed: The method is not allowed for the requested URL.',
  413: '413 Request Entity Too Large: The data value transmitted exceeds the capacity limit.',
  415: '415 Unsupported Media Type: The server does not support the media type transmitted in the request.',
};

/**
 * A 405's message. WaiverDB and Greenwave (`/api/v1.0`) answer an HTTP error with its description
 * alone (`{"message": error.description}`); under ResultsDB's API upstream sent an HTML page, and we
 * answer as its other JSON errors read, `<status line>: <description>`.
 */
export function methodNotAllowedMessage(url: string): string {
  return url.startsWith('/api/v1.0/') ? 'The method is not allowed for the requested URL.' : STATUS_MESSAGES[405]!;
}

/** Maps every failure to a JSON body: never an HTML page, never a stack trace, 500 only for our bugs. */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof ValidationFailed) return sendJson(reply, 400, { validation_error: err.errors });
  if (err instanceof HttpError) return sendJson(reply.headers(err.headers), err.status, { message: err.message });
  const status = (err as FastifyError).statusCode ?? 500;
  const code = (err as FastifyError).code;
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) return sendJson(reply, 415, { message: STATUS_MESSAGES[415] });
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) return sendJson(reply, 413, { message: STATUS_MESSAGES[413] });
  if (status >= 400 && status < 500) return sendJson(reply, 400, { message: 'Bad request' });
  req.log.error({ err }, 'request failed');
  return sendJson(reply, 500, { message: 'Internal Server Error' });
}

/** Local stand-ins for Koji's XML-RPC hub and for a dist-git web server serving gating.yaml files. */
import { once } from 'node:events';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { decodeCall, encodeFault, encodeResponse } from '../../src/gating/xmlrpc.ts';

export type FakeBuilds = Record<string, Record<string, unknown> | null>;

export interface FakeKojiOptions {
  /** getBuild answers: a struct, or null (= nil, like an unknown NVR). */
  builds?: FakeBuilds;
  /** getTaskRequest answers by task id; others get DEFAULT_TASK_REQUEST. */
  tasks?: Record<number, unknown[]>;
  /** Answer every call with this fault. */
  fault?: { code: number; string: string };
  /** Answer every call with this HTTP status (body: its reason phrase). */
  status?: number;
  /** Wait this long before answering (after the call is recorded). */
  delayMs?: number;
}

export interface FakeKoji {
  url: string;
  /** Every well-formed call received, in order. */
  calls: { method: string; params: unknown[] }[];
  setBuilds(builds: FakeBuilds): void;
  close(): Promise<void>;
}

export const DEFAULT_TASK_REQUEST = ['git+https://src.example.com/rpms/fake.git#0123abc', 'fake-candidate', {}];

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** A node:http server on 127.0.0.1 whose pending delays and connections end with close(). */
async function serve(handler: Handler): Promise<{ url: string; sleep(ms: number): Promise<void>; close(): Promise<void> }> {
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake server error: ${err.message}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    sleep: (ms) => new Promise((resolve) => {
      const t = setTimeout(() => (timers.delete(t), resolve()), ms);
      timers.add(t);
    }),
    close: async () => {
      for (const t of timers) clearTimeout(t); // the handlers waiting on them are abandoned with their sockets
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, ...headers });
  res.end(body);
}

export async function startFakeKoji(opts: FakeKojiOptions = {}): Promise<FakeKoji> {
  let builds: FakeBuilds = opts.builds ?? {};
  const calls: FakeKoji['calls'] = [];
  const answer = (method: string, params: unknown[]): string => {
    if (opts.fault) return encodeFault(opts.fault.code, opts.fault.string);
    if (method === 'getBuild') {
      const nvr = String(params[0]);
      return encodeResponse(Object.hasOwn(builds, nvr) ? builds[nvr] : null);
    }
    if (method === 'getTaskRequest') return encodeResponse(opts.tasks?.[Number(params[0])] ?? DEFAULT_TASK_REQUEST);
    return encodeFault(1000, `Invalid method: ${method}`); // Koji's GenericError
  };
  const server = await serve(async (req, res) => {
    let call: { method: string; params: unknown[] };
    try {
      call = decodeCall(await readBody(req));
    } catch (err) {
      return send(res, 400, 'text/plain', `not an XML-RPC call: ${(err as Error).message}`);
    }
    calls.push(call);
    if (opts.delayMs) await server.sleep(opts.delayMs);
    if (opts.status !== undefined) return send(res, opts.status, 'text/plain', STATUS_CODES[opts.status] ?? 'Error');
    send(res, 200, 'text/xml', answer(call.method, call.params));
  });
  return {
    url: `${server.url}/kojihub`,
    calls,
    setBuilds: (b) => void (builds = b),
    close: server.close,
  };
}

/** A file's text (served 200), or any status with an optional body, headers (redirects) and delay. */
export type FakeFile = string | { status: number; body?: string; headers?: Record<string, string>; delayMs?: number };

export interface FileServer {
  url: string;
  /** The request path (with query) of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `files` by exact request path (with query); anything else is a 404. */
export async function startFileServer(files: Record<string, FakeFile>): Promise<FileServer> {
  const requests: string[] = [];
  const server = await serve(async (req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const file = Object.hasOwn(files, path) ? files[path]! : { status: 404 };
    if (typeof file === 'string') return send(res, 200, 'text/plain; charset=utf-8', file);
    if (file.delayMs) await server.sleep(file.delayMs);
    send(res, file.status, 'text/plain; charset=utf-8', file.body ?? STATUS_CODES[file.status] ?? '', file.headers);
  });
  return { url: server.url, requests, close: server.close };
}

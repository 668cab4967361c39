import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/resultsdb.mjs', import.meta.url));

export async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

export interface Run { code: number | null; stdout: string; stderr: string }

/** Runs `resultsdb <args>` to completion. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const [code] = await once(child, 'close');
  return { code, stdout, stderr };
}

const running = new Set<ServerProcess>();

/** Stops every server still running: call from `after`, so a failed assertion leaves none behind. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

export interface ServerProcess { url: string; proc: ChildProcess; log: () => string; stop: (signal?: NodeJS.Signals) => Promise<number | null> }

/** `resultsdb serve <args>` on a free port, resolved once its health check answers 200. */
export async function startServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  // Drain the pipes (a full pipe blocks the server) and keep the tail for diagnostics.
  const keep = (chunk: Buffer) => (log = (log + chunk).slice(-8000));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${log}`);
    if (await fetch(`${url}/api/v2.0/healthcheck`).then((r) => r.status === 200, () => false)) break;
    if (Date.now() > deadline) throw new Error(`server not healthy after 60s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const server: ServerProcess = {
    url,
    proc,
    log: () => log,
    stop: async (signal = 'SIGTERM') => {
      running.delete(server);
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      const exited = once(proc, 'exit');
      proc.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
  running.add(server);
  return server;
}

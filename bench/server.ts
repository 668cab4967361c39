// Runs the real CLI (bin/resultsdb.mjs) as the system under test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/resultsdb.mjs', import.meta.url));

/**
 * The server's Node flags, as `npm start` and the `resultsdb` command (its shebang) run it: a larger
 * young generation (64 MB semi-spaces; V8's default is 16), where a request's short-lived strings die
 * between scavenges instead of being copied (A/B, 6 rounds: `_distinct_on` +6 to +35 %, server CPU a
 * request 10-20 % lower; 32 MB measured no better than the default).
 */
export const SERVE_NODE_FLAGS = ['--max-semi-space-size=64'];

export function migrate(url: string): void {
  // Its stdout goes to our stderr: our stdout carries only the JSON report.
  const r = spawnSync(process.execPath, [BIN, 'migrate', '--database', url], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new Error(`resultsdb migrate exited with ${r.status ?? r.signal}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export class Server {
  private exited: Promise<void>;
  private exitCode: number | string | null = null;

  private constructor(
    private proc: ChildProcess,
    readonly baseUrl: string,
    readonly logPath: string,
  ) {
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        this.exitCode = code ?? signal;
        resolve();
      }),
    );
  }

  /** Logs go to a file rather than through a pipe, so logging costs the bench process nothing. */
  static start(opts: { url: string; port: number; workers: number; pool: number; logPath: string; policiesDir?: string }): Server {
    const fd = openSync(opts.logPath, 'w');
    // The pool size has no flag; a config file next to the log sets it.
    const config = `${opts.logPath}.config.yaml`;
    writeFileSync(config, `db_pool_size: ${opts.pool}\n`);
    const args = ['serve', '--host', '127.0.0.1', '--port', String(opts.port), '--database', opts.url];
    args.push('--workers', String(opts.workers), '--no-migrate', '--config', config);
    if (opts.policiesDir) args.push('--policies', opts.policiesDir);
    // Own process group: Ctrl-C reaches only the bench, which then stops the server in order,
    // and a last-resort SIGKILL can take the worker processes along.
    const proc = spawn(process.execPath, [...SERVE_NODE_FLAGS, BIN, ...args], { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    return new Server(proc, `http://127.0.0.1:${opts.port}`, opts.logPath);
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitCode !== null) throw new Error(`server exited (${this.exitCode}) before it was ready:\n${this.logTail()}`);
      try {
        const res = await fetch(`${this.baseUrl}/api/v2.0/healthcheck`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`server not healthy after ${timeoutMs / 1000}s:\n${this.logTail()}`);
  }

  /**
   * CPU time (ms) used so far by the server's processes (Linux /proc; NaN elsewhere). On a shared
   * 2-core machine, CPU per request stays meaningful when wall-clock latency is skewed by other load.
   */
  cpuMs(): number {
    if (process.platform !== 'linux' || this.proc.pid === undefined) return NaN;
    let ms = 0;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      const st = procStat(pid);
      if (st?.pgrp === this.proc.pid) ms += st.ms;
    }
    return ms;
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no server log)';
    }
  }

  /** SIGTERM, then SIGKILL for the whole group if it has not gone within 10 s. */
  async stop(): Promise<void> {
    if (this.exitCode !== null || this.proc.pid === undefined) return;
    this.proc.kill('SIGTERM');
    const timer = new Promise<boolean>((r) => setTimeout(() => r(false), 10_000).unref());
    if (!(await Promise.race([this.exited.then(() => true), timer]))) {
      try {
        process.kill(-this.proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await this.exited;
    }
    // Workers that outlive their primary by seconds would keep the port and database busy: a server bug.
    for (let i = 0; i < 30 && groupAlive(this.proc.pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (groupAlive(this.proc.pid)) {
      process.stderr.write('warning: server processes outlived the primary; killing its process group\n');
      try {
        process.kill(-this.proc.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}

/** Process group and CPU time (utime + stime, ms) of one process (Linux /proc); null when it is gone. */
function procStat(pid: string): { pgrp: number; ms: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state ppid pgrp … utime(12th) stime(13th).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pgrp: Number(f[2]), ms: (Number(f[11]) + Number(f[12])) * 10 }; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * CPU time (ms) used so far by each PostgreSQL backend serving database `dbName` (their process
 * titles name it), by pid; empty off Linux. The difference of two snapshots (`cpuDeltaMs`) is the
 * database's share of the work in between, which the server's own CPU figure does not include.
 */
export function dbBackendsCpu(dbName: string): Map<string, number> {
  const out = new Map<string, number>();
  if (process.platform !== 'linux') return out;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!title.startsWith('postgres:') || !title.includes(` ${dbName} `)) continue;
    } catch {
      continue;
    }
    const st = procStat(pid);
    if (st) out.set(pid, st.ms);
  }
  return out;
}

/**
 * CPU used between two snapshots by the processes alive at the end: a backend that started in
 * between counts in full, one that ended in between (the pool shrinking when idle) is lost rather
 * than counted negative. NaN when nothing was measured (not Linux).
 */
export function cpuDeltaMs(before: Map<string, number>, after: Map<string, number>): number {
  if (!after.size && !before.size) return NaN;
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startServer, stopAll } from '../helpers/processes.ts';
import { freshStore, postgresAvailable } from '../helpers/stores.ts';

let tmp: string;
before(async () => void (tmp = await mkdtemp(join(tmpdir(), 'resultsdb-serve-'))));
after(async () => {
  await stopAll();
  await rm(tmp, { recursive: true, force: true });
});

const post = (url: string, body: unknown) =>
  fetch(`${url}/api/v2.0/results`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('resultsdb serve', () => {
  it('applies migrations, serves, and on SIGTERM finishes the request in flight then exits 0', async () => {
    const srv = await startServer(['--database', `sqlite:${join(tmp, 'a.sqlite')}`]);
    assert.equal((await post(srv.url, { testcase: 't1', outcome: 'PASSED' })).status, 201);
    // A request whose body arrives slowly is in flight when SIGTERM comes; it must still be answered.
    const pending = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${srv.url}/api/v2.0/results`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write('{"testcase": "t2", ');
      setTimeout(() => req.end('"outcome": "FAILED"}'), 2500);
    });
    // Generous: on a loaded machine the server must have accepted the request before the signal.
    await new Promise((r) => setTimeout(r, 1000));
    const exited = srv.stop('SIGTERM');
    // A second SIGTERM while draining (a signal to the process group reaches a worker twice) is ignored.
    setTimeout(() => srv.proc.kill('SIGTERM'), 300);
    const answer = await pending;
    assert.equal(answer.status, 201, answer.body);
    assert.equal(JSON.parse(answer.body).testcase.name, 't2');
    assert.equal(await exited, 0);
    // One JSON log line per request on stdout, the last one (written just before exit) included.
    const posts = srv.log().split('\n').filter((l) => l.startsWith('{"')).map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'request' && l.method === 'POST');
    assert.deepEqual(posts.map((l) => l.status), [201, 201], srv.log());
    // The start-up log names the store in use.
    assert.match(srv.log(), new RegExp(`"store":"sqlite:${join(tmp, 'a.sqlite').replace(/[.\\]/g, '\\$&')}".*"msg":"store opened"`));
    // Nothing acknowledged is lost: a new server on the same file has both results.
    const again = await startServer(['--database', `sqlite:${join(tmp, 'a.sqlite')}`, '--no-migrate']);
    const res = await (await fetch(`${again.url}/api/v2.0/results`)).json();
    assert.deepEqual(res.data.map((r: { testcase: { name: string } }) => r.testcase.name), ['t2', 't1']);
    assert.equal(await again.stop(), 0);
  });

  it('a quiet server\'s request log lines show within a second, though logs are written in 4 kB blocks', async () => {
    const srv = await startServer(['--database', `sqlite:${join(tmp, 'q.sqlite')}`]);
    const id = 'quiet-request-1';
    assert.equal((await fetch(`${srv.url}/api/v2.0/results`, { headers: { 'x-request-id': id } })).status, 200);
    const logged = () => srv.log().split('\n').some((l) => l.includes(`"reqId":"${id}"`) && l.includes('"msg":"request"'));
    const deadline = Date.now() + 3000;
    while (!logged() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(logged(), srv.log());
    assert.equal(await srv.stop(), 0);
  });

  it('--workers 2 serves every request from two processes, and /metrics aggregates them', async () => {
    const srv = await startServer(['--database', `sqlite:${join(tmp, 'w.sqlite')}`, '--workers', '2']);
    const statuses = await Promise.all(Array.from({ length: 60 }, (_, i) => post(srv.url, { testcase: `w${i % 5}`, outcome: "PASSED" }).then((r) => r.status)));
    assert.deepEqual([...new Set(statuses)], [201]);
    const page = await (await fetch(`${srv.url}/api/v2.0/results?limit=100`)).json();
    assert.equal(page.data.length, 60);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    const posts = metrics
      .split('\n')
      .filter((l) => l.startsWith('resultsdb_http_requests_total{') && l.includes('method="POST"') && l.includes('status="201"'))
      .map((l) => Number(l.split(' ').pop()));
    assert.equal(posts.reduce((a, b) => a + b, 0), 60, metrics.slice(0, 2000));
    assert.equal(await srv.stop(), 0);
  });

  it('--workers 2 on a port already taken stops with exit 1 instead of forking forever', async () => {
    const srv = await startServer(['--database', `sqlite:${join(tmp, 'p.sqlite')}`]);
    const port = new URL(srv.url).port;
    const run = await runCli(['serve', '--port', port, '--workers', '2', '--database', `sqlite:${join(tmp, 'p2.sqlite')}`]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /before listening; stopping/);
    assert.equal(await srv.stop(), 0);
  });

  it('takes its settings from a YAML config file, environment variables and flags, flags winning', async () => {
    const cfg = join(tmp, 'c.yaml');
    await writeFile(cfg, `database: sqlite:${join(tmp, 'c.sqlite')}\nadditional_outcomes: [AMAZING]\nmax_limit: 2\n`);
    const srv = await startServer([], { RESULTSDB_CONFIG: cfg });
    const landing = await (await fetch(`${srv.url}/api/v2.0`)).json();
    assert.equal(landing.outcomes.at(-1), 'AMAZING');
    for (let i = 0; i < 3; i++) assert.equal((await post(srv.url, { testcase: 'c', outcome: 'amazing' })).status, 201);
    const page = await (await fetch(`${srv.url}/api/v2.0/results?limit=50`)).json();
    assert.equal(page.data.length, 2, 'max_limit clamps the page');
    assert.ok(page.next.endsWith('limit=50&page=1'));
    assert.equal(await srv.stop(), 0);
  });

  it('rejects an unknown config key, a wrong type and bad flags with one line and exit 2', async () => {
    const cfg = join(tmp, 'bad.yaml');
    await writeFile(cfg, 'prot: 5001\n');
    let run = await runCli(['serve', '--config', cfg]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown key: prot/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    await writeFile(cfg, 'max_limit: lots\n');
    run = await runCli(['serve', '--config', cfg]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /max_limit/);
    run = await runCli(['serve', '--port', 'eighty']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--port/);
    run = await runCli(['serve', '--bogus']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown option '--bogus'/);
  });

  it('prints help for every command and exits 0', async () => {
    for (const cmd of [[], ['serve'], ['migrate'], ['submit'], ['query']]) {
      const run = await runCli([...cmd, '--help']);
      assert.equal(run.code, 0, cmd.join(' '));
      assert.match(run.stdout, /Usage: resultsdb/);
    }
  });
});

describe('resultsdb migrate and serve on PostgreSQL', () => {
  it('two serve processes on one PostgreSQL give the same answers', async (t) => {
    if (!(await postgresAvailable())) return t.skip('PostgreSQL unavailable');
    const { url, dispose, store } = await freshStore('postgres');
    await store.close();
    try {
      const run = await runCli(['migrate', '--database', url]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /up to date/);
      const a = await startServer(['--database', url, '--no-migrate']);
      // The second without pipelined connections (config key db_pipelines): every statement takes the pool.
      const config = join(tmp, 'no-pipelines.yaml');
      await writeFile(config, 'db_pipelines: 0\n');
      const b = await startServer(['--config', config], { RESULTSDB_DATABASE_URL: url });
      try {
        assert.equal((await post(a.url, { testcase: 'pg.one', outcome: 'PASSED', data: { item: 'x' } })).status, 201);
        assert.equal((await post(b.url, { testcase: 'pg.two', outcome: 'FAILED', data: { item: 'x' } })).status, 201);
        const strip = (body: { data: { href: string }[] }) => body.data.map((r) => ({ ...r, href: undefined, testcase: undefined }));
        const fromA = await (await fetch(`${a.url}/api/v2.0/results/latest?item=x`)).json();
        const fromB = await (await fetch(`${b.url}/api/v2.0/results/latest?item=x`)).json();
        assert.equal(fromA.data.length, 2);
        assert.deepEqual(strip(fromA), strip(fromB));
        const pipelined = async (srv: { url: string }) =>
          Number(/^resultsdb_store_pipelined_connections (\d+)$/m.exec(await (await fetch(`${srv.url}/metrics`)).text())?.[1]);
        assert.equal(await pipelined(a), 2);
        assert.equal(await pipelined(b), 0);
      } finally {
        assert.equal(await a.stop(), 0);
        assert.equal(await b.stop(), 0);
      }
    } finally {
      await dispose().catch(() => {});
    }
  });
});

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { testApp, type TestApp } from '../helpers/stores.ts';

describe('request logging', () => {
  const lines: Record<string, unknown>[] = [];
  let app: TestApp;
  before(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    app = await testApp('sqlite', { logger: pino({ level: 'info' }, sink) });
  });
  after(() => app.dispose());

  it('writes one JSON line per request carrying the request id, echoed in X-Request-Id', async () => {
    const res = await app.inject({ url: '/api/v2.0/results?item=x', headers: { 'x-request-id': 'req-42' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-request-id'], 'req-42');
    const own = lines.filter((l) => l.reqId === 'req-42');
    assert.equal(own.length, 1);
    assert.equal(own[0].status, 200);
    assert.equal(own[0].method, 'GET');
    assert.equal(own[0].url, '/api/v2.0/results?item=x');
  });

  it('makes up a request id when the client sends none', async () => {
    const res = await app.inject({ url: '/api/v2.0' });
    const id = res.headers['x-request-id'];
    assert.match(String(id), /^[0-9a-f-]{36}$/);
    assert.ok(lines.some((l) => l.reqId === id && l.status === 300));
  });
});

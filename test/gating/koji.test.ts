import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isValidNvr, KojiClient, KojiError, parseKojiTime, parseScmUrl } from '../../src/gating/koji.ts';
import { fetchRemoteFile } from '../../src/gating/remoteFiles.ts';
import { decodeCall, decodeResponse, encodeCall, encodeFault, encodeResponse, XmlRpcError } from '../../src/gating/xmlrpc.ts';
import { DEFAULT_TASK_REQUEST, startFakeKoji, startFileServer, type FakeKoji } from '../helpers/koji.ts';
import { freePort } from '../helpers/processes.ts';

const response = (inner: string) => `<?xml version="1.0"?>\n<methodResponse>\n <params>\n  <param>\n   ${inner}\n  </param>\n </params>\n</methodResponse>\n`;
const valueOf = (inner: string) => {
  const r = decodeResponse(response(inner));
  assert.ok('value' in r);
  return r.value;
};
const us = (...args: [number, number, number, number, number, number]) => Date.UTC(...args) * 1000;

describe('XML-RPC codec', () => {
  it('round-trips every type through a call', () => {
    const params = [
      0, -7, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, -(2 ** 53) + 1, 2n ** 70n,
      true, false,
      'plain', '', '  keeps  spaces\n', 'a & b < c > d "q" \'s\' &amp; ]]>', 'ünïcödé ✓',
      3.25, -0.5, 1e300,
      Buffer.from([0, 1, 2, 250, 255]),
      null,
      [1, 'two', [3, [null]], { four: 4 }],
      { 'a&b': { nested: [true, { deep: 'x' }] }, empty: {}, list: [], __proto__x: 1 },
    ];
    const call = decodeCall(encodeCall('some.method', params));
    assert.equal(call.method, 'some.method');
    assert.deepEqual(call.params, params);
    assert.equal(typeof call.params[4], 'number'); // 2^40: an i8 but still a safe number
    assert.equal(typeof call.params[6], 'bigint');
  });

  it('escapes &, < and > in strings and member names', () => {
    const xml = encodeCall('m', ['<a href="x">&</a>', { '<k>': 1 }]);
    assert.match(xml, /<string>&lt;a href="x"&gt;&amp;&lt;\/a&gt;<\/string>/);
    assert.match(xml, /<name>&lt;k&gt;<\/name>/);
  });

  it('encodes integers as int or i8, other numbers as double, Dates as dateTime, undefined members not at all', () => {
    const xml = encodeCall('m', [5, 2 ** 33, 1.5, new Date(Date.UTC(2021, 9, 2, 12, 34, 56)), { gone: undefined, kept: 1 }]);
    assert.match(xml, /<int>5<\/int>.*<i8>8589934592<\/i8>.*<double>1.5<\/double>/);
    assert.match(xml, /<dateTime.iso8601>20211002T12:34:56<\/dateTime.iso8601>/);
    assert.doesNotMatch(xml, /gone/);
    assert.deepEqual(decodeCall(xml).params[3], '20211002T12:34:56'); // raw string back
    assert.throws(() => encodeCall('m', [NaN]), TypeError);
  });

  it('decodes each type as written by other servers, keeping strings as strings', () => {
    assert.equal(valueOf('<value>untyped</value>'), 'untyped');
    assert.equal(valueOf('<value></value>'), '');
    assert.equal(valueOf('<value><string/></value>'), '');
    assert.equal(valueOf('<value><string>007</string></value>'), '007');
    assert.equal(valueOf('<value>  1e3 </value>'), '  1e3 ');
    assert.equal(valueOf('<value><i4> 42 </i4></value>'), 42);
    assert.equal(valueOf('<value><int>-3</int></value>'), -3);
    assert.equal(valueOf('<value><i8>9007199254740993</i8></value>'), 9007199254740993n);
    assert.equal(valueOf('<value><boolean>0</boolean></value>'), false);
    assert.equal(valueOf('<value><boolean>1</boolean></value>'), true);
    assert.equal(valueOf('<value><double>-1.5e2</double></value>'), -150);
    assert.equal(valueOf('<value><double>inf</double></value>'), Infinity);
    assert.equal(valueOf('<value><dateTime.iso8601>20211002T12:34:56</dateTime.iso8601></value>'), '20211002T12:34:56');
    assert.deepEqual(valueOf('<value><base64>AAEC\n+v8=</base64></value>'), Buffer.from([0, 1, 2, 250, 255]));
    assert.equal(valueOf('<value><nil/></value>'), null);
    assert.equal(valueOf('<value><ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/></value>'), null);
    assert.equal(valueOf('<value><string>&lt;&amp;&gt;&quot;&apos;&#38;&#x41;</string></value>'), '<&>"\'&A');
  });

  it('decodes nested structs and arrays laid out with whitespace', () => {
    const v = valueOf(`<value><struct>
      <member><name>id</name><value><int>1</int></value></member>
      <member>
        <name>extra</name>
        <value><struct><member><name>source</name><value><struct>
          <member><name>original_url</name><value><string>git://x#1</string></value></member>
        </struct></value></member></struct></value>
      </member>
      <member><name>list</name><value><array><data>
        <value><int>1</int></value>
        <value>two</value>
        <value><array><data></data></array></value>
      </data></array></value></member>
    </struct></value>`);
    assert.deepEqual(v, { id: 1, extra: { source: { original_url: 'git://x#1' } }, list: [1, 'two', []] });
  });

  it('a "__proto__" member is plain data, not a prototype', () => {
    const v = valueOf('<value><struct><member><name>__proto__</name><value><struct><member><name>polluted</name><value>1</value></member></struct></value></member></struct></value>') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.deepEqual(Object.keys(v), ['__proto__']);
    assert.equal((v as { polluted?: unknown }).polluted, undefined);
  });

  it('decodes a fault', () => {
    const r = decodeResponse(encodeFault(1000, 'No such build: <x> & y'));
    assert.deepEqual(r, { fault: { faultCode: 1000, faultString: 'No such build: <x> & y' } });
    assert.deepEqual(decodeResponse(encodeResponse({ faultCode: 1 })), { value: { faultCode: 1 } });
  });

  it('rejects malformed documents and values with XmlRpcError', () => {
    for (const bad of [
      'not xml at all',
      '',
      '<methodResponse><params><param><value><int>1</int></value></param></params>',
      '<html><body>502 Bad Gateway</body></html>',
      response('<value><int>1.5</int></value>'),
      response('<value><boolean>yes</boolean></value>'),
      response('<value><double>fast</double></value>'),
      response('<value><float>1</float></value>'),
      response('<value><int>1</int><int>2</int></value>'),
      response('<value><struct><member><name>x</name></member></struct></value>'),
      '<methodResponse><params></params></methodResponse>',
      '<methodResponse><fault><value><struct></struct></value></fault></methodResponse>',
    ]) {
      assert.throws(() => decodeResponse(bad), XmlRpcError, bad);
    }
  });
});

describe('KojiClient.getBuild', () => {
  let koji: FakeKoji;
  const builds = {
    'direct-1-1': { source: 'git+https://src.example.com/rpms/direct.git#aaa', creation_time: '2021-10-02 12:34:56.123456', task_id: 42, extra: { source: { original_url: 'git://other#bbb' } } },
    'extra-1-1': { source: null, creation_time: '2021-10-02 12:34:56', task_id: 43, extra: { source: { original_url: 'git+https://src.example.com/rpms/extra.git#ccc' } } },
    'none-1-1': { id: 7, source: '', creation_time: 12345, extra: { source: 'odd' } },
    'oddextra-1-1': { extra: 'not a struct', task_id: 'x' },
    'empty-1-1': {},
    'gone-1-1': null,
  };
  before(async () => (koji = await startFakeKoji({ builds })));
  after(() => koji.close());

  it('maps a build with a source, sending getBuild(nvr) as XML-RPC', async () => {
    const client = new KojiClient({ url: koji.url });
    assert.equal(client.url, koji.url);
    const before = koji.calls.length;
    assert.deepEqual(await client.getBuild('direct-1-1'), {
      kind: 'found', source: 'git+https://src.example.com/rpms/direct.git#aaa', creation_time: '2021-10-02 12:34:56.123456', task_id: 42,
    });
    assert.deepEqual(koji.calls.slice(before), [{ method: 'getBuild', params: ['direct-1-1'] }]);
  });

  it('falls back to extra.source.original_url', async () => {
    assert.deepEqual(await new KojiClient({ url: koji.url }).getBuild('extra-1-1'), {
      kind: 'found', source: 'git+https://src.example.com/rpms/extra.git#ccc', creation_time: '2021-10-02 12:34:56', task_id: 43,
    });
  });

  it('no usable source, time or task id gives nulls', async () => {
    const client = new KojiClient({ url: koji.url });
    const none = { kind: 'found', source: null, creation_time: null, task_id: null };
    assert.deepEqual(await client.getBuild('none-1-1'), none);
    assert.deepEqual(await client.getBuild('oddextra-1-1'), none);
  });

  it('nil (and an empty struct) is not-found', async () => {
    const client = new KojiClient({ url: koji.url });
    assert.deepEqual(await client.getBuild('gone-1-1'), { kind: 'not-found' });
    assert.deepEqual(await client.getBuild('unknown-1-1'), { kind: 'not-found' });
    assert.deepEqual(await client.getBuild('empty-1-1'), { kind: 'not-found' });
  });

  it('setBuilds changes the answers', async () => {
    koji.setBuilds({ 'new-1-1': { source: 'git://h/ns/new#1' } });
    try {
      const client = new KojiClient({ url: koji.url });
      assert.equal((await client.getBuild('new-1-1') as { source: string }).source, 'git://h/ns/new#1');
      assert.deepEqual(await client.getBuild('direct-1-1'), { kind: 'not-found' });
    } finally {
      koji.setBuilds(builds);
    }
  });

  it('getTaskRequest returns the array; a fault throws', async () => {
    const k = await startFakeKoji({ tasks: { 5: ['src', 'f35-candidate', { scratch: true }] } });
    try {
      const client = new KojiClient({ url: k.url });
      assert.deepEqual(await client.getTaskRequest(5), ['src', 'f35-candidate', { scratch: true }]);
      assert.deepEqual(await client.getTaskRequest(6), DEFAULT_TASK_REQUEST);
      assert.deepEqual(k.calls.map((c) => c.params), [[5], [6]]);
    } finally {
      await k.close();
    }
    const faulty = await startFakeKoji({ fault: { code: 1000, string: 'No such task' } });
    try {
      await assert.rejects(new KojiClient({ url: faulty.url }).getTaskRequest(1), (err: unknown) =>
        err instanceof KojiError && err.status === 502 && err.message === "Koji XMLRPC fault due to: 'No such task'");
    } finally {
      await faulty.close();
    }
  });
});

describe('KojiClient failures', () => {
  it('an XML-RPC fault is a 502 with the fault string', async () => {
    const k = await startFakeKoji({ fault: { code: 1000, string: 'GenericError: invalid format: <bash>' } });
    try {
      assert.deepEqual(await new KojiClient({ url: k.url }).getBuild('bash-1-1'), {
        kind: 'error', status: 502, message: "Koji XMLRPC fault due to: 'GenericError: invalid format: <bash>'",
      });
    } finally {
      await k.close();
    }
  });

  it('an HTTP error status is a 502 naming the URL and body, and is not retried', async () => {
    const k = await startFakeKoji({ status: 500 });
    try {
      assert.deepEqual(await new KojiClient({ url: k.url, retries: 3 }).getBuild('bash-1-1'), {
        kind: 'error', status: 502, message: `Got unexpected status code 500 for ${k.url}: Internal Server Error`, httpStatus: 500,
      });
      assert.equal(k.calls.length, 1);
    } finally {
      await k.close();
    }
  });

  it('a refused connection is a 502 with the reason', async () => {
    const url = `http://127.0.0.1:${await freePort()}/kojihub`;
    const fact = await new KojiClient({ url }).getBuild('bash-1-1');
    assert.equal(fact.kind, 'error');
    assert.equal((fact as { status: number }).status, 502);
    assert.match((fact as { message: string }).message, /^Error connecting to upstream server: .*ECONNREFUSED/);
  });

  it('a timeout is retried up to `retries` attempts, then a 504', async () => {
    const k = await startFakeKoji({ delayMs: 2000, builds: { 'bash-1-1': { source: 'x' } } });
    try {
      // 300 ms, not less: on a loaded machine a shorter wait can end before the server has read the call.
      const fact = await new KojiClient({ url: k.url, timeoutMs: 300, retries: 3 }).getBuild('bash-1-1');
      assert.deepEqual(fact, {
        kind: 'error', status: 504, message: `Timeout connecting to upstream server: ${k.url} did not answer within 300 ms`,
      });
      assert.equal(k.calls.length, 3);
      await new KojiClient({ url: k.url, timeoutMs: 300, retries: 1 }).getBuild('bash-1-1');
      assert.equal(k.calls.length, 4);
    } finally {
      await k.close();
    }
  });

  it('a slow answer within the timeout is fine', async () => {
    const k = await startFakeKoji({ delayMs: 50, builds: { 'bash-1-1': { source: 'x' } } });
    try {
      const fact = await new KojiClient({ url: k.url, timeoutMs: 2000 }).getBuild('bash-1-1');
      assert.equal(fact.kind, 'found');
    } finally {
      await k.close();
    }
  });

  it('a 200 that is not XML-RPC is a 502', async () => {
    const files = await startFileServer({ '/kojihub': '<html>maintenance</html>' });
    try {
      assert.deepEqual(await new KojiClient({ url: `${files.url}/kojihub` }).getBuild('bash-1-1'), {
        kind: 'error', status: 502, message: 'Error connecting to upstream server: invalid XML-RPC response',
      });
    } finally {
      await files.close();
    }
  });
});

describe('isValidNvr', () => {
  it('wants name-version-release with no empty part', () => {
    for (const ok of ['bash-5.1-1.fc35', 'python-requests-2.26.0-1.fc35', 'a-b-c']) assert.equal(isValidNvr(ok), true, ok);
    for (const bad of ['bash', 'bash-5.1', '-1-2', 'a--b', 'a-b-', 'bash-5.1--1', '', '--']) assert.equal(isValidNvr(bad), false, bad);
  });
});

describe('parseKojiTime', () => {
  it('reads naive times as UTC, with or without microseconds', () => {
    assert.equal(parseKojiTime('2021-10-02 12:34:56.123456'), us(2021, 9, 2, 12, 34, 56) + 123456);
    assert.equal(parseKojiTime('2021-10-02 12:34:56'), us(2021, 9, 2, 12, 34, 56));
    assert.equal(parseKojiTime('2021-10-02 12:34:56.5'), us(2021, 9, 2, 12, 34, 56) + 500000);
    assert.equal(parseKojiTime('2021-10-02T12:34:56.1234567'), us(2021, 9, 2, 12, 34, 56) + 123456);
  });
  it('converts offsets to UTC', () => {
    assert.equal(parseKojiTime('2021-10-02T12:34:56+00:00'), us(2021, 9, 2, 12, 34, 56));
    assert.equal(parseKojiTime('2021-10-02T12:34:56Z'), us(2021, 9, 2, 12, 34, 56));
    assert.equal(parseKojiTime('2021-10-02 12:34:56.123456+02:00'), us(2021, 9, 2, 10, 34, 56) + 123456);
    assert.equal(parseKojiTime('2021-10-02 01:00:00-0530'), us(2021, 9, 2, 6, 30, 0));
  });
  it('is null for what is not a time', () => {
    for (const bad of [null, '', 'yesterday', '2021-10-02', '2021-02-30 00:00:00', '2021-10-02 24:00:00', '2021-10-02 12:34:60', '2021-10-02 12:34:56+25:00', '2021-10-02 12:34:56 extra']) {
      assert.equal(parseKojiTime(bad), null, String(bad));
    }
  });
});

describe('parseScmUrl', () => {
  const KOJI = 'https://koji.example.com/kojihub';
  it('takes namespace, name (without .git) and rev', () => {
    assert.deepEqual(parseScmUrl('git+https://src.fedoraproject.org/rpms/bash.git#abc123', 'bash-5.1-1.fc35', KOJI), { namespace: 'rpms', name: 'bash', rev: 'abc123' });
    assert.deepEqual(parseScmUrl('git://pkgs.example.com/containers/foo-container#46af2f8', 'foo-container-1-1', KOJI), { namespace: 'containers', name: 'foo-container', rev: '46af2f8' });
    assert.deepEqual(parseScmUrl('git+https://h/a/b/c/pkg.git?x=1#r', 'n-v-r', KOJI), { namespace: 'c', name: 'pkg', rev: 'r' });
    assert.deepEqual(parseScmUrl('https://h/ns/name.git.git;params#r', 'n-v-r', KOJI), { namespace: 'ns', name: 'name.git', rev: 'r' });
  });
  it('a path with fewer than three components has namespace ""', () => {
    assert.deepEqual(parseScmUrl('git+https://src.fedoraproject.org/foo.git#deadbeef', 'foo-1-1', KOJI), { namespace: '', name: 'foo', rev: 'deadbeef' });
    assert.deepEqual(parseScmUrl('git+https://host#r', 'foo-1-1', KOJI), { namespace: '', name: '', rev: 'r' });
  });
  it('no fragment is an error naming source, build and Koji', () => {
    assert.deepEqual(parseScmUrl('git+https://src.fedoraproject.org/rpms/foo.git', 'foo-1.2.3-1.fc29', KOJI), {
      error: `Failed to parse SCM URL "git+https://src.fedoraproject.org/rpms/foo.git" from Koji build "foo-1.2.3-1.fc29" at "${KOJI}" (missing URL fragment with SCM revision information)`,
    });
    assert.ok('error' in parseScmUrl('git://h/rpms/foo#', 'foo-1-1', KOJI));
  });
});

describe('fetchRemoteFile', () => {
  it('200 is found, 404 missing, other statuses an error with the body', async () => {
    const files = await startFileServer({
      '/rpms/bash/raw/abc/f/gating.yaml': '--- !Policy\nid: x\n',
      '/broken': { status: 500, body: 'boom' },
      '/moved': { status: 302, headers: { location: '/rpms/bash/raw/abc/f/gating.yaml' } },
    });
    try {
      assert.deepEqual(await fetchRemoteFile(`${files.url}/rpms/bash/raw/abc/f/gating.yaml`), { kind: 'found', body: '--- !Policy\nid: x\n' });
      assert.deepEqual(await fetchRemoteFile(`${files.url}/nothing/here`), { kind: 'missing' });
      assert.deepEqual(await fetchRemoteFile(`${files.url}/broken`), {
        kind: 'error', status: 502, message: `Got unexpected status code 500 for ${files.url}/broken: boom`, httpStatus: 500,
      });
      assert.deepEqual(await fetchRemoteFile(`${files.url}/moved`), { kind: 'found', body: '--- !Policy\nid: x\n' });
      assert.deepEqual(files.requests, ['/rpms/bash/raw/abc/f/gating.yaml', '/nothing/here', '/broken', '/moved', '/rpms/bash/raw/abc/f/gating.yaml']);
    } finally {
      await files.close();
    }
  });

  it('a refused connection is a 502, a timeout a 504', async () => {
    const refused = await fetchRemoteFile(`http://127.0.0.1:${await freePort()}/gating.yaml`);
    assert.equal(refused.kind, 'error');
    assert.equal((refused as { status: number }).status, 502);
    assert.match((refused as { message: string }).message, /^Error connecting to upstream server: .*ECONNREFUSED/);

    const files = await startFileServer({ '/slow': { status: 200, body: 'late', delayMs: 2000 } });
    try {
      assert.deepEqual(await fetchRemoteFile(`${files.url}/slow`, { timeoutMs: 50 }), {
        kind: 'error', status: 504, message: `Timeout connecting to upstream server: ${files.url}/slow did not answer within 50 ms`,
      });
      assert.equal(files.requests.length, 1); // no retries for files
    } finally {
      await files.close();
    }
  });

  it('a URL that is not http(s) is a 502 without a request', async () => {
    for (const url of ['ftp://example.com/gating.yaml', 'file:///etc/passwd', 'not a url']) {
      assert.deepEqual(await fetchRemoteFile(url), { kind: 'error', status: 502, message: `Error connecting to upstream server: unsupported URL ${url}` });
    }
  });
});

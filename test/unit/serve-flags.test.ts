import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SERVE_NODE_FLAGS } from '../../bench/server.ts';

// The bench must measure the server as it is run: `npm start` and the `resultsdb` command's shebang.
describe('the server runs with the Node flags the bench measures', () => {
  const root = new URL('../../', import.meta.url);
  it('npm start passes them', () => {
    const start = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: { start: string } }).scripts.start;
    assert.equal(start, `node ${SERVE_NODE_FLAGS.join(' ')} bin/resultsdb.mjs serve`);
  });
  it("the resultsdb command's shebang passes them", () => {
    const shebang = readFileSync(new URL('bin/resultsdb.mjs', root), 'utf8').split('\n')[0];
    assert.equal(shebang, `#!/usr/bin/env -S node ${SERVE_NODE_FLAGS.join(' ')}`);
  });
});

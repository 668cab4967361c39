import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOidcVerifier } from '../../src/auth/oidc.ts';
import { startIssuer, type TestIssuer } from '../helpers/oidc.ts';

/** The verifier's rejection reason, checked never to contain the token. */
async function rejection(p: Promise<unknown>, token: string): Promise<string> {
  try {
    await p;
  } catch (e) {
    const msg = (e as Error).message;
    const sig = token.split('.')[2];
    assert.ok(!msg.includes(token) && !(sig && msg.includes(sig)), `reason leaks the token: ${msg}`);
    assert.equal((e as Error).cause, undefined, 'no cause: jose attaches the claims there');
    return msg;
  }
  assert.fail('the token was accepted');
}

describe('OIDC verifier', () => {
  let idp: TestIssuer;
  let verify: ReturnType<typeof createOidcVerifier>;
  before(async () => {
    idp = await startIssuer();
    verify = createOidcVerifier({ issuer: idp.issuer, audience: 'resultsdb', jwks_uri: idp.jwksUri });
  });
  after(() => idp.close());

  it('accepts a valid token: user from preferred_username, groups from realm_access.roles', async () => {
    const jwt = await idp.sign({ preferred_username: 'alice', realm_access: { roles: ['qa', 'packager'] } }, { audience: 'resultsdb' });
    assert.deepEqual(await verify(jwt), { user: 'alice', groups: ['qa', 'packager'], method: 'OIDC' });
  });

  it('accepts any one of several audiences, and a token listing several', async () => {
    const v = createOidcVerifier({ issuer: idp.issuer, audience: ['other', 'resultsdb'], jwks_uri: idp.jwksUri });
    const jwt = await idp.sign({ preferred_username: 'alice' }, { audience: ['x', 'resultsdb'] });
    assert.equal((await v(jwt)).user, 'alice');
  });

  it('groups are null when the claim is absent; non-string entries are dropped', async () => {
    assert.equal((await verify(await idp.sign({ preferred_username: 'a' }, { audience: 'resultsdb' }))).groups, null);
    const jwt = await idp.sign({ preferred_username: 'a', realm_access: { roles: ['qa', 7, null] } }, { audience: 'resultsdb' });
    assert.deepEqual((await verify(jwt)).groups, ['qa']);
  });

  it('uses the configured username and groups claims (dotted path)', async () => {
    const v = createOidcVerifier({ issuer: idp.issuer, jwks_uri: idp.jwksUri, username_claim: 'sub', groups_claim: 'ext.fas.groups' });
    const jwt = await idp.sign({ sub: 'bob', preferred_username: 'alice', ext: { fas: { groups: ['g1'] } }, realm_access: { roles: ['r'] } });
    assert.deepEqual(await v(jwt), { user: 'bob', groups: ['g1'], method: 'OIDC' });
    const top = createOidcVerifier({ issuer: idp.issuer, jwks_uri: idp.jwksUri, groups_claim: 'groups' });
    assert.deepEqual((await top(await idp.sign({ preferred_username: 'c', groups: ['g2'] }))).groups, ['g2']);
  });

  it('rejects a token without the username claim', async () => {
    const jwt = await idp.sign({ sub: 'x' }, { audience: 'resultsdb' });
    assert.equal(await rejection(verify(jwt), jwt), 'token has no preferred_username claim');
    const num = await idp.sign({ preferred_username: 42 }, { audience: 'resultsdb' });
    assert.equal(await rejection(verify(num), num), 'token has no preferred_username claim');
  });

  it('rejects an expired token (beyond the 30 s clock tolerance), accepts one just inside it', async () => {
    const jwt = await idp.sign({ preferred_username: 'alice' }, { audience: 'resultsdb', expiresIn: -120 });
    assert.equal(await rejection(verify(jwt), jwt), 'JWT expired');
    const skewed = await idp.sign({ preferred_username: 'alice' }, { audience: 'resultsdb', expiresIn: -5 });
    assert.equal((await verify(skewed)).user, 'alice');
  });

  it('rejects a token without exp: it would be valid forever', async () => {
    const jwt = await idp.sign({ preferred_username: 'alice' }, { audience: 'resultsdb', expiresIn: null });
    assert.equal(await rejection(verify(jwt), jwt), 'missing required "exp" claim');
  });

  it('rejects a token that is not valid yet (nbf)', async () => {
    const jwt = await idp.sign({ preferred_username: 'alice' }, { audience: 'resultsdb', notBefore: 600 });
    assert.equal(await rejection(verify(jwt), jwt), '"nbf" claim timestamp check failed');
  });

  it('rejects a wrong issuer', async () => {
    const jwt = await idp.sign({ preferred_username: 'alice' }, { audience: 'resultsdb', issuer: 'https://evil.example.org' });
    assert.equal(await rejection(verify(jwt), jwt), 'unexpected "iss" claim value');
  });

  it('rejects a wrong or missing audience when one is configured, and ignores aud when none is', async () => {
    const wrong = await idp.sign({ preferred_username: 'alice' }, { audience: 'someone-else' });
    assert.equal(await rejection(verify(wrong), wrong), 'unexpected "aud" claim value');
    const none = await idp.sign({ preferred_username: 'alice' });
    assert.match(await rejection(verify(none), none), /"aud"/);
    const open = createOidcVerifier({ issuer: idp.issuer, jwks_uri: idp.jwksUri });
    assert.equal((await open(wrong)).user, 'alice');
  });

  it('rejects a token signed by another key (same kid), and one whose kid the JWKS lacks', async () => {
    const forged = await idp.sign({ preferred_username: 'alice' }, { audience: 'resultsdb', foreignKey: true });
    assert.equal(await rejection(verify(forged), forged), 'signature verification failed');
    const unknownKid = await idp.sign({ preferred_username: 'alice' }, { audience: 'resultsdb', foreignKey: true, kid: 'nope' });
    assert.match(await rejection(verify(unknownKid), unknownKid), /^signature verification failed/);
  });

  it('rejects a token whose payload was altered after signing', async () => {
    const [h, , s] = (await idp.sign({ preferred_username: 'alice' }, { audience: 'resultsdb' })).split('.');
    const now = Math.floor(Date.now() / 1000);
    const p = Buffer.from(JSON.stringify({ preferred_username: 'root', iss: idp.issuer, aud: 'resultsdb', exp: now + 60 })).toString('base64url');
    const jwt = `${h}.${p}.${s}`;
    assert.equal(await rejection(verify(jwt), jwt), 'signature verification failed');
  });

  it('rejects unsigned (alg none), HMAC and malformed tokens', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { preferred_username: 'alice', iss: idp.issuer, aud: 'resultsdb', exp: Math.floor(Date.now() / 1000) + 60 };
    const none = `${b64({ alg: 'none' })}.${b64(claims)}.`;
    await rejection(verify(none), none);
    const hs = `${b64({ alg: 'HS256', kid: 'test-key-1' })}.${b64(claims)}.c2lnbmF0dXJl`;
    await rejection(verify(hs), hs);
    assert.match(await rejection(verify('not-a-jwt'), 'not-a-jwt'), /^malformed JWT/);
  });

  it('discovers jwks_uri from <issuer>/.well-known/openid-configuration once, then caches', async () => {
    const own = await startIssuer();
    try {
      const v = createOidcVerifier({ issuer: own.issuer });
      const jwt = await own.sign({ preferred_username: 'dora', realm_access: { roles: ['qa'] } });
      assert.equal(own.requests.length, 0, 'nothing is fetched before the first token');
      assert.deepEqual(await v(jwt), { user: 'dora', groups: ['qa'], method: 'OIDC' });
      assert.deepEqual(own.requests, ['/.well-known/openid-configuration', '/jwks']);
      await v(await own.sign({ preferred_username: 'eve' }));
      await v(jwt);
      assert.deepEqual(own.requests, ['/.well-known/openid-configuration', '/jwks'], 'document and keys are cached');
    } finally {
      await own.close();
    }
  });

  it('a failed discovery is reported and retried by the next token', async () => {
    const own = await startIssuer();
    const issuer = own.issuer;
    const jwt = await own.sign({ preferred_username: 'dora' });
    const v = createOidcVerifier({ issuer: `${issuer}/missing` });
    const msg = await rejection(v(jwt), jwt);
    assert.equal(msg, `cannot read OIDC discovery document ${issuer}/missing/.well-known/openid-configuration: HTTP 404`);
    await rejection(v(jwt), jwt);
    assert.equal(own.requests.filter((r) => r.endsWith('openid-configuration')).length, 2);
    await own.close();
  });
});

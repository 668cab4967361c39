/** Request URLs and query values as Werkzeug renders them (links of pages and groups). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { pageLinks, quoteQueryValue, requestUrl } from '../../src/http/links.ts';

const req = (url: string, headers: Record<string, string> = {}) => ({ raw: { url }, headers: { host: 'h', ...headers } }) as unknown as FastifyRequest;

test('requestUrl: an empty query string leaves no "?", so page links start their own', () => {
  assert.equal(requestUrl(req('/api/v2.0/results?')), 'http://h/api/v2.0/results');
  assert.equal(pageLinks(requestUrl(req('/api/v2.0/results?')), true).next, 'http://h/api/v2.0/results?page=1');
  assert.equal(requestUrl(req('/api/v2.0/results?limit=1')), 'http://h/api/v2.0/results?limit=1');
  assert.equal(requestUrl(req('/x y?a=b c', { 'x-script-name': '/p/' })), 'http://h/p/x%20y?a=b%20c');
});

test('quoteQueryValue: urlencode with safe characters !$\'()*,/:;?@, a space as +', () => {
  assert.equal(quoteQueryValue("a&b=c d+e#f%g/h:i?j@k!l$m'n(o)p*q,r;s~t_u.v-wé"), "a%26b%3Dc+d%2Be%23f%25g/h:i?j@k!l$m'n(o)p*q,r;s~t_u.v-w%C3%A9");
  assert.equal(quoteQueryValue('%20'), '%2520');
});

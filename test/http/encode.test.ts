import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../engine/run/http/client.js';
import { buildUrl, encodeBody, encodeForm } from '../../engine/core/encode.js';
import { renderRequest } from '../../engine/run/http/render.js';
import { compileSnippet } from '../helpers/compiled.js';
import { startServer, type TestServer } from './server.js';

const client = createHttpClient();
let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); client.close(); });

describe('form encoding', () => {
  it('nests objects as a[b]=c, primitive arrays as a[]=x, object arrays as a[0][k]=v', () => {
    const s = encodeForm({
      email: 'a+b@example.com', metadata: { plan: 'pro', seats: 3 }, expand: ['customer', 'invoice'],
      items: [{ price: 'p_1', quantity: 2 }, { price: 'p_2' }], livemode: false, gone: null, skip: undefined,
    });
    expect(s).toBe(
      'email=a%2Bb%40example.com&metadata[plan]=pro&metadata[seats]=3&expand[]=customer&expand[]=invoice'
      + '&items[0][price]=p_1&items[0][quantity]=2&items[1][price]=p_2&livemode=false',
    );
  });

  it('sends a rendered form body with its content type, nested keys intact on the wire', async () => {
    const { request, http } = compileSnippet({
      http: { base_url: server.url, body_format: 'form' },
      request: {
        method: 'POST', path: '/v1/customers',
        body: { name: '{{input.name}}', metadata: { plan: '{{input.plan}}' }, expand: ['{{input.expand}}'], description: '{{input.none}}' },
      },
    });
    const out = await renderRequest(request, http, {
      config: {}, credentials: {}, settings: {}, input: { name: 'Ada & Co', plan: 'pro', expand: 'x' },
    });
    await client.send(out, { timeoutMs: 2000 });
    const seen = server.seen.at(-1)!;
    expect(seen.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen.rawBody).toBe('name=Ada%20%26%20Co&metadata[plan]=pro&expand[]=x');
    expect([...new URLSearchParams(seen.rawBody)]).toEqual([['name', 'Ada & Co'], ['metadata[plan]', 'pro'], ['expand[]', 'x']]);
  });

  it('sends no body for GET, HEAD or body_format none', () => {
    expect(encodeBody({ method: 'GET', body: { a: 1 }, bodyFormat: 'json' })).toEqual({});
    expect(encodeBody({ method: 'POST', body: { a: 1 }, bodyFormat: 'none' })).toEqual({});
    expect(encodeBody({ method: 'POST', body: { a: 1 }, bodyFormat: 'json' })).toEqual({ body: '{"a":1}', contentType: 'application/json' });
  });

  it('appends query pairs to a URL, repeated names kept in order', () => {
    expect(buildUrl({ url: 'http://h/x', query: [['a', '1'], ['a', '2'], ['b c', 'd&e']] })).toBe('http://h/x?a=1&a=2&b%20c=d%26e');
    expect(buildUrl({ url: 'http://h/x', query: [] })).toBe('http://h/x');
  });
});

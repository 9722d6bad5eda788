import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/core/errors.js';
import { createHttpClient } from '../../engine/run/http/client.js';
import { renderRequest } from '../../engine/run/http/render.js';
import { compileSnippet } from '../helpers/compiled.js';
import { startServer, type TestServer } from './server.js';

const client = createHttpClient();
let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); client.close(); });

const ctx = (input: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  config: { owner: 'octo' }, credentials: {}, settings: {}, input, ...extra,
});

describe('renderRequest', () => {
  it('percent-encodes path variables so ../, ? and / cannot change the route', async () => {
    const { request, http } = compileSnippet({
      http: { base_url: server.url + '/api/' },
      request: { path: '/repos/{{config.owner}}/{{input.repo}}/issues/{{input.n}}' },
    });
    const out = await renderRequest(request, http, ctx({ repo: '../../admin?x=1#f', n: 'a/b' }));
    expect(out.url).toBe(`${server.url}/api/repos/octo/..%2F..%2Fadmin%3Fx%3D1%23f/issues/a%2Fb`);
    expect(out.query).toEqual([]);
    await client.send(out, { timeoutMs: 2000 });
    // What arrived is still one segment each, nothing traversed and no query smuggled in.
    expect(server.seen.at(-1)!.path).toBe('/api/repos/octo/..%2F..%2Fadmin%3Fx%3D1%23f/issues/a%2Fb');
    expect([...server.seen.at(-1)!.query]).toEqual([]);
  });

  it('refuses a path variable that is a dot segment (URL parsers resolve even %2E%2E)', async () => {
    const { request, http } = compileSnippet({ http: { base_url: server.url }, request: { path: '/repos/{{config.owner}}/{{input.repo}}/issues' } });
    for (const repo of ['..', '.']) {
      const err = await renderRequest(request, http, ctx({ repo })).catch((e) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err.kind).toBe('validation');
    }
    const ok = await renderRequest(request, http, ctx({ repo: '...' }));
    expect(ok.url).toBe(`${server.url}/repos/octo/.../issues`);
  });

  it('fails with a validation error naming a missing path variable', async () => {
    const { request, http } = compileSnippet({ http: { base_url: server.url }, request: { path: '/repos/{{config.owner}}/{{input.repo}}' } });
    const err = await renderRequest(request, http, ctx({})).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('validation');
    expect(err.message).toContain('input.repo');
    expect(err.location.path).toBe('actions.test.request.path');
  });

  it('drops empty query values, repeats lists and stringifies literals', async () => {
    // `since` reads an input that is not given (an action request has no `state`, which the
    // validator refuses there), so it renders empty and is left out.
    const { request, http } = compileSnippet({
      http: { base_url: server.url },
      request: {
        path: '/contacts',
        query: { since: '{{input.since}}', limit: 100, archived: false, properties: ['email', '{{input.extra}}', '{{input.none}}'], ids: '{{input.ids}}' },
      },
    });
    const out = await renderRequest(request, http, ctx({ extra: 'firstname', ids: [1, 2] }));
    expect(out.query).toEqual([
      ['limit', '100'], ['archived', 'false'], ['properties', 'email'], ['properties', 'firstname'], ['ids', '1'], ['ids', '2'],
    ]);
    await client.send(out, { timeoutMs: 2000 });
    const q = server.seen.at(-1)!.query;
    expect(q.getAll('properties')).toEqual(['email', 'firstname']);
    expect(q.has('since')).toBe(false);
  });

  it('keeps query strings that come with a url template and encodes special characters on the wire', async () => {
    const { request, http } = compileSnippet({ request: { url: '{{input.next}}', query: { q: '{{input.q}}' } } });
    const out = await renderRequest(request, http, ctx({ next: `${server.url}/page?cursor=a%2Bb&size=2`, q: 'a&b=c d' }));
    expect(out.url).toBe(`${server.url}/page`);
    expect(out.query).toEqual([['cursor', 'a+b'], ['size', '2'], ['q', 'a&b=c d']]);
    await client.send(out, { timeoutMs: 2000 });
    const q = server.seen.at(-1)!.query;
    expect(q.get('cursor')).toBe('a+b');
    expect(q.get('q')).toBe('a&b=c d');
  });

  it('merges connector and request headers, lower-cased, empty ones dropped', async () => {
    const { request, http } = compileSnippet({
      http: { base_url: server.url, headers: { Accept: 'application/json', 'X-Version': '2024-01-01', 'X-Opt': '{{config.none}}' } },
      request: { path: '/x', headers: { 'X-Trace': '{{input.trace}}', Accept: 'application/vnd.test+json' } },
    });
    const out = await renderRequest(request, http, ctx({}));
    expect(out.headers).toEqual({ accept: 'application/vnd.test+json', 'x-version': '2024-01-01' });
  });

  it('keeps the raw type of whole-value body templates and drops undefined ones', async () => {
    const { request, http } = compileSnippet({
      http: { base_url: server.url },
      request: {
        method: 'POST',
        path: '/items',
        body: { title: 'Issue: {{input.title}}', count: '{{input.count}}', draft: '{{input.draft}}', meta: '{{input.meta}}', missing: '{{input.nope}}', fixed: 3, list: ['{{input.count}}', 'x'] },
      },
    });
    const out = await renderRequest(request, http, ctx({ title: 'Bug', count: 7, draft: false, meta: { a: [1] } }));
    expect(out.body).toEqual({ title: 'Issue: Bug', count: 7, draft: false, meta: { a: [1] }, fixed: 3, list: [7, 'x'] });
    expect(out.bodyFormat).toBe('json');
    await client.send(out, { timeoutMs: 2000 });
    const seen = server.seen.at(-1)!;
    expect(seen.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen.rawBody)).toEqual(out.body);
  });

  it('builds a body from body_expr over the context', async () => {
    const { request, http } = compileSnippet({
      http: { base_url: server.url },
      request: { method: 'POST', path: '/search', body_expr: "{ 'filters': [{ 'value': input.email }], 'limit': 10 }" },
    });
    const out = await renderRequest(request, http, ctx({ email: 'a@b.c' }));
    expect(out.body).toEqual({ filters: [{ value: 'a@b.c' }], limit: 10 });
  });

  it('uses the connection base URL override and rejects a relative result', async () => {
    const fixed = compileSnippet({ http: { base_url: 'https://api.example.invalid' }, request: { path: '/v1/ping' } });
    const out = await renderRequest(fixed.request, fixed.http, ctx(), { baseUrl: `${server.url}/sandbox/` });
    expect(out.url).toBe(`${server.url}/sandbox/v1/ping`);
    const fromConfig = compileSnippet({ http: { base_url: '{{config.host}}' }, request: { path: '/v1/ping' } });
    const err = await renderRequest(fromConfig.request, fromConfig.http, ctx()).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('config');
  });
});

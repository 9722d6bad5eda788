import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/core/errors.js';
import { compileSource, parseDuration } from '../../engine/plan/index.js';
import type { Plan } from '../../engine/plan/plan.js';
import { BASE, FILE, columnOf, edit, lineOf } from './fixtures.js';

function plan(src = BASE): Plan {
  const r = compileSource(src, FILE);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(r.plan).toBeDefined();
  return r.plan!;
}

describe('compile: plan shape and defaults', () => {
  const p = plan();

  it('carries identity, absolute file and the resolved manifest', () => {
    expect(p).toMatchObject({ id: 'acme', name: 'Acme', description: 'Test connector', categories: ['crm'], file: FILE });
    expect(p.manifest.id).toBe('acme');
    expect(p.configSchema).toMatchObject({ required: ['owner'] });
  });

  it('merges http defaults under the connector block', () => {
    expect(p.http.timeoutMs).toBe(10_000);
    expect(p.http.bodyFormat).toBe('json');
    expect(p.http.retry).toMatchObject({
      statuses: [429, 500, 502, 503, 504], maxAttempts: 4, backoff: { initialMs: 500, maxMs: 30_000, factor: 2 },
      waitHeaders: ['retry-after'], maxWaitMs: 60_000,
    });
    expect(p.http.rateLimit).toBeUndefined();
    expect(p.http.pagination).toMatchObject({ type: 'cursor', param: { in: 'query', name: 'cursor' }, sizeParam: 'limit', size: 50, maxPages: 10_000 });
    expect(p.http.baseUrl!.render({})).toBe('https://api.acme.test/v1');
    expect(p.http.headers.map((h) => [h.name, h.template.render({})])).toEqual([['Accept', 'application/json']]);
  });

  it('compiles requests: path segments encoded, body leaves keep their type', () => {
    const a = p.actions.create_issue;
    expect(a.request.method).toBe('POST');
    expect(a.request.path!.render({ config: { owner: 'a/b' } })).toBe('/repos/a%2Fb/issues');
    expect(a.paginate).toBe(false);
    const body = a.request.body!;
    expect(body.kind).toBe('object');
    const entries = body.kind === 'object' ? Object.fromEntries(body.entries) : {};
    expect(entries.labels.kind === 'template' && entries.labels.template.value({ input: { labels: ['x', 'y'] } })).toEqual(['x', 'y']);
    expect(entries.draft).toEqual({ kind: 'literal', value: false });
    expect(p.check!.request.path!.render({})).toBe('/me');
  });

  it('compiles input, config and credentials validators', () => {
    expect(p.actions.create_issue.validateInput!({ title: 'x' })).toBe(true);
    expect(p.actions.create_issue.validateInput!({})).toBe(false);
    expect(p.validateConfig!({ owner: 'o' })).toBe(true);
    expect(p.validateConfig!({})).toBe(false);
    const m = p.auth.methods.default;
    expect(m.validateCredentials!({ api_key: 5 })).toBe(false);
    expect(m.validateCredentials!({ api_key: 'k' })).toBe(true);
  });

  it('names a single auth method `default` with its spec and templates', () => {
    expect(p.auth.defaultMethod).toBe('default');
    const m = p.auth.methods.default;
    expect(m).toMatchObject({ name: 'default', type: 'api_key', spec: { in: 'header', name: 'X-Api-Key' } });
    expect(m.templates.value.render({ credentials: { api_key: 'k1' } })).toBe('k1');
  });

  it('compiles streams: keys, cursor, parent and a page-wide mapping', async () => {
    const s = p.streams.issues;
    expect(s.primaryKey).toEqual(['id']);
    expect(s.cursor!.field).toBe('updated_at');
    expect(s.cursor!.initial!.render({})).toBe('2020-01-01T00:00:00Z');
    expect(s.model).toBe('ticket');
    expect(s.markDeleted).toBe(false);
    expect(p.streams.comments).toMatchObject({ primaryKey: ['issue_id', 'id'], parent: 'issues' });
    expect(await s.records!.evaluate({ data: [{ id: 1 }] })).toEqual([{ id: 1 }]);
    const page = [{ id: 1, title: 'a', updated_at: 't1', extra: true }, { id: 2, title: 'b', updated_at: 't2' }];
    expect(await s.mapPage!.evaluate(page)).toEqual([{ id: '1', title: 'a', updated_at: 't1' }, { id: '2', title: 'b', updated_at: 't2' }]);
    // JSONata would collapse these to a bare object and to nothing; the plan promises arrays.
    expect(await s.mapPage!.evaluate([page[0]])).toEqual([{ id: '1', title: 'a', updated_at: 't1' }]);
    expect(await s.mapPage!.evaluate([])).toEqual([]);
  });

  it('places compiled expressions at their line and column', () => {
    const loc = p.streams.issues.records!.location!;
    expect(loc).toMatchObject({ file: FILE, line: lineOf(BASE, 'records: data'), column: columnOf(BASE, 'records: data', 9), path: 'streams.issues.records' });
    expect(p.streams.issues.mapPage!.location).toMatchObject({ line: lineOf(BASE, '    mapping:'), path: 'streams.issues.mapping' });
    expect(p.actions.create_issue.loc).toMatchObject({ line: lineOf(BASE, 'create_issue:'), path: 'actions.create_issue' });
  });

  it('fills webhook verification defaults and compiles route patterns', async () => {
    const w = p.webhooks!;
    expect(w.verify).toMatchObject({ type: 'hmac', algorithm: 'sha256', secretEncoding: 'utf8', toleranceMs: 300_000, signature: { header: 'x-acme-signature', prefix: 'sha256=', encoding: 'hex' } });
    if (w.verify.type !== 'hmac') throw new Error('expected hmac');
    expect(w.verify.signed!.render({ raw_body: '{"a":1}' })).toBe('{"a":1}');
    expect(w.verify.secret!.render({ credentials: { webhook_secret: 's' } })).toBe('s');
    const [r0, r1] = w.routes;
    expect(r0.matchers.some((m) => m.test('issue.opened'))).toBe(true);
    expect(r0.matchers.some((m) => m.test('issues.opened'))).toBe(false);
    expect(r0.matchers.some((m) => m.test('xissue.opened'))).toBe(false);
    expect(r1.matchers[0].test('issue.deleted')).toBe(true);
    expect(r1.matchers[0].test('issue-deleted')).toBe(false);
    const [upsert] = r0.actions;
    if (upsert.type !== 'upsert') throw new Error(`expected an upsert, got ${upsert.type}`);
    expect(upsert.stream).toBe('issues');
    expect(await upsert.record.evaluate({ body: { issue: { id: 3 } } })).toEqual({ id: 3 });
    expect(await w.id.evaluate({ headers: { 'x-acme-delivery': 'd1' } })).toBe('d1');
  });

  it('freezes the plan deeply, leaving validators callable', () => {
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.streams.issues.request.query)).toBe(true);
    expect(Object.isFrozen(p.http.retry.statuses)).toBe(true);
    expect(Object.isFrozen(p.manifest)).toBe(true);
    expect(() => { (p.http as { timeoutMs: number }).timeoutMs = 1; }).toThrow(TypeError);
    expect(p.validateConfig!({})).toBe(false);
    expect(p.validateConfig!.errors?.length).toBeGreaterThan(0);
  });
});

describe('compile: http overrides', () => {
  const src = edit(
    edit(BASE, '  timeout: 10s', '  timeout: 10s\n  rate_limit: { requests: 10, per: 1s }\n  errors:\n    kinds: { bad_key: auth }'),
    '    records: data',
    `    records: data
    http:
      timeout: 2m
      headers: { accept: text/plain, X-Extra: "{{config.owner}}" }
      retry: { max_attempts: 2, backoff: { max: 1h } }
      rate_limit: { concurrency: 2 }
      errors: { kinds: { gone: not_found } }
      pagination: { type: page, size: 10 }`,
  ).replace('  errors:\n    message: error.message\n', '');
  const p = plan(src);
  const s = p.streams.issues.http;

  it('merges objects key by key and replaces pagination', () => {
    expect(s.timeoutMs).toBe(120_000);
    expect(s.headers.map((h) => [h.name, h.template.render({ config: { owner: 'o' } })])).toEqual([['accept', 'text/plain'], ['X-Extra', 'o']]);
    expect(s.retry).toMatchObject({ maxAttempts: 2, statuses: [429, 500, 502, 503, 504], backoff: { initialMs: 500, maxMs: 3_600_000, factor: 2 } });
    expect(s.rateLimit).toEqual({ requests: 10, perMs: 1000, concurrency: 2, scope: 'connection', resetFormat: 'epoch_seconds' });
    expect(s.errors.kinds).toEqual({ bad_key: 'auth', gone: 'not_found' });
    expect(s.pagination).toEqual({ type: 'page', pageParam: 'page', start: 1, size: 10, maxPages: 10_000 });
  });

  it('leaves other operations on the connector block', () => {
    expect(p.actions.create_issue.http.pagination.type).toBe('cursor');
    expect(p.actions.create_issue.http.timeoutMs).toBe(10_000);
    expect(p.actions.create_issue.http.rateLimit).toEqual({ requests: 10, perMs: 1000, scope: 'connection', resetFormat: 'epoch_seconds' });
  });

  it('locates each expression where it was written, override or connector block', () => {
    const q = plan(edit(src, '  request: { path: /me }', '  request: { path: /me }\n  http:\n    pagination: { type: next_url, next: links.next }'));
    const next = q.check!.http.pagination.type === 'next_url' ? q.check!.http.pagination.next : undefined;
    expect(next!.location).toMatchObject({ line: lineOf(src, '  request: { path: /me }') + 2, path: 'check.http.pagination.next' });
    const base = q.actions.create_issue.http.pagination;
    expect(base.type === 'cursor' && base.next.location).toMatchObject({ line: lineOf(src, 'next: meta.next'), path: 'http.pagination.next' });
  });
});

describe('compile: auth methods, query forms and webhook variants', () => {
  const src = edit(
    edit(
      edit(BASE, 'auth:\n  type: api_key\n  name: X-Api-Key\n  value: "{{credentials.api_key}}"', `auth:
  default: oauth
  methods:
    oauth:
      type: oauth2
      authorize_url: https://acme.test/authorize
      token_url: https://acme.test/token
      refresh_skew: 2m
      authorize_params: { prompt: consent }
      settings: { instance_url: instance_url }
      credentials:
        type: object
        required: [client_id]
        properties: { client_id: { type: string } }
    key:
      type: api_key
      name: X-Api-Key`),
      '        since: "{{state.cursor}}"',
      '        since: "{{state.cursor}}"\n        limit: 25\n        fields: [a, "{{config.owner}}"]',
    ),
    '    type: hmac\n    secret: "{{credentials.webhook_secret}}"\n    signature: { header: X-Acme-Signature, prefix: "sha256=" }',
    '    type: standard_webhooks\n    secret: "{{credentials.webhook_secret}}"\n    tolerance: 1m',
  ) + `  handshake:
    when: body.type = "url_verification"
    response: { body: "{ 'challenge': body.challenge }" }
`;
  const p = plan(src);

  it('compiles each method with defaults and merged credentials', async () => {
    expect(p.auth.defaultMethod).toBe('oauth');
    const o = p.auth.methods.oauth;
    expect(o.spec).toMatchObject({ type: 'oauth2', pkce: true, refresh: true, grant: 'authorization_code', refresh_skew: 120_000 });
    expect(o.templates.token_url.render({})).toBe('https://acme.test/token');
    expect(o.templates['authorize_params.prompt'].render({})).toBe('consent');
    expect(o.templates.token.render({ credentials: { access_token: 't' } })).toBe('t');
    expect(await o.exprs['settings.instance_url'].evaluate({ instance_url: 'https://i' })).toBe('https://i');
    expect(await o.exprs['token_fields.access_token'].evaluate({ access_token: 'a' })).toBe('a');
    expect(o.credentialsSchema).toMatchObject({ required: ['client_id'], properties: { api_key: {}, webhook_secret: {}, client_id: {} } });
    expect(o.validateCredentials!({ api_key: 'x' })).toBe(false);
    expect(p.auth.methods.key.templates.value.render({ credentials: { api_key: 'k' } })).toBe('k');
  });

  it('compiles literal and repeated query values', () => {
    const q = p.streams.issues.request.query;
    expect(q.map((e) => [e.name, e.repeated, e.values.map((v) => v.render({ config: { owner: 'o' }, state: { cursor: 'c' } }))])).toEqual([
      ['since', false, ['c']], ['limit', false, ['25']], ['fields', true, ['a', 'o']],
    ]);
  });

  it('uses whsec keys for Standard Webhooks and fills handshake defaults', async () => {
    expect(p.webhooks!.verify).toMatchObject({ type: 'standard_webhooks', secretEncoding: 'whsec', toleranceMs: 60_000 });
    expect('signed' in p.webhooks!.verify).toBe(false);
    const [h] = p.webhooks!.handshakes;
    expect(h).toMatchObject({ status: 200, contentType: 'application/json', verify: true, methods: ['POST'], headers: {} });
    expect(p.webhooks!.acks).toEqual([]);
    expect(await h.when.evaluate({ body: { type: 'url_verification' } })).toBe(true);
    expect(await h.body!.evaluate({ body: { challenge: 'c' } })).toEqual({ challenge: 'c' });
  });
});

describe('compile: results', () => {
  it('gives no plan when there are errors, and a plan with warnings', () => {
    const bad = compileSource(edit(BASE, '    records: data', '    records: data['), FILE);
    expect(bad.plan).toBeUndefined();
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['jsonata-syntax']);
    const warned = compileSource(edit(BASE, 'https://api.acme.test/v1', 'http://api.acme.test/v1'), FILE);
    expect(warned.plan).toBeDefined();
    expect(warned.diagnostics.map((d) => d.code)).toEqual(['insecure-url']);
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500], ['30s', 30_000], ['5m', 300_000], ['1h', 3_600_000], ['1d', 86_400_000], ['1.5s', 1500], [250, 250], [0, 0],
  ] as const)('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['5 minutes', '-1s', '1w', '', 's'])('refuses %j', (input) => {
    expect(() => parseDuration(input)).toThrow(ConnectorError);
  });
});

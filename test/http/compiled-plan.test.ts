import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authStrategyFor } from '../../engine/components/auth/registry.js';
import { createHttpClient } from '../../engine/run/http/client.js';
import { limiterKeyFor } from '../../engine/components/connection-key.js';
import { renderRequest } from '../../engine/run/http/render.js';
import type { Connection } from '../../engine/core/wire.js';
import { compileSource } from '../../engine/plan/index.js';
import type { Plan } from '../../engine/plan/plan.js';
import { compileSnippet, templateContext } from '../helpers/compiled.js';
import { startServer, type TestServer } from './server.js';

const client = createHttpClient();
let server: TestServer;
let plan: Plan;

const manifest = `
patchbay: 1
id: formshop
name: Form Shop
auth: { type: api_key, name: Authorization, prefix: "Bearer ", value: "{{credentials.secret_key}}" }
http:
  base_url: "{{config.base}}"
  body_format: form
  rate_limit: { concurrency: 2 }
  retry: { statuses: [503], max_attempts: 3, backoff: { initial: 5ms, max: 10ms }, idempotency_header: Idempotency-Key }
  errors: { message: error.message, code: error.code, kinds: { card_declined: client } }
actions:
  create_customer:
    request:
      method: POST
      path: /v1/customers
      body: { email: "{{input.email}}", metadata: { plan: "{{input.plan}}" }, expand: ["{{input.expand}}"] }
`;

beforeAll(async () => {
  server = await startServer((r, i) => (i === 0 ? { status: 503 } : r.query.get('fail')
    ? { status: 402, body: { error: { message: 'Your card was declined.', code: 'card_declined' } } }
    : { body: { id: 'cus_1' } }));
  const out = compileSource(manifest, 'connectors/formshop/connector.yaml');
  if (!out.plan) throw new Error(JSON.stringify(out.diagnostics, null, 2));
  plan = out.plan;
});
afterAll(async () => { await server.close(); client.close(); });

describe('a compiled plan through the request path', () => {
  it('renders, authenticates, form-encodes and retries a POST with one idempotency key', async () => {
    const action = plan.actions.create_customer;
    const conn: Connection = { connector: 'formshop', id: 'fs-1', config: { base: server.url }, credentials: { secret_key: 'sk_test_abc' } };
    const method = plan.auth.methods[plan.auth.defaultMethod];
    const ctx = templateContext(conn, { input: { email: 'a@b.c', plan: 'pro', expand: 'sources' } });
    const req = await renderRequest(action.request, action.http, ctx);
    const res = await client.execute(req, {
      http: action.http, auth: { strategy: authStrategyFor(method), ctx: { method, connection: conn, template: ctx, http: client } },
      limiterKey: limiterKeyFor(conn, action.http.rateLimit), connector: plan.id, operation: 'action:create_customer',
    });
    expect(res.body).toEqual({ id: 'cus_1' });
    expect(server.seen).toHaveLength(2);
    const [first, second] = server.seen;
    expect(second.rawBody).toBe('email=a%40b.c&metadata[plan]=pro&expand[]=sources');
    expect(second.headers.authorization).toBe('Bearer sk_test_abc');
    expect(first.headers['idempotency-key']).toBe(second.headers['idempotency-key']);

    const failing = { ...req, query: [['fail', '1']] as Array<[string, string]> };
    const err = await client.execute(failing, {
      http: action.http, auth: { strategy: authStrategyFor(method), ctx: { method, connection: conn, template: ctx, http: client } },
      limiterKey: limiterKeyFor(conn, action.http.rateLimit), connector: plan.id, operation: 'action:create_customer',
    }).catch((e) => e);
    expect([err.kind, err.providerCode, err.providerMessage]).toEqual(['client', 'card_declined', 'Your card was declined.']);
    expect(JSON.stringify(err)).not.toContain('sk_test_abc');
  });
});

describe('test snippets compile through the validator', () => {
  it('an invalid snippet fails with the validator’s own diagnostic', () => {
    expect(() => compileSnippet({ http: { retry: { max_attempts: 0 } } })).toThrow(/invalid-value at http\.retry\.max_attempts/);
    expect(() => compileSnippet({ request: { path: '/x/{{state.cursor}}' } })).toThrow(/template-variable at actions\.test\.request\.path/);
  });

  it('takes a snippet as YAML text the way an author writes it', () => {
    const { request, http, method } = compileSnippet(`
auth: { type: bearer, scheme: Token }
http: { base_url: "https://api.example.com", retry: { max_attempts: 1 } }
request: { method: POST, path: /items, body: { n: 1 } }
`);
    expect([request.method, request.body?.kind, http.retry.maxAttempts, method.type, method.spec.scheme]).toEqual(['POST', 'object', 1, 'bearer', 'Token']);
    expect(() => compileSnippet('request: { path: /x, verb: GET }')).toThrow(/unknown-key at actions\.test\.request\.verb/);
  });

  it('a warning fails too unless the snippet expects it', () => {
    const auth = { type: 'api_key', in: 'query', name: 'api_key' };
    expect(() => compileSnippet({ auth })).toThrow(/warning secret-in-query at auth\.in/);
    expect(compileSnippet({ auth }, { allowWarnings: ['secret-in-query'] }).method.spec).toMatchObject({ in: 'query', name: 'api_key' });
  });
});

import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/core/errors.js';
import { captureLogger, compile, engineOverServer, failure } from './helpers.js';

const SECRET = 'tok_live_7f3a9c2e1b5d';

const MANIFEST = `
patchbay: 1
id: demo
name: Demo
config:
  type: object
  required: [owner]
  properties:
    owner: { type: string, minLength: 2 }
credentials:
  type: object
  required: [token]
  properties:
    token: { type: string, pattern: "^tok_" }
auth:
  methods:
    token: { type: bearer }
    key: { type: api_key, name: X-Key, value: "{{credentials.token}}" }
  default: token
http:
  base_url: http://unused.invalid
  retry: { max_attempts: 1 }
  errors: { message: message }
  pagination: { type: cursor, next: next, param: { name: cursor } }
check:
  request: { path: /me }
  output: "{ 'account': login, 'status': $status }"
actions:
  create_issue:
    input:
      type: object
      required: [repo, title]
      additionalProperties: false
      properties:
        repo: { type: string }
        title: { type: string }
        labels: { type: array, items: { type: string } }
    request:
      method: POST
      path: "/repos/{{config.owner}}/{{input.repo}}/issues"
      body: { title: "{{input.title}}", labels: "{{input.labels}}" }
    output: "{ 'id': $string(id), 'title': $input.title, 'status': $status, 'trace': $headers.\`x-trace\` }"
  list_all:
    request: { path: /items }
    paginate: true
    records: items
    output: "{ 'count': $count($), 'ids': $.id }"
  raw:
    request: { path: "/raw/{{input.id}}" }
`;

const fx = engineOverServer(() => [compile(MANIFEST)]);
const { setup } = fx;

function conn(extra: Record<string, unknown> = {}) {
  return { connector: 'demo', id: 'c1', config: { owner: 'acme' }, credentials: { token: SECRET }, baseUrl: fx.server.url, ...extra };
}

describe('call', () => {
  it('renders, authenticates, sends and evaluates output with $input, $status and $headers', async () => {
    const e = await setup((req) => ({ status: 201, headers: { 'x-trace': 't-1' }, body: { id: 42, echo: req.body } }));
    const out = await e.call(conn(), 'create_issue', { repo: 'a b/c', title: 'Hello', labels: ['bug', 'p1'] });
    expect(out).toEqual({ id: '42', title: 'Hello', status: 201, trace: 't-1' });
    expect(fx.server.seen).toHaveLength(1);
    const [seen] = fx.server.seen;
    expect(seen.method).toBe('POST');
    expect(seen.path).toBe('/repos/acme/a%20b%2Fc/issues');
    expect(seen.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(seen.body).toEqual({ title: 'Hello', labels: ['bug', 'p1'] });
  });

  it('uses the auth method the connection chooses', async () => {
    const e = await setup(() => ({ body: { ok: true } }));
    await e.call(conn({ auth: 'key' }), 'raw', { id: 1 });
    expect(fx.server.seen[0].headers['x-key']).toBe(SECRET);
    expect(fx.server.seen[0].headers.authorization).toBeUndefined();
  });

  it('returns the body when there is no output expression', async () => {
    const e = await setup(() => ({ body: { a: [1, 2] } }));
    expect(await e.call(conn(), 'raw', { id: 'x' })).toEqual({ a: [1, 2] });
  });

  it('rejects invalid input before any request, with details', async () => {
    const e = await setup(() => ({ body: {} }));
    const err = await failure(e.call(conn(), 'create_issue', { repo: 'r', extra: 1 }));
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ kind: 'validation', connector: 'demo', operation: 'action:create_issue' });
    expect(err.details).toEqual(expect.arrayContaining([
      { path: 'input.title', message: 'is required' },
      { path: 'input.extra', message: 'is not an allowed property' },
    ]));
    expect(fx.server.seen).toHaveLength(0);
  });

  it('rejects invalid config before any request', async () => {
    const e = await setup(() => ({ body: {} }));
    const err = await failure(e.call(conn({ config: { owner: 'x' } }), 'raw', { id: 1 }));
    expect(err).toMatchObject({ kind: 'config', operation: 'action:raw', details: [{ path: 'config.owner', message: expect.stringContaining('fewer than 2') }] });
    const missing = await failure(e.call(conn({ config: {} }), 'raw', { id: 1 }));
    expect(missing.details).toEqual([{ path: 'config.owner', message: 'is required' }]);
    expect(fx.server.seen).toHaveLength(0);
  });

  it('rejects invalid credentials before any request without showing their value', async () => {
    const e = await setup(() => ({ body: {} }));
    const bad = 'sk_this_is_a_real_secret_9931';
    const err = await failure(e.call(conn({ credentials: { token: bad } }), 'raw', { id: 1 }));
    expect(err).toMatchObject({ kind: 'config', details: [{ path: 'credentials.token', message: expect.stringContaining('pattern') }] });
    expect(JSON.stringify(err.toJSON())).not.toContain(bad);
    expect(fx.server.seen).toHaveLength(0);
  });

  it('rejects an unknown auth method, listing the available ones', async () => {
    const e = await setup(() => ({ body: {} }));
    await expect(e.call(conn({ auth: 'oauth' }), 'raw', { id: 1 })).rejects.toMatchObject({ kind: 'config', message: expect.stringMatching(/"oauth".*token, key/) });
    expect(fx.server.seen).toHaveLength(0);
  });

  it('suggests the nearest connector and action names', async () => {
    const e = await setup(() => ({ body: {} }));
    expect(() => e.plan('dmeo')).toThrow(/Unknown connector "dmeo" \(did you mean "demo"\?\)/);
    await expect(e.call(conn(), 'create_isue', {})).rejects.toMatchObject({ kind: 'config', operation: 'action:create_isue', message: expect.stringContaining('did you mean "create_issue"') });
    await expect(e.call({ ...conn(), connector: 'dem' }, 'raw', {})).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('did you mean "demo"') });
  });

  it('follows pages when paginate is set and evaluates output over all records', async () => {
    const e = await setup((req) => {
      const c = Number(req.query.get('cursor') ?? 0);
      return { body: { items: [{ id: c * 2 }, { id: c * 2 + 1 }], next: c < 2 ? String(c + 1) : null } };
    });
    expect(await e.call(conn(), 'list_all', {})).toEqual({ count: 6, ids: [0, 1, 2, 3, 4, 5] });
    expect(fx.server.seen).toHaveLength(3);
  });

  it('names connector and operation on provider errors and redacts secrets the provider echoes', async () => {
    const e = await setup((req) => ({ status: 404, body: { message: `no such thing for ${String(req.headers.authorization)}` } }));
    const err = await failure(e.call(conn(), 'raw', { id: 7 }));
    expect(err).toMatchObject({ kind: 'not_found', status: 404, connector: 'demo', operation: 'action:raw' });
    const text = JSON.stringify(err.toJSON()) + err.message + String(err.stack);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('[REDACTED]');
  });

  it('logs one line per operation with its outcome and no secret', async () => {
    const { logger, lines } = captureLogger();
    const e = await setup((req) => (req.path === '/items' ? { body: { items: [1, 2, 3], next: null } } : { status: 500, body: { message: `boom ${SECRET}` } }), logger);
    await e.call(conn(), 'list_all', {});
    await e.call(conn(), 'raw', { id: 1 }).catch(() => undefined);
    const ops = lines.filter((l) => l.operation !== undefined && 'outcome' in l);
    expect(ops).toHaveLength(2);
    expect(ops[0]).toMatchObject({ connector: 'demo', connection: 'c1', operation: 'action:list_all', pages: 1, records: 3, outcome: 'ok' });
    expect(typeof ops[0].durationMs).toBe('number');
    expect(ops[1]).toMatchObject({ operation: 'action:raw', outcome: 'error', error: { kind: 'server', status: 500 } });
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });
});

describe('check', () => {
  it('returns ok with the check output', async () => {
    const e = await setup((req) => ({ body: { login: 'octo', path: req.path } }));
    expect(await e.check(conn())).toEqual({ ok: true, output: { account: 'octo', status: 200 } });
    expect(fx.server.seen[0].headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('throws the request error named as the check', async () => {
    const e = await setup(() => ({ status: 401, body: { message: 'Bad credentials' } }));
    await expect(e.check(conn())).rejects.toMatchObject({ kind: 'auth', operation: 'check', connector: 'demo', providerMessage: 'Bad credentials' });
  });

  it('validates credentials without a request when they are missing', async () => {
    const e = await setup(() => ({ body: {} }));
    await expect(e.check(conn({ credentials: {} }))).rejects.toMatchObject({ kind: 'config', operation: 'check', details: [{ path: 'credentials.token', message: 'is required' }] });
    expect(fx.server.seen).toHaveLength(0);
  });
});

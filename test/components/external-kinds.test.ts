/**
 * Kinds registered from outside the package, through its entry only (as a host imports
 * `patchbay`): a manifest using them validates with no diagnostics, compiles, and runs a
 * read and a call on a real socket, the paginator following the pages and the auth kind
 * signing every request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authTypes, compileSource, createEngine, manifestSchema, paginatorTypes, registerAuthStrategy, registerPaginator, validateSource,
  type Connection, type Engine,
} from '../../engine/index.js';
import { startServer, type Reply, type TestServer } from '../http/server.js';
import { headerToken } from './kinds/header-token.js';
import { hmacHeader, signature } from './kinds/hmac-header.js';

registerPaginator(headerToken);
registerAuthStrategy(hmacHeader);

const FILE = '/virtual/acme/connector.yaml';

const MANIFEST = `patchbay: 1
id: acme
name: Acme
config:
  type: object
  required: [base_url]
  properties:
    base_url: { type: string }
credentials:
  type: object
  required: [signing_key]
  properties:
    signing_key: { type: string }
auth:
  type: hmac_header
  header: X-Acme-Signature
http:
  base_url: "{{config.base_url}}"
  pagination: { type: header_token, header: X-Next-Token, size_param: limit, size: 2 }
actions:
  ping:
    request: { method: POST, path: /ping, body: { name: "{{input.name}}" } }
    output: "$"
streams:
  items:
    request: { path: /items }
    records: items
    primary_key: id
`;

/** Three pages: the token for the next one is in `x-next-token`, the last has none. */
const PAGES: Record<string, { ids: number[]; next?: string }> = { '': { ids: [1, 2], next: 't2' }, t2: { ids: [3, 4], next: 't3' }, t3: { ids: [5] } };

let server: TestServer;
let engine: Engine;
let conn: Connection;

beforeAll(async () => {
  server = await startServer((req): Reply => {
    if (req.path === '/ping') return { body: { pong: JSON.parse(req.rawBody).name } };
    const page = PAGES[req.query.get('page_token') ?? ''];
    return { headers: page.next ? { 'x-next-token': page.next } : undefined, body: { items: page.ids.map((id) => ({ id })) } };
  });
  const { plan, diagnostics } = compileSource(MANIFEST, FILE);
  expect(diagnostics).toEqual([]);
  engine = await createEngine({ connectors: [plan!] });
  conn = { connector: 'acme', id: 'c-1', config: { base_url: server.url }, credentials: { signing_key: 'k-secret' } };
});

afterAll(async () => {
  await engine?.close();
  await server?.close();
});

describe('kinds registered from outside', () => {
  it('are listed with the built-in ones and get their own schema sections', () => {
    expect(paginatorTypes()).toContain('header_token');
    expect(authTypes()).toContain('hmac_header');
    const defs = manifestSchema().$defs as Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
    expect(defs.page_header_token.required).toEqual(['type', 'header']);
    expect(Object.keys(defs.page_header_token.properties!)).toEqual(['type', 'header', 'param', 'size_param', 'size', 'max_pages', 'stop_when']);
    expect(Object.keys(defs.auth_hmac_header.properties!)).toEqual(['type', 'label', 'description', 'credentials', 'query', 'key', 'header']);
    expect(defs.auth_hmac_header.properties!.key).toMatchObject({ description: expect.stringMatching(/\(Handlebars template\)$/), default: '{{credentials.signing_key}}' });
  });

  it('validate a manifest that uses them, with no diagnostics', () => {
    expect(validateSource(MANIFEST, FILE).diagnostics).toEqual([]);
  });

  it('compile with the declared defaults and fields', () => {
    const { plan } = compileSource(MANIFEST, FILE);
    expect(plan!.http.pagination).toEqual({ type: 'header_token', header: 'x-next-token', param: 'page_token', sizeParam: 'limit', size: 2, maxPages: 10_000 });
    const method = plan!.auth.methods.default;
    expect(method.type).toBe('hmac_header');
    expect(method.spec.header).toBe('X-Acme-Signature');
    expect(method.templates.key.source).toBe('{{credentials.signing_key}}');
  });

  it('describe shows what the kind says of itself, the same through the present entry', async () => {
    const { describeConnector } = await import('../../engine/platform/present/index.js');
    const doc = describeConnector(compileSource(MANIFEST, FILE).plan!);
    expect(doc.auth.methods).toEqual([expect.objectContaining({ name: 'default', type: 'hmac_header', header: 'X-Acme-Signature' })]);
    expect(JSON.stringify(doc)).not.toContain('signing_key}}');
  });

  it('read: follows the header tokens over three pages, each request signed', async () => {
    const before = server.seen.length;
    const records: unknown[] = [];
    for await (const r of engine.read(conn, 'items')) records.push(r);
    expect(records).toEqual([1, 2, 3, 4, 5].map((id) => ({ id })));
    const seen = server.seen.slice(before);
    expect(seen.map((s) => s.query.toString())).toEqual(['limit=2', 'limit=2&page_token=t2', 'limit=2&page_token=t3']);
    for (const s of seen) expect(s.headers['x-acme-signature']).toBe(signature('k-secret', 'GET', '/items'));
  });

  it('call: the action request is signed too', async () => {
    await expect(engine.call(conn, 'ping', { name: 'ada' })).resolves.toEqual({ pong: 'ada' });
    expect(server.seen.at(-1)!.headers['x-acme-signature']).toBe(signature('k-secret', 'POST', '/ping'));
  });

  it('a required field of a registered kind is enforced, placed', () => {
    const d = validateSource(MANIFEST.replace('type: header_token, header: X-Next-Token, ', 'type: header_token, '), FILE).diagnostics;
    expect(d.map((x) => [x.code, x.path])).toContainEqual(['missing-key', 'http.pagination']);
  });

  it('an unregistered type is refused with the known types listed, registered ones included', () => {
    const d = validateSource(MANIFEST.replace('type: header_token', 'type: header_tokens'), FILE).diagnostics;
    const problem = d.find((x) => x.path === 'http.pagination.type');
    expect(problem, JSON.stringify(d)).toBeDefined();
    expect(problem!.severity).toBe('error');
    for (const known of ['none', 'cursor', 'next_url', 'header_token']) expect(`${problem!.message} ${problem!.hint ?? ''}`).toContain(known);
    const a = validateSource(MANIFEST.replace('type: hmac_header', 'type: hmac_headr'), FILE).diagnostics.find((x) => x.path === 'auth.type');
    expect(`${a?.message} ${a?.hint ?? ''}`).toMatch(/hmac_header/);
  });
});

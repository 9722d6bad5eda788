/**
 * One record by id through a stream's single-record request (issue 13 item 5). QuickBooks
 * answers `GET /v3/company/<realm>/customer/<id>` with `{ "Customer": {…}, "time": … }`
 * and a missing id with a 400 Fault whose code is 610 "Object Not Found"
 * (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer#read-a-customer);
 * a plain 404 is the common case elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { validateSource } from '../../engine/plan/index.js';
import { compile, engineOverServer, failure } from './helpers.js';

const MANIFEST = `
patchbay: 1
id: qbo
name: QuickBooks get
config:
  type: object
  properties:
    realm_id: { type: string }
auth: { type: bearer }
http:
  base_url: https://unused.invalid
  query: { minorversion: 75 }
  retry: { max_attempts: 1 }
  errors:
    message: Fault.Error[0].Message
    code: Fault.Error[0].code
    kinds: { "610": not_found }
streams:
  customers:
    request: { path: "/v3/company/{{config.realm_id}}/query" }
    records: QueryResponse.Customer
    primary_key: id
    mapping: "{ 'id': Id, 'name': DisplayName, 'version': SyncToken }"
    get:
      request: { path: "/v3/company/{{config.realm_id}}/customer/{{id}}" }
      record: Customer
  invoices:
    request: { path: /invoices }
    primary_key: Id
`;

const fx = engineOverServer(() => new Map([['qbo', compile(MANIFEST, '/virtual/connectors/qbo/connector.yaml')]]));
const conn = () => ({ connector: 'qbo', id: 'q1', credentials: { token: 't' }, config: { realm_id: '9130' }, baseUrl: fx.server.url });

const provider = () => fx.setup((req) => {
  const m = /^\/v3\/company\/9130\/customer\/(\d+)$/.exec(req.path);
  if (m && m[1] === '58') return { body: { Customer: { Id: '58', DisplayName: 'Bill’s Windsurf Shop', SyncToken: '3', Active: true }, time: '2026-12-03T10:00:00.000-08:00' } };
  return { status: 400, body: { Fault: { Error: [{ Message: 'Object Not Found', Detail: 'Object Not Found : Something you\'re trying to use has been made inactive.', code: '610' }], type: 'ValidationFault' }, time: '2026-12-03T10:00:00.000-08:00' } };
});

describe('engine.get', () => {
  it('reads one record by id, selects it from the body and maps it as a read would', async () => {
    const e = await provider();
    expect(await e.get(conn(), 'customers', '58')).toEqual({ id: '58', name: 'Bill’s Windsurf Shop', version: '3' });
    expect(await e.get(conn(), 'customers', '58', { raw: true })).toEqual({ Id: '58', DisplayName: 'Bill’s Windsurf Shop', SyncToken: '3', Active: true });
    expect(fx.server.seen[0].path).toBe('/v3/company/9130/customer/58');
    expect(fx.server.seen[0].query.get('minorversion')).toBe('75');
  });

  it("a missing record is not_found from the provider, with the provider's message", async () => {
    const e = await provider();
    const err = await failure(e.get(conn(), 'customers', '999'));
    expect([err.kind, err.origin, err.providerCode, err.providerMessage]).toEqual(['not_found', 'provider', '610', 'Object Not Found']);
  });

  it('ids are one path segment: a slash cannot walk the path', async () => {
    const e = await provider();
    await failure(e.get(conn(), 'customers', '58/../../other'));
    expect(fx.server.seen.map((s) => s.path)).toEqual(['/v3/company/9130/customer/58%2F..%2F..%2Fother']);
  });

  it('a stream without `get:` says so, and sends nothing', async () => {
    const e = await provider();
    const err = await failure(e.get(conn(), 'invoices', '1'));
    expect(err.kind).toBe('config');
    expect(err.message).toContain('stream invoices of qbo has no single-record request');
    expect(fx.server.seen).toEqual([]);
  });

  it('the validator knows `id` in get.request and refuses other roots', () => {
    expect(validateSource(MANIFEST, '/virtual/connectors/qbo/connector.yaml').diagnostics).toEqual([]);
    const bad = MANIFEST.replace('customer/{{id}}', 'customer/{{input.id}}');
    expect(validateSource(bad, '/virtual/connectors/qbo/connector.yaml').diagnostics.map((d) => [d.code, d.path])).toEqual([['template-variable', 'streams.customers.get.request.path']]);
  });
});

/**
 * Paging variables in templates (issue 13 item 2). QuickBooks Online pages inside its query
 * language: `GET /v3/company/<realm>/query?query=select * from Customer STARTPOSITION 1
 * MAXRESULTS 100`, STARTPOSITION counting from 1, a short page ending the list, and the
 * records under `QueryResponse.Customer`
 * (https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries).
 * The fake below answers that request shape from 7 customers; MAXRESULTS is 3 here.
 */
import { describe, expect, it } from 'vitest';
import { validateSource } from '../../engine/plan/index.js';
import { compile, engineOverServer } from './helpers.js';

const MANIFEST = `
patchbay: 1
id: qbo
name: QuickBooks query paging
config:
  type: object
  properties:
    realm_id: { type: string }
auth: { type: bearer }
http:
  base_url: https://unused.invalid
  query: { minorversion: 75 }
  retry: { max_attempts: 1 }
streams:
  customers:
    request:
      path: "/v3/company/{{config.realm_id}}/query"
      query:
        query: "select * from Customer STARTPOSITION {{page.offset}} MAXRESULTS {{page.size}}"
    http:
      pagination: { type: offset, start: 1, size: 3 }
    records: QueryResponse.Customer
    primary_key: Id
  by_page:
    request:
      path: /pages
      headers: { X-Page: "{{page.number}}" }
    http:
      pagination: { type: page, size: 2 }
    records: items
    primary_key: id
  by_cursor:
    request:
      method: POST
      path: /search
      body: { after: "{{page.cursor}}", size: "{{page.size}}" }
    http:
      pagination: { type: cursor, next: next, param: { name: unused }, size: 2 }
      retry: { repeatable: true }
    records: items
    primary_key: id
`;

const CUSTOMERS = Array.from({ length: 7 }, (_, i) => ({ Id: String(i + 1), DisplayName: `Customer ${i + 1}`, SyncToken: '0' }));

const fx = engineOverServer(() => new Map([['qbo', compile(MANIFEST, '/virtual/connectors/qbo/connector.yaml')]]));
const conn = () => ({ connector: 'qbo', id: 'q1', credentials: { token: 't' }, config: { realm_id: '9130' }, baseUrl: fx.server.url });

async function drain(it: AsyncIterable<unknown>) {
  const out: unknown[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('paging variables in templates', () => {
  it('QuickBooks STARTPOSITION paging: the offset and size go inside the query parameter, page after page', async () => {
    const e = await fx.setup((req) => {
      const m = /^select \* from Customer STARTPOSITION (\d+) MAXRESULTS (\d+)$/.exec(req.query.get('query') ?? '');
      if (!m || req.query.get('minorversion') !== '75') return { status: 400, body: { Fault: { Error: [{ Message: 'bad query', code: '4000' }], type: 'ValidationFault' } } };
      const start = Number(m[1]);
      const max = Number(m[2]);
      const page = CUSTOMERS.slice(start - 1, start - 1 + max);
      return { body: { QueryResponse: { Customer: page, startPosition: start, maxResults: page.length }, time: '2026-12-03T10:00:00.000-08:00' } };
    });
    const records = await drain(e.read(conn(), 'customers'));
    expect(records.map((r: any) => r.Id)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(fx.server.seen.map((s) => s.query.get('query'))).toEqual([
      'select * from Customer STARTPOSITION 1 MAXRESULTS 3',
      'select * from Customer STARTPOSITION 4 MAXRESULTS 3',
      'select * from Customer STARTPOSITION 7 MAXRESULTS 3',
    ]);
    expect(fx.server.seen.every((s) => s.path === '/v3/company/9130/query' && [...s.query.keys()].join() === 'query,minorversion')).toBe(true);
  });

  it('a page number in a header, and a cursor and size in a JSON body, without parameters added beside them', async () => {
    const e = await fx.setup((req) => {
      if (req.path === '/pages') {
        const n = Number(req.headers['x-page']);
        return { body: { items: n < 3 ? [{ id: `${n}a` }, { id: `${n}b` }] : [{ id: `${n}a` }] } };
      }
      const after = (req.body as { after?: string }).after;
      return { body: after === undefined ? { items: [{ id: 'x' }, { id: 'y' }], next: 'c2' } : { items: [{ id: 'z' }], next: null } };
    });
    expect((await drain(e.read(conn(), 'by_page'))).map((r: any) => r.id)).toEqual(['1a', '1b', '2a', '2b', '3a']);
    expect(fx.server.seen.map((s) => [s.headers['x-page'], [...s.query.keys()]])).toEqual([['1', ['minorversion']], ['2', ['minorversion']], ['3', ['minorversion']]]);
    fx.server.seen.length = 0;
    expect((await drain(e.read(conn(), 'by_cursor'))).map((r: any) => r.id)).toEqual(['x', 'y', 'z']);
    expect(fx.server.seen.map((s) => s.body)).toEqual([{ size: 2 }, { after: 'c2', size: 2 }]);
  });

  it('`page` is a known root in stream and action requests, not elsewhere', () => {
    const bad = MANIFEST.replace('base_url: https://unused.invalid', 'base_url: "https://unused.invalid/{{page.offset}}"');
    const d = validateSource(bad, '/virtual/connectors/qbo/connector.yaml').diagnostics;
    expect(d.map((x) => [x.code, x.path])).toEqual([['template-variable', 'http.base_url']]);
    expect(validateSource(MANIFEST, '/virtual/connectors/qbo/connector.yaml').diagnostics).toEqual([]);
  });
});

describe("a caller's idempotency key", () => {
  const CREATE = MANIFEST.replace('streams:', `actions:
  create_customer:
    input: { type: object, properties: { name: { type: string } } }
    request: { method: POST, path: "/v3/company/{{config.realm_id}}/customer", body: { DisplayName: "{{input.name}}" } }
    http: { retry: { idempotency_query: requestid } }
streams:`);
  const keyed = engineOverServer(() => new Map([['qbo', compile(CREATE, '/virtual/connectors/qbo/connector.yaml')]]));

  it("goes into retry.idempotency_query (Intuit's requestid) so the provider dedupes the caller's retries", async () => {
    const e = await keyed.setup(() => ({ body: { Customer: { Id: '58', SyncToken: '0' } } }));
    const c = { connector: 'qbo', id: 'q1', credentials: { token: 't' }, config: { realm_id: '9130' }, baseUrl: keyed.server.url };
    await e.call(c, 'create_customer', { name: 'A' }, { idempotencyKey: 'caller-key-1' });
    await e.call(c, 'create_customer', { name: 'A' }, { idempotencyKey: 'caller-key-1' });
    await e.call(c, 'create_customer', { name: 'B' });
    const ids = keyed.server.seen.map((s) => s.query.getAll('requestid'));
    expect(ids.slice(0, 2)).toEqual([['caller-key-1'], ['caller-key-1']]);
    expect(ids[2]).toHaveLength(1);
    expect(ids[2][0]).not.toBe('caller-key-1');
  });
});

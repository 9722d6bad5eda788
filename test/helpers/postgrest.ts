/**
 * A local server speaking PostgREST as a Supabase project serves it, over a real socket:
 * `GET /rest/v1/` answers the OpenAPI 2.0 (Swagger) document whose `definitions` hold one
 * schema per table (primary-key columns carry PostgREST's `Note:\nThis is a Primary
 * Key.<pk/>` description), and `GET /rest/v1/<table>` answers rows with `select`, `order`,
 * `<column>=gte.<value>` filters and `limit`/`offset` paging, with `Content-Range` as
 * PostgREST sends it. Requests need the project's `apikey` header and `Authorization: Bearer`.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';

export type Row = Record<string, unknown>;

export interface Table {
  /** Column → Swagger type; `pk` columns are the primary key. */
  columns: Record<string, { type: string; format?: string; pk?: boolean }>;
  rows: Row[];
}

export interface PostgrestServer {
  url: string;
  anonKey: string;
  serviceKey: string;
  tables: Record<string, Table>;
  /** Every request's path and query, in order. */
  requests: Array<{ path: string; query: Record<string, string> }>;
  close(): Promise<void>;
}

const PK_NOTE = 'Note:\nThis is a Primary Key.<pk/>';

/** The Swagger document PostgREST serves at the root: one definition per table. */
export function openApiDocument(tables: Record<string, Table>, host: string): Record<string, unknown> {
  const definitions: Record<string, unknown> = {};
  const paths: Record<string, unknown> = { '/': { get: { tags: ['Introspection'], summary: 'OpenAPI description (this document)' } } };
  for (const [name, t] of Object.entries(tables)) {
    const properties: Record<string, unknown> = {};
    for (const [col, c] of Object.entries(t.columns)) {
      properties[col] = { type: c.type, format: c.format ?? c.type, ...(c.pk ? { description: PK_NOTE } : {}) };
    }
    definitions[name] = { type: 'object', required: Object.keys(t.columns).filter((c) => t.columns[c].pk), properties };
    paths[`/${name}`] = { get: { tags: [name], parameters: [{ $ref: '#/parameters/select' }, { $ref: '#/parameters/order' }, { $ref: '#/parameters/offset' }, { $ref: '#/parameters/limit' }] } };
  }
  return {
    swagger: '2.0',
    info: { title: 'standard public schema', version: '12.2.0' },
    host,
    basePath: '/',
    schemes: ['http'],
    consumes: ['application/json'],
    produces: ['application/json'],
    paths,
    definitions,
  };
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** `order=updated_at.asc,id.desc` */
function sortRows(rows: Row[], order: string | undefined): Row[] {
  if (!order) return rows;
  const keys = order.split(',').map((part) => {
    const [col, dir] = part.split('.');
    return { col, sign: dir === 'desc' ? -1 : 1 };
  });
  return [...rows].sort((x, y) => {
    for (const k of keys) {
      const c = compare(x[k.col], y[k.col]);
      if (c !== 0) return c * k.sign;
    }
    return 0;
  });
}

const OPS: Record<string, (a: unknown, b: string) => boolean> = {
  eq: (a, b) => String(a) === b,
  gt: (a, b) => compare(a, b) > 0,
  gte: (a, b) => compare(a, b) >= 0,
  lt: (a, b) => compare(a, b) < 0,
  lte: (a, b) => compare(a, b) <= 0,
};

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export async function startPostgrest(tables: Record<string, Table>, keys = { anonKey: 'anon-key-1', serviceKey: 'service-key-1' }): Promise<PostgrestServer> {
  const requests: PostgrestServer['requests'] = [];
  const state: PostgrestServer = { url: '', ...keys, tables, requests, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    requests.push({ path: url.pathname, query });
    if (req.headers.apikey !== state.anonKey || req.headers.authorization !== `Bearer ${state.serviceKey}`) {
      send(res, 401, { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' });
      return;
    }
    if (url.pathname === '/rest/v1/' || url.pathname === '/rest/v1') {
      send(res, 200, openApiDocument(state.tables, url.host), { 'content-type': 'application/openapi+json; charset=utf-8' });
      return;
    }
    const name = decodeURIComponent(url.pathname.replace(/^\/rest\/v1\//, ''));
    const table = Object.hasOwn(state.tables, name) ? state.tables[name] : undefined;
    if (!table) {
      send(res, 404, { code: 'PGRST205', details: null, hint: null, message: `Could not find the table 'public.${name}' in the schema cache` });
      return;
    }
    let rows = table.rows;
    for (const [col, v] of url.searchParams) {
      if (['select', 'order', 'limit', 'offset'].includes(col)) continue;
      const dot = v.indexOf('.');
      const op = OPS[v.slice(0, dot)];
      if (!op || !Object.hasOwn(table.columns, col)) {
        send(res, 400, { code: 'PGRST100', message: `"failed to parse filter (${v})" (line 1, column 1)` });
        return;
      }
      rows = rows.filter((r) => op(r[col], v.slice(dot + 1)));
    }
    rows = sortRows(rows, query.order);
    const offset = Number(query.offset ?? 0);
    const limit = query.limit === undefined ? rows.length : Number(query.limit);
    const page = rows.slice(offset, offset + limit);
    const range = page.length === 0 ? '*/*' : `${offset}-${offset + page.length - 1}/*`;
    send(res, 200, page, { 'content-range': range });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
}

/** The example connector (test/testing/fixtures-dynamic/tablebase): one stream per table, incremental on `updated_at`, keyed by the table's primary key. */
export const TABLEBASE_MANIFEST = readFileSync(fileURLToPath(new URL('../testing/fixtures-dynamic/tablebase/connector.yaml', import.meta.url)), 'utf8');

/**
 * Dynamic streams end to end: a project's tables discovered from its PostgREST OpenAPI
 * document (as a Supabase project serves it), each table a stream of its own through the
 * platform, on SQLite in memory and on PostgreSQL when PATCHBAY_TEST_PG_URL is set.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine/run/engine.js';
import { createPlatform, type Platform } from '../../engine/platform/platform.js';
import { databaseKinds, KEY_A, type TestDatabase } from '../store/databases.js';
import { startPostgrest, TABLEBASE_MANIFEST, type PostgrestServer, type Table } from '../helpers/postgrest.js';
import { compile } from './helpers.js';

const plan = compile(TABLEBASE_MANIFEST, '/virtual/connectors/tablebase/connector.yaml');

function tables(): Record<string, Table> {
  return {
    todos: {
      columns: { id: { type: 'integer', pk: true }, title: { type: 'string' }, updated_at: { type: 'string', format: 'timestamp with time zone' } },
      rows: [1, 2, 3].map((i) => ({ id: i, title: `todo ${i}`, updated_at: `2024-01-0${i}T00:00:00Z` })),
    },
    projects: {
      columns: { slug: { type: 'string', pk: true }, name: { type: 'string' }, updated_at: { type: 'string', format: 'timestamp with time zone' } },
      rows: [
        { slug: 'alpha', name: 'Alpha', updated_at: '2024-03-01T00:00:00Z' },
        { slug: 'beta', name: 'Beta', updated_at: '2024-03-05T00:00:00Z' },
      ],
    },
    // A view or table whose name cannot be a stream key: reported, not read.
    'order items': { columns: { id: { type: 'integer', pk: true }, updated_at: { type: 'string' } }, rows: [] },
  };
}

/** The cursor filters each table's reads sent, in order. */
const sinceFilters = (pg: PostgrestServer, table: string) =>
  pg.requests.filter((r) => r.path === `/rest/v1/${table}` && r.query.offset === '0').map((r) => r.query.updated_at);

describe('dynamic streams through the engine', () => {
  let pg: PostgrestServer;
  let engine: Engine;
  beforeEach(async () => {
    pg = await startPostgrest(tables());
    engine = await createEngine({ connectors: [plan] });
  });
  afterEach(async () => {
    await engine.close();
    await pg.close();
  });
  const conn = () => ({ id: 'c1', connector: 'tablebase', config: { project_url: pg.url, anon_key: pg.anonKey }, credentials: { service_key: pg.serviceKey } });

  it('discovers one stream per table, keyed by its primary key, and reports the table it cannot name', async () => {
    const found = await engine.discover(conn(), 'tables');
    expect(found.streams.map((s) => [s.name, s.family, s.key, s.title, s.primaryKey])).toEqual([
      ['tables.todos', 'tables', 'todos', 'todos', ['id']],
      ['tables.projects', 'tables', 'projects', 'projects', ['slug']],
    ]);
    expect(found.streams[1].item).toMatchObject({ name: 'projects', definition: { properties: { slug: { description: 'Note:\nThis is a Primary Key.<pk/>' } } } });
    expect(found.skipped).toEqual([{ family: 'tables', key: 'order items', reason: expect.stringMatching(/does not match/) }]);
    await expect(engine.discover(conn(), 'tabels')).rejects.toMatchObject({ kind: 'not_found', message: expect.stringMatching(/did you mean "tables"/) });
  });

  it('reads a discovered stream by name: one discovery request, then the table paged by offset and limit', async () => {
    const handle = engine.read(conn(), 'tables.todos');
    const rows = [];
    for await (const r of handle) rows.push(r);
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(handle.state).toEqual({ cursor: '2024-01-03T00:00:00Z' });
    expect(pg.requests.map((r) => [r.path, r.query.offset ?? null])).toEqual([['/rest/v1/', null], ['/rest/v1/todos', '0'], ['/rest/v1/todos', '2']]);
    expect(pg.requests[1].query).toEqual({ select: '*', order: 'updated_at.asc', updated_at: 'gte.1970-01-01T00:00:00Z', limit: '2', offset: '0' });

    // With the item from an earlier discovery, nothing but the table is asked for.
    const item = (await engine.discover(conn())).streams[0].item;
    pg.requests.length = 0;
    const again = engine.read(conn(), 'tables.todos', { item, state: { cursor: '2024-01-02T00:00:00Z' } });
    for await (const r of again) void r;
    // Two rows fill the page of two, so an empty third page ends the read.
    expect(pg.requests.map((r) => [r.path, r.query.offset])).toEqual([['/rest/v1/todos', '0'], ['/rest/v1/todos', '2']]);
    expect(again.records).toBe(2);
  });

  it('an item whose key repeats an earlier one is skipped and reported, the first one kept', async () => {
    const lowered = compile(TABLEBASE_MANIFEST.replace('      key: name\n', '      key: $lowercase(name)\n'), '/virtual/connectors/tablebase/connector.yaml');
    const other = await createEngine({ connectors: [lowered] });
    pg.tables.Todos = { columns: { id: { type: 'integer', pk: true } }, rows: [] };
    try {
      const found = await other.discover(conn());
      expect(found.streams.map((s) => [s.name, (s.item as { name: string }).name])).toEqual([['tables.todos', 'todos'], ['tables.projects', 'projects']]);
      expect(found.skipped).toEqual([
        { family: 'tables', key: 'order items', reason: expect.stringMatching(/does not match/) },
        { family: 'tables', key: 'todos', reason: 'an earlier item has the same key' },
      ]);
    } finally {
      await other.close();
    }
  });

  it("the template's mapping and records see the item as $item", async () => {
    const withItem = TABLEBASE_MANIFEST.replace('      primary_key: id\n      cursor:', "      records: \"$[$exists($item.name)]\"\n      mapping: \"{ 'table': $item.name, 'id': $string(id), 'updated_at': updated_at }\"\n      primary_key: id\n      cursor:");
    expect(withItem).not.toBe(TABLEBASE_MANIFEST);
    const other = await createEngine({ connectors: [compile(withItem, '/virtual/connectors/tablebase/connector.yaml')] });
    try {
      const rows = [];
      for await (const r of other.read(conn(), 'tables.todos')) rows.push(r);
      expect(rows).toEqual([1, 2, 3].map((i) => ({ table: 'todos', id: String(i), updated_at: `2024-01-0${i}T00:00:00Z` })));
    } finally {
      await other.close();
    }
  });

  it('a key the provider does not list is not_found, naming the keys it does', async () => {
    const handle = engine.read(conn(), 'tables.todoz');
    await expect(handle[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      kind: 'not_found', code: 'stream_not_found', message: expect.stringMatching(/did you mean "todos".*known: todos, projects/),
    });
  });
});

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`dynamic streams through the platform on ${kind.dialect}`, () => {
    let db: TestDatabase | undefined;
    let platform: Platform;
    let pg: PostgrestServer;
    let clock: number;

    beforeAll(async () => {
      if (kind.dialect === 'postgres') db = await kind.create('dynamic');
      clock = Date.UTC(2025, 0, 1);
      platform = await createPlatform({ database: db?.url ?? 'sqlite::memory:', connectors: [plan], secretKeys: KEY_A, now: () => clock });
    });
    afterAll(async () => {
      await platform?.close();
      await db?.cleanup();
    });
    beforeEach(async () => {
      pg = await startPostgrest(tables());
    });
    afterEach(async () => pg.close());

    const connect = () =>
      platform.connections.create({ tenant: 'acme', connector: 'tablebase', name: `p-${Math.random()}`, config: { project_url: pg.url, anon_key: pg.anonKey }, credentials: { service_key: pg.serviceKey } });

    it('a dynamic stream per discovered table', async () => {
      const conn = await connect();
      const found = await platform.discover(conn.id);
      expect(found.streams.map((s) => s.name)).toEqual(['tables.todos', 'tables.projects']);
      expect(found.skipped).toEqual([{ family: 'tables', key: 'order items', reason: expect.stringMatching(/does not match/) }]);
      expect((await platform.discovered.list(conn.id)).map((s) => [s.name, s.primaryKey])).toEqual([['tables.projects', ['slug']], ['tables.todos', ['id']]]);

      // Each table syncs into its own records, keyed by its own primary key.
      const todos = await platform.sync(conn.id, 'tables.todos');
      expect(todos).toMatchObject({ status: 'success', stream: 'tables.todos', records: { read: 3, written: 3, pages: 2 } });
      const projects = await platform.sync(conn.id, 'tables.projects');
      expect(projects).toMatchObject({ status: 'success', stream: 'tables.projects', records: { read: 2, written: 2 } });
      expect(await platform.records.count(conn.id, 'tables.todos')).toBe(3);
      expect(await platform.records.get(conn.id, 'tables.projects', 'beta')).toMatchObject({ id: 'beta', data: { name: 'Beta' } });
      // The stored item was used: no discovery request for either sync.
      expect(pg.requests.filter((r) => r.path === '/rest/v1/')).toHaveLength(1);

      // Each keeps its own cursor: a change in one table moves only that table's state.
      pg.tables.todos.rows.push({ id: 4, title: 'todo 4', updated_at: '2024-02-01T00:00:00Z' });
      clock += 1000;
      expect((await platform.sync(conn.id, 'tables.todos')).records).toMatchObject({ read: 2, written: 1, unchanged: 1 });
      expect((await platform.sync(conn.id, 'tables.projects')).records).toMatchObject({ read: 1, written: 0, unchanged: 1 });
      expect(sinceFilters(pg, 'todos')).toEqual(['gte.1970-01-01T00:00:00Z', 'gte.2024-01-03T00:00:00Z']);
      expect(sinceFilters(pg, 'projects')).toEqual(['gte.1970-01-01T00:00:00Z', 'gte.2024-03-05T00:00:00Z']);
      expect(await platform.state.get(conn.id, 'tables.todos')).toEqual({ cursor: '2024-02-01T00:00:00Z' });
      expect(await platform.state.get(conn.id, 'tables.projects')).toEqual({ cursor: '2024-03-05T00:00:00Z' });

      // Each has its own schedule, run by the scheduler under the stream's name.
      await platform.schedules.set(conn.id, 'tables.todos', { every: '1h' });
      await platform.schedules.set(conn.id, 'tables.projects', { every: '6h' });
      expect((await platform.schedules.list({ connection: conn.id })).map((s) => [s.stream, s.intervalMs]).sort()).toEqual([
        ['tables.projects', 21_600_000], ['tables.todos', 3_600_000],
      ]);
      clock += 2 * 3_600_000;
      const ran = await platform.scheduler.tick();
      expect(ran.map((r) => [r.stream, r.trigger, r.status]).sort()).toEqual([['tables.projects', 'schedule', 'success'], ['tables.todos', 'schedule', 'success']]);
      clock += 2 * 3_600_000;
      expect((await platform.scheduler.tick()).map((r) => r.stream)).toEqual(['tables.todos']);
      await expect(platform.schedules.set(conn.id, 'tables.nope', { every: '1h' })).rejects.toMatchObject({ kind: 'not_found' });

      // A table dropped from the document leaves the list; what was synced from it stays.
      delete pg.tables.projects;
      const later = await platform.discover(conn.id);
      expect(later.streams.map((s) => s.name)).toEqual(['tables.todos']);
      expect((await platform.discovered.list(conn.id)).map((s) => s.name)).toEqual(['tables.todos']);
      expect(await platform.records.count(conn.id, 'tables.projects')).toBe(2);
      expect(await platform.state.get(conn.id, 'tables.projects')).toEqual({ cursor: '2024-03-05T00:00:00Z' });
      await expect(platform.sync(conn.id, 'tables.projects')).rejects.toMatchObject({
        kind: 'not_found', code: 'stream_not_found', message: expect.stringMatching(/known: todos/),
      });
      expect(await platform.records.count(conn.id, 'tables.todos')).toBe(4);
    });

    it('syncs a discovered name never discovered on this connection by discovering first', async () => {
      const conn = await connect();
      const run = await platform.sync(conn.id, 'tables.projects');
      expect(run).toMatchObject({ status: 'success', records: { read: 2 } });
      expect(pg.requests.map((r) => r.path)[0]).toBe('/rest/v1/');
      expect((await platform.discovered.list(conn.id)).map((s) => s.name)).toEqual(['tables.projects', 'tables.todos']);
      // Another connection's discovery is its own.
      const other = await connect();
      expect(await platform.discovered.list(other.id)).toEqual([]);
    });

    it('a refused key fails the discovery, stores no list and marks the connection', async () => {
      const conn = await connect();
      pg.serviceKey = 'rotated';
      await expect(platform.discover(conn.id)).rejects.toMatchObject({ kind: 'auth', status: 401 });
      expect(await platform.discovered.list(conn.id)).toEqual([]);
      expect(await platform.connections.get(conn.id)).toMatchObject({ status: 'error' });
    });
  });
}

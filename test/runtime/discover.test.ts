/**
 * Dynamic streams over HTTP: `POST /v1/connections/:id/discover`, the stored list, and the
 * discovered names in the sync, records and schedule routes, over the runtime's socket
 * against a local PostgREST (test/helpers/postgrest.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTree } from '../cli/helpers.js';
import { startPostgrest, TABLEBASE_MANIFEST, type PostgrestServer } from '../helpers/postgrest.js';
import { startRuntime, type TestRuntime } from './helpers.js';

describe('discovered streams over HTTP', () => {
  let rt: TestRuntime;
  let dir: string;
  let pg: PostgrestServer;
  let key: string;
  let conn: string;

  beforeAll(async () => {
    pg = await startPostgrest({
      todos: { columns: { id: { type: 'integer', pk: true }, updated_at: { type: 'string' } }, rows: [{ id: 1, updated_at: '2024-01-01T00:00:00Z' }, { id: 2, updated_at: '2024-01-02T00:00:00Z' }] },
      tags: { columns: { label: { type: 'string', pk: true }, updated_at: { type: 'string' } }, rows: [{ label: 'red', updated_at: '2024-01-01T00:00:00Z' }] },
      'bad name!': { columns: { id: { type: 'integer', pk: true } }, rows: [] },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-discover-rt-'));
    writeTree(dir, { 'tablebase/connector.yaml': TABLEBASE_MANIFEST });
    rt = await startRuntime({ connectorsDir: dir });
    key = await rt.keyFor('acme');
    conn = (await rt.running.platform.connections.create({ tenant: 'acme', connector: 'tablebase', name: 'p', config: { project_url: pg.url, anon_key: pg.anonKey }, credentials: { service_key: pg.serviceKey } })).id;
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    await pg?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('discovers, keeps the list, and syncs, lists and schedules a discovered stream by its name', async () => {
    const found = await rt.call('POST', `/v1/connections/${conn}/discover`, { key });
    expect(found.status, found.text).toBe(200);
    expect(found.body.streams.map((s: any) => [s.name, s.family, s.key, s.primary_key, s.title])).toEqual([
      ['tables.todos', 'tables', 'todos', ['id'], 'todos'],
      ['tables.tags', 'tables', 'tags', ['label'], 'tags'],
    ]);
    expect(found.body).toMatchObject({ skipped: [{ family: 'tables', key: 'bad name!', reason: expect.stringMatching(/does not match/) }], next_cursor: null, has_more: false });
    expect(found.text).not.toContain(pg.serviceKey);

    const stored = await rt.call('GET', `/v1/connections/${conn}/discovered`, { key });
    expect(stored.status).toBe(200);
    expect(stored.body.streams.map((s: any) => s.name)).toEqual(['tables.tags', 'tables.todos']);
    expect(stored.body.streams[0].discovered_at).toMatch(/^\d{4}-/);

    const run = await rt.call('POST', `/v1/connections/${conn}/streams/tables.todos/sync?wait=true`, { key });
    expect(run.status, run.text).toBe(200);
    expect(run.body).toMatchObject({ stream: 'tables.todos', status: 'success', records: { read: 2, written: 2 } });
    const records = await rt.call('GET', `/v1/connections/${conn}/streams/tables.todos/records`, { key });
    expect(records.body.records.map((r: any) => r.id)).toEqual(['1', '2']);
    const state = await rt.call('GET', `/v1/connections/${conn}/streams/tables.todos/state`, { key });
    expect(state.body).toMatchObject({ stream: 'tables.todos', state: { cursor: '2024-01-02T00:00:00Z' } });
    const schedule = await rt.call('PUT', `/v1/connections/${conn}/streams/tables.tags/schedule`, { key, body: { every: '1h' } });
    expect(schedule.status, schedule.text).toBe(200);
    expect(schedule.body).toMatchObject({ stream: 'tables.tags', every_ms: 3_600_000 });
  });

  it('the connector document lists its dynamic families', async () => {
    const doc = await rt.call('GET', '/v1/connectors/tablebase', { key });
    expect(doc.status, doc.text).toBe(200);
    expect(doc.body.streams).toEqual([]);
    expect(doc.body.dynamic_streams).toEqual([{ family: 'tables', title: 'Tables', description: 'One stream per table the project exposes', primary_key: ['id'], incremental: true, cursor_field: 'updated_at', pagination: 'offset' }]);
  });

  it('an unknown discovered stream or family is a 404 saying which', async () => {
    const sync = await rt.call('POST', `/v1/connections/${conn}/streams/tables.nope/sync?wait=true`, { key });
    expect(sync.status).toBe(404);
    expect(sync.body).toMatchObject({ code: 'stream_not_found', detail: expect.stringMatching(/known: todos, tags/) });
    const family = await rt.call('POST', `/v1/connections/${conn}/discover?family=columns`, { key });
    expect(family.status).toBe(404);
    expect(family.body).toMatchObject({ code: 'stream_not_found', detail: expect.stringMatching(/no dynamic stream family "columns"/) });
    const bad = await rt.call('GET', `/v1/connections/${conn}/streams/tables.bad%20name!/records`, { key });
    expect(bad.status).toBe(404);
    expect(bad.body.code).toBe('stream_not_found');
  });
});

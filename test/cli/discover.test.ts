/**
 * `patchbay discover` and discovered stream names in `read` and `sync`, the built CLI
 * against a local PostgREST (test/helpers/postgrest.ts).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, tempDir, writeTree } from './helpers.js';
import { startPostgrest, TABLEBASE_MANIFEST, type PostgrestServer } from '../helpers/postgrest.js';

describe('patchbay discover', () => {
  let dir: string;
  let pg: PostgrestServer;
  const conn = () => ['--config', JSON.stringify({ project_url: pg.url, anon_key: pg.anonKey }), '--credentials', JSON.stringify({ service_key: pg.serviceKey })];

  beforeAll(async () => {
    await ensureBuilt();
    dir = tempDir('patchbay-discover-');
    writeTree(dir, { 'connectors/tablebase/connector.yaml': TABLEBASE_MANIFEST });
    pg = await startPostgrest({
      todos: { columns: { id: { type: 'integer', pk: true }, updated_at: { type: 'string' } }, rows: [{ id: 1, updated_at: '2024-01-01T00:00:00Z' }, { id: 2, updated_at: '2024-01-02T00:00:00Z' }, { id: 3, updated_at: '2024-01-03T00:00:00Z' }] },
      tags: { columns: { label: { type: 'string', pk: true }, updated_at: { type: 'string' } }, rows: [{ label: 'red', updated_at: '2024-01-01T00:00:00Z' }] },
      'bad/name': { columns: { id: { type: 'integer', pk: true } }, rows: [] },
    });
  }, 300_000);
  afterAll(async () => {
    await pg?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the discovered streams, and says which items it skipped and why', async () => {
    const out = await runCli(['discover', 'tablebase', ...conn()], dir);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/STREAM\s+PRIMARY KEY\s+TITLE\n/);
    expect(out.stdout).toMatch(/tables\.todos\s+id\s+todos\n/);
    expect(out.stdout).toMatch(/tables\.tags\s+label\s+tags/);
    expect(out.stderr).toMatch(/skipped tables item "bad\/name": the key does not match/);
    expect(out.stdout + out.stderr).not.toContain(pg.serviceKey);

    const json = await runCli(['discover', 'tablebase', 'tables', '--json', ...conn()], dir);
    expect(json.code, json.stderr).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body.streams.map((s: { name: string; primary_key: string[] }) => [s.name, s.primary_key])).toEqual([['tables.todos', ['id']], ['tables.tags', ['label']]]);
    expect(body).toMatchObject({ skipped: [{ family: 'tables', key: 'bad/name' }], next_cursor: null, has_more: false });
  });

  it('describe shows the dynamic family', async () => {
    const out = await runCli(['describe', 'tablebase'], dir);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/Dynamic streams \(1 family; list them with patchbay discover\)\n  tables\.<key>\n    Tables\n    primary key: id \(or the discovered one\) · cursor: updated_at · pagination: offset/);
  });

  it('an unknown family exits 1 with a suggestion', async () => {
    const out = await runCli(['discover', 'tablebase', 'tabels', ...conn()], dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/not_found/);
    expect(out.stderr).toMatch(/did you mean "tables"/);
  });

  it('read takes a discovered name', async () => {
    const out = await runCli(['read', 'tablebase', 'tables.todos', ...conn()], dir);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual([1, 2, 3]);
    expect(JSON.parse(out.stderr.trim().split('\n').pop()!)).toEqual({ cursor: '2024-01-03T00:00:00Z' });
  });

  it('sync on a stored connection takes a discovered name', async () => {
    const env = ['--db', `sqlite:${path.join(dir, 'pb.db')}`];
    const made = await runCli(['connect', 'tablebase', '--tenant', 'acme', '--name', 'project', ...conn(), ...env], dir);
    expect(made.code, made.stderr).toBe(0);
    const id = JSON.parse(made.stdout).id as string;
    const synced = await runCli(['sync', id, 'tables.tags', ...env], dir);
    expect(synced.code, synced.stderr).toBe(0);
    expect(JSON.parse(synced.stdout)).toMatchObject({ stream: 'tables.tags', status: 'success', records: { read: 1, written: 1 } });
    const missing = await runCli(['sync', id, 'tables.gone', ...env], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/known: todos, tags/);
  });
});

/**
 * `GET /v1/connections/:id/streams/:stream/state` over the runtime's socket: what the next
 * sync resumes from (a Graph-style delta link here), empty after `full=true` is asked for
 * and answered by a fresh round, and another tenant's connection not found.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_CONNECTORS, startRuntime, type TestRuntime } from './helpers.js';
import { startGraphDelta, type FakeFeed } from '../sync/state-fakes.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('a stream state over HTTP', () => {
  let rt: TestRuntime;
  let dir: string;
  let graph: FakeFeed;
  let conn: string;
  let key: string;

  beforeAll(async () => {
    graph = await startGraphDelta();
    graph.log.put('c1', { displayName: 'Ada' });
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-state-rt-'));
    cpSync(SHIPPED_CONNECTORS, dir, { recursive: true });
    cpSync(path.join(here, '..', 'sync', 'fixtures', 'state-connectors', 'outlook'), path.join(dir, 'outlook'), { recursive: true });
    rt = await startRuntime({ connectorsDir: dir });
    key = await rt.keyFor('acme');
    conn = (await rt.running.platform.connections.create({ tenant: 'acme', connector: 'outlook', name: 'o', config: { base_url: graph.url, folder_id: 'F' }, credentials: { token: graph.token }, skipCheck: true })).id;
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    await graph?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is empty before the first sync and holds the delta link after it', async () => {
    const before = await rt.call('GET', `/v1/connections/${conn}/streams/contacts/state`, { key });
    expect(before.status, before.text).toBe(200);
    expect(before.body).toEqual({ stream: 'contacts', state: {}, updated_at: null });

    const run = await rt.call('POST', `/v1/connections/${conn}/streams/contacts/sync?wait=true`, { key });
    expect(run.body).toMatchObject({ status: 'success' });
    const after = await rt.call('GET', `/v1/connections/${conn}/streams/contacts/state`, { key });
    expect(after.body).toMatchObject({ stream: 'contacts', state: { delta_link: `${graph.url}/v1.0/me/contactFolders/F/contacts/delta?$deltatoken=1` } });
    expect(Date.parse(after.body.updated_at)).toBeGreaterThan(0);

    // full=true ignores it: a new round from the stream's own request, then a new link.
    graph.requests.length = 0;
    await rt.call('POST', `/v1/connections/${conn}/streams/contacts/sync?wait=true&full=true`, { key });
    expect(graph.requests.map((r) => decodeURIComponent(r.url))).toEqual(['/v1.0/me/contactFolders/F/contacts/delta?$select=displayName,emailAddresses']);
  });

  it('an unknown stream is 404 stream_not_found; another tenant gets connection_not_found', async () => {
    const unknown = await rt.call('GET', `/v1/connections/${conn}/streams/nope/state`, { key });
    expect(unknown.body).toMatchObject({ status: 404, code: 'stream_not_found' });
    const other = await rt.call('GET', `/v1/connections/${conn}/streams/contacts/state`, { key: await rt.keyFor('mallory') });
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ code: 'connection_not_found' });
    expect(JSON.stringify(other.body)).not.toContain('deltatoken');
  });
});

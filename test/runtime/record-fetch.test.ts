/**
 * `GET /v1/connections/:id/streams/:stream/fetch/:record_id` (issue 13 item 5): one record
 * live from the provider through the stream's single-record request, over the runtime's
 * socket, against a local provider.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_CONNECTORS, startRuntime, type TestRuntime } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('fetching one record by id over HTTP', () => {
  let rt: TestRuntime;
  let dir: string;
  let provider: http.Server;
  let providerUrl: string;
  let conn: string;
  let key: string;
  const seen: string[] = [];

  beforeAll(async () => {
    provider = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      const m = /^\/items\/(\w+)$/.exec(req.url ?? '');
      const status = req.headers.authorization !== 'Bearer tok-live' ? 401 : m && m[1] === '7' ? 200 : 404;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { id: 7, name: 'item 7', updated_at: '2024-03-01T00:00:00Z' } : { message: status === 401 ? 'bad token' : 'no such item' }));
    });
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-fetch-rt-'));
    cpSync(SHIPPED_CONNECTORS, dir, { recursive: true });
    cpSync(path.join(here, '..', 'webhooks', 'fixtures', 'fetch'), dir, { recursive: true });
    rt = await startRuntime({ connectorsDir: dir });
    key = await rt.keyFor('acme');
    conn = (await rt.running.platform.connections.create({ tenant: 'acme', connector: 'fetchtest', name: 'f', config: { base_url: providerUrl }, credentials: { token: 'tok-live' }, skipCheck: true })).id;
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    await new Promise((r) => provider?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers the mapped record, or the raw one, and stores nothing', async () => {
    const res = await rt.call('GET', `/v1/connections/${conn}/streams/items/fetch/7`, { key });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ record: { id: '7', title: 'item 7', updated_at: '2024-03-01T00:00:00Z' } });
    const raw = await rt.call('GET', `/v1/connections/${conn}/streams/items/fetch/7?raw=true`, { key });
    expect(raw.body).toEqual({ record: { id: 7, name: 'item 7', updated_at: '2024-03-01T00:00:00Z' } });
    expect(await rt.running.platform.records.count(conn, 'items')).toBe(0);
  });

  it('a record the provider does not have is 404 provider_not_found; an unknown stream 404 stream_not_found', async () => {
    const gone = await rt.call('GET', `/v1/connections/${conn}/streams/items/fetch/8`, { key });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: 'provider_not_found', origin: 'provider' });
    const unknown = await rt.call('GET', `/v1/connections/${conn}/streams/itemz/fetch/7`, { key });
    expect(unknown.body).toMatchObject({ status: 404, code: 'stream_not_found' });
  });

  it("attack: another tenant's connection id is a 404 worded like a missing one, and nothing reaches the provider", async () => {
    const before = seen.length;
    const other = await rt.call('GET', `/v1/connections/${conn}/streams/items/fetch/7`, { key: await rt.keyFor('mallory') });
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ code: 'connection_not_found' });
    expect(seen.length).toBe(before);
  });
});

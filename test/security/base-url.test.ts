/**
 * Issue 10, item 7: a connection stored with a base_url override on a server that allowed
 * it, then served by one started without `--allow-base-url`. The override used to be shown
 * but silently ignored, so calls went to the real provider; now every use is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../runtime/fake-stripe.js';
import { connectStripe, startRuntime, type TestRuntime } from '../runtime/helpers.js';

describe('a stored base_url on a server without --allow-base-url is refused loudly', () => {
  let dir: string;
  let database: string;
  let stripe: FakeStripe;
  let rt: TestRuntime;
  let key: string;
  let conn: any;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-base-url-'));
    database = `sqlite:${path.join(dir, 'shared.db')}`;
    stripe = await startFakeStripe();
    const sandbox = await startRuntime({ database, allowBaseUrlOverride: true });
    conn = await connectStripe(sandbox, 'acme', stripe.url);
    expect(conn).toMatchObject({ base_url: stripe.url, base_url_status: 'applied' });
    const sched = await sandbox.call('PUT', `/v1/connections/${conn.id}/streams/customers/schedule`, { key: await sandbox.keyFor('acme'), body: { every: '1h' } });
    expect(sched.status).toBe(200);
    await sandbox.close();
    rt = await startRuntime({ database, allowBaseUrlOverride: false });
    key = await rt.keyFor('acme');
  });
  afterAll(async () => {
    await rt?.close();
    await stripe?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the override as not allowed on the connection', async () => {
    const got = await rt.call('GET', `/v1/connections/${conn.id}`, { key });
    expect(got.body).toMatchObject({ base_url: stripe.url, base_url_status: 'not_allowed' });
    const list = await rt.call('GET', '/v1/connections', { key });
    expect(list.body.connections[0]).toMatchObject({ base_url_status: 'not_allowed' });
  });

  it('refuses actions, checks and syncs with 422 base_url_not_allowed, sending nothing anywhere', async () => {
    const before = stripe.seen.length;
    const uses = [
      await rt.call('POST', `/v1/connections/${conn.id}/actions/get_customer`, { key, body: { id: 'cus_0001' } }),
      await rt.call('POST', `/v1/connections/${conn.id}/check`, { key }),
      await rt.call('POST', `/v1/connections/${conn.id}/streams/customers/sync`, { key }),
      await rt.call('POST', `/v1/connections/${conn.id}/streams/customers/sync?wait=true`, { key }),
    ];
    for (const res of uses) {
      expect(res.status, res.text).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code: 'base_url_not_allowed', detail: expect.stringContaining('--allow-base-url') });
    }
    expect(stripe.seen.length).toBe(before);
    const outbound = rt.logs.filter((l) => l.msg === 'operation' || l.msg === 'operation failed');
    expect(outbound).toEqual([]);
  });

  it('a scheduled sync fails its run with base_url_not_allowed', async () => {
    const db = rt.running.platform.store.unscoped('test: make the schedule due');
    await db.from('schedules').where('connection_id', conn.id).update({ next_run_at: Date.now() - 1000 });
    const before = stripe.seen.length;
    const [run] = await rt.running.platform.scheduler.tick();
    expect(run).toMatchObject({ connectionId: conn.id, status: 'failed', errorKind: 'base_url_not_allowed' });
    expect(run.error).toMatch(/does not allow base URL overrides/);
    expect(stripe.seen.length).toBe(before);
    const runs = await rt.call('GET', `/v1/connections/${conn.id}/runs`, { key });
    expect(runs.body.runs[0]).toMatchObject({ trigger: 'schedule', status: 'failed', error_kind: 'base_url_not_allowed' });
  });

  it('refuses setting a base_url on create and update, and updates that would run the check with it', async () => {
    const create = await rt.call('POST', '/v1/connections', { key, body: { connector: 'stripe', name: 'x', credentials: { api_key: 'sk_test_good123' }, base_url: stripe.url } });
    expect(create.status).toBe(422);
    expect(create.body).toMatchObject({ code: 'base_url_not_allowed', errors: [{ path: 'body.base_url' }] });
    const set = await rt.call('PATCH', `/v1/connections/${conn.id}`, { key, body: { base_url: stripe.url } });
    expect(set.status).toBe(422);
    expect(set.body.code).toBe('base_url_not_allowed');
    const rename = await rt.call('PATCH', `/v1/connections/${conn.id}`, { key, body: { name: 'renamed' } });
    expect(rename.status, rename.text).toBe(422);
    expect(rename.body.code).toBe('base_url_not_allowed');
  });

  it('removing the override is allowed, and the connection is then usable as a normal one', async () => {
    const removed = await rt.call('PATCH', `/v1/connections/${conn.id}`, { key, body: { base_url: null, skip_check: true } });
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body.base_url).toBeUndefined();
    expect(removed.body.base_url_status).toBeUndefined();
  });
});

/**
 * Hostile input to the runtime's own parameters, over the real server: JavaScript built-in
 * names as action and stream names (issue 10, item 10), paging cursors the server never
 * handed out (item 9), and schedules that used to break the server or its scheduler (items
 * 11 and 22).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../runtime/fake-stripe.js';
import { connectStripe, startRuntime, type TestRuntime } from '../runtime/helpers.js';

const BUILTIN_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];

let rt: TestRuntime;
let stripe: FakeStripe;
let key: string;
let conn: any;

beforeAll(async () => {
  stripe = await startFakeStripe({ customers: 12 });
  rt = await startRuntime({ rateLimit: false });
  key = await rt.keyFor('acme');
  conn = await connectStripe(rt, 'acme', stripe.url);
  const run = await rt.call('POST', `/v1/connections/${conn.id}/streams/customers/sync?wait=true`, { key });
  expect(run.body.status).toBe('success');
});
afterAll(async () => {
  await rt?.close();
  await stripe?.close();
});

describe('built-in JavaScript names are unknown actions and streams', () => {
  it.each(BUILTIN_NAMES)('action %s is a 404 action_not_found and sends nothing', async (name) => {
    const before = stripe.seen.length;
    const res = await rt.call('POST', `/v1/connections/${conn.id}/actions/${encodeURIComponent(name)}`, { key, body: {} });
    expect(res.status, res.text).toBe(404);
    expect(res.body).toMatchObject({ code: 'action_not_found' });
    expect(stripe.seen.length).toBe(before);
  });

  it.each(BUILTIN_NAMES)('stream %s is a 404 stream_not_found on sync, records, changes and schedules', async (name) => {
    const base = `/v1/connections/${conn.id}/streams/${encodeURIComponent(name)}`;
    const replies = [
      await rt.call('POST', `${base}/sync?wait=true`, { key }),
      await rt.call('POST', `${base}/sync`, { key }),
      await rt.call('GET', `${base}/records`, { key }),
      await rt.call('GET', `${base}/changes`, { key }),
      await rt.call('PUT', `${base}/schedule`, { key, body: { every: '1h' } }),
      await rt.call('GET', `${base}/schedule`, { key }),
      await rt.call('DELETE', `${base}/schedule`, { key }),
    ];
    for (const res of replies) {
      expect(res.status, res.text).toBe(404);
      expect(res.body.code).toBe('stream_not_found');
    }
    // Nothing was stored: no run of that stream, no schedule.
    const runs = await rt.call('GET', `/v1/connections/${conn.id}/runs?limit=500`, { key });
    expect(runs.body.runs.map((r: any) => r.stream)).not.toContain(name);
    const schedules = await rt.running.platform.schedules.list({ tenant: 'acme' });
    expect(schedules.map((s) => s.stream)).not.toContain(name);
  });

  it.each(BUILTIN_NAMES)('connector and auth method %s are unknown too (describe, create)', async (name) => {
    const described = await rt.call('GET', `/v1/connectors/${encodeURIComponent(name)}`, { key });
    expect(described.status).toBe(404);
    expect(described.body.code).toBe('connector_not_found');
    const asConnector = await rt.call('POST', '/v1/connections', { key, body: { connector: name, name: 'x', credentials: { api_key: 'sk_test_good123' } } });
    expect(asConnector.status).toBe(422);
    expect(asConnector.body.code).toBe('unknown_connector');
    const asAuth = await rt.call('POST', '/v1/connections', { key, body: { connector: 'stripe', name: `x-${name}`, auth: name, credentials: { api_key: 'sk_test_good123' }, base_url: stripe.url } });
    expect(asAuth.status, asAuth.text).toBe(422);
    expect(asAuth.text).toContain(name);
  });

  it('the engine facade refuses them as unknown, with the usual "did you mean" error', async () => {
    const engine = rt.running.platform.engine;
    const connection = { connector: 'stripe', credentials: { api_key: 'sk_test_good123' }, baseUrl: stripe.url };
    for (const name of BUILTIN_NAMES) {
      await expect(engine.call(connection, name, {})).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining(`Unknown action "${name}"`) });
      const read = engine.read(connection, name);
      await expect(read[Symbol.asyncIterator]().next()).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining(`Unknown stream "${name}"`) });
      await expect(rt.running.platform.sync({ tenant: 'acme', id: conn.id }, name)).rejects.toMatchObject({ kind: 'not_found' });
    }
  });
});

describe('paging cursors the server never returned are 400s naming the parameter', () => {
  const BAD = ['abc', '-1', '1e3', '0x10', '1.5', ' 1', '99999999999999999999', '9007199254740993'];

  it.each(BAD)('records?cursor=%s', async (bad) => {
    const res = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/records?cursor=${encodeURIComponent(bad)}`, { key });
    expect(res.status, res.text).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'invalid_cursor', errors: [{ path: 'query.cursor' }] });
  });

  it.each(BAD)('changes?cursor=%s', async (bad) => {
    const res = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/changes?cursor=${encodeURIComponent(bad)}`, { key });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_cursor', errors: [{ path: 'query.cursor' }] });
  });

  it.each(BAD)('changes?since=%s (the deprecated plain sequence)', async (bad) => {
    const res = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/changes?since=${encodeURIComponent(bad)}`, { key });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_cursor', errors: [{ path: 'query.since' }] });
  });

  it('a well-formed since past the end of the feed is refused rather than skipping changes', async () => {
    const all = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/changes?limit=1000`, { key });
    expect(all.status).toBe(200);
    const last = all.body.changes.at(-1).seq as number;
    expect(last).toBeGreaterThan(0);
    const atEnd = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/changes?since=${last}`, { key });
    expect(atEnd.status).toBe(200);
    expect(atEnd.body).toEqual({ changes: [], next_cursor: all.body.next_cursor, has_more: false });
    const past = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/changes?since=${last + 1000}`, { key });
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({ code: 'invalid_cursor', errors: [{ path: 'query.since' }] });
    // The same point as an opaque cursor (well-formed, never handed out) is refused the same way.
    const forged = Buffer.from(JSON.stringify([last + 1000])).toString('base64url');
    const pastCursor = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/changes?cursor=${forged}`, { key });
    expect(pastCursor.status).toBe(400);
    expect(pastCursor.body).toMatchObject({ code: 'invalid_cursor', errors: [{ path: 'query.cursor' }] });
  });

  it('cursors the server returned keep working', async () => {
    const first = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/records?limit=5`, { key });
    expect(first.body).toMatchObject({ next_cursor: expect.stringMatching(/^[A-Za-z0-9_-]+$/), has_more: true });
    const second = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/records?limit=5&cursor=${first.body.next_cursor}`, { key });
    expect(second.status).toBe(200);
    expect(second.body.records).toHaveLength(5);
    expect(second.body.records[0].id).not.toBe(first.body.records[0].id);
    const changes = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/changes?limit=3&since=0`, { key });
    expect(changes.status).toBe(200);
    expect(changes.body.changes).toHaveLength(3);
  });

  it.each(['abc', 'eyJ4IjoxfQ', '-1', '1e3'])('webhook events and deliveries refuse cursor=%s with 400', async (bad) => {
    const events = await rt.call('GET', `/v1/webhook-events?cursor=${encodeURIComponent(bad)}`, { key });
    expect(events.status, events.text).toBe(400);
    expect(events.body.errors).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
    for (const p of ['since', 'until']) {
      const t = await rt.call('GET', `/v1/webhook-events?${p}=${encodeURIComponent(bad)}`, { key });
      expect(t.status, t.text).toBe(400);
      expect(JSON.stringify(t.body.errors)).toContain(`query.${p}`);
    }
    const sub = await rt.call('POST', '/v1/subscriptions', { key, body: { url: `${stripe.url}/hook`, events: ['*'] } });
    expect(sub.status, sub.text).toBe(201);
    const deliveries = await rt.call('GET', `/v1/subscriptions/${sub.body.id}/deliveries?cursor=${encodeURIComponent(bad)}`, { key });
    expect(deliveries.status, deliveries.text).toBe(400);
    expect(deliveries.body.errors).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
  });
});

describe('schedules: zones, intervals and cron are validated on create and update', () => {
  const base = () => `/v1/connections/${conn.id}/streams/customers/schedule`;
  const BAD: Array<[string, Record<string, unknown>, string]> = [
    ['a path as time zone', { cron: '0 * * * *', timezone: '../../etc/passwd' }, 'body.timezone'],
    ['an unknown time zone', { cron: '0 * * * *', timezone: 'Mars/Olympus_Mons' }, 'body.timezone'],
    ['a time zone on an interval schedule', { every: '1h', timezone: 'Not/AZone' }, 'body.timezone'],
    ['a huge interval', { every: '999999999999h' }, 'body.every'],
    ['a huge interval in ms', { every: 9_000_000_000_000_000 }, 'body.every'],
    ['an interval of a year and two days', { every: '368d' }, 'body.every'],
    ['a huge jitter', { every: '1h', jitter: '999999999d' }, 'body.jitter'],
    ['a six-field (seconds) cron', { cron: '* * * * * *' }, 'body.cron'],
    ['a seven-field cron', { cron: '0 0 0 * * * 2030' }, 'body.cron'],
    ['garbage cron', { cron: 'every tuesday' }, 'body.cron'],
  ];

  it.each(BAD)('refuses %s with 422 naming the field, and stores nothing', async (_what, body, field) => {
    const res = await rt.call('PUT', base(), { key, body });
    expect(res.status, res.text).toBe(422);
    expect(res.body).toMatchObject({ code: 'invalid_schedule', errors: [{ path: field }] });
    expect((await rt.call('GET', base(), { key })).status).toBe(404);
  });

  it('refuses the same on update of an existing schedule, keeping the old one', async () => {
    const ok = await rt.call('PUT', base(), { key, body: { cron: '30 6 * * 1-5', timezone: 'Europe/Paris' } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ cron: '30 6 * * 1-5', timezone: 'Europe/Paris', enabled: true });
    for (const [, body, field] of BAD) {
      const res = await rt.call('PUT', base(), { key, body });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].path).toBe(field);
    }
    expect((await rt.call('GET', base(), { key })).body).toMatchObject({ cron: '30 6 * * 1-5', timezone: 'Europe/Paris' });
    expect((await rt.call('DELETE', base(), { key })).status).toBe(204);
  });

  it('a bad row stored before validation fails that schedule alone: the tick runs the others, GET still answers', async () => {
    const other = await connectStripe(rt, 'acme', stripe.url, 'sk_test_good123', 'second');
    const good = await rt.call('PUT', `/v1/connections/${other.id}/streams/customers/schedule`, { key, body: { every: '1h' } });
    expect(good.status).toBe(200);
    const bad = await rt.call('PUT', base(), { key, body: { every: '1h' } });
    expect(bad.status).toBe(200);
    // What the old code stored for `every: "999999999999h"`, and a zone that is a path; both due now.
    const db = rt.running.platform.store.unscoped('test: plant rows the old validation let through');
    const now = Date.now();
    await db.from('schedules').where('id', bad.body.id).update({ interval_ms: 999_999_999_999 * 3_600_000, next_run_at: now - 1000 });
    await db.from('schedules').where('id', good.body.id).update({ next_run_at: now - 1000 });
    const third = await connectStripe(rt, 'acme', stripe.url, 'sk_test_good123', 'third');
    const cronBad = await rt.call('PUT', `/v1/connections/${third.id}/streams/customers/schedule`, { key, body: { cron: '0 * * * *' } });
    await db.from('schedules').where('id', cronBad.body.id).update({ timezone: '../../etc/passwd', cron: '* * * * * *', next_run_at: now - 1000 });

    const runs = await rt.running.platform.scheduler.tick();
    expect(runs.map((r) => r.connectionId)).toEqual([other.id]);
    expect(runs[0].status).toBe('success');

    for (const [c, field] of [[conn, 'every'], [third, 'timezone']] as const) {
      const got = await rt.call('GET', `/v1/connections/${c.id}/streams/customers/schedule`, { key });
      expect(got.status, got.text).toBe(200);
      expect(got.body.enabled).toBe(false);
      expect(got.body.last_error).toMatch(new RegExp(`switched off: schedule ${field}`));
    }
    expect(rt.logs.filter((l) => l.msg === 'schedule switched off: its stored spec cannot run')).toHaveLength(2);
    // The next tick claims nothing more and still works.
    expect(await rt.running.platform.scheduler.tick()).toEqual([]);

    // A next run time beyond what a Date holds still reads.
    await db.from('schedules').where('id', bad.body.id).update({ next_run_at: 9e16 });
    const far = await rt.call('GET', base(), { key });
    expect(far.status, far.text).toBe(200);
    const list = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/schedule`, { key });
    expect(list.status).toBe(200);

    // PUT replaces it with a valid one and clears the reason.
    const fixed = await rt.call('PUT', base(), { key, body: { every: '2h' } });
    expect(fixed.body).toMatchObject({ every_ms: 7_200_000, enabled: true });
    expect(fixed.body.last_error).toBeUndefined();
    for (const id of [other.id, third.id, conn.id]) await rt.call('DELETE', `/v1/connections/${id}/streams/customers/schedule`, { key });
  });
});

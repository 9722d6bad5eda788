/**
 * Opaque stream state through real syncs (issue 13 item 1): values kept from responses
 * (`state.keep`), a stored URL as the next run's first request (`state.resume`), deletions
 * a change feed reports (`deleted`), and a refused state starting a full resync that marks
 * what it did not see deleted (`state.reset_on`). On SQLite, and on PostgreSQL in CI.
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../../engine/platform/platform.js';
import { databaseKinds, KEY_A, type TestDatabase } from '../store/databases.js';
import { FIXTURES } from './helpers.js';
import { startCalendar, startGraphDelta, type FakeFeed } from './state-fakes.js';

const CONNECTORS = path.join(FIXTURES, 'state-connectors');

const paths = (feed: FakeFeed) => feed.requests.map((r) => decodeURIComponent(r.url));

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`stream state on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;
    let feed: FakeFeed | undefined;

    beforeAll(async () => {
      db = await kind.create('stream_state');
      platform = await createPlatform({ database: db.url, connectors: CONNECTORS, secretKeys: KEY_A });
    });
    afterAll(async () => {
      await platform?.close();
      await db?.cleanup();
    });
    afterEach(async () => {
      await feed?.close();
      feed = undefined;
    });

    const live = async (connectionId: string, stream: string) =>
      (await platform.records.list(connectionId, stream, { limit: 100 })).items.map((r) => r.id).sort();

    it('Graph delta link across three runs with a deletion', async () => {
      const graph = (feed = await startGraphDelta());
      for (const [id, name] of [['AAMk-1', 'Ada'], ['AAMk-2', 'Brian'], ['AAMk-3', 'Chen'], ['AAMk-4', 'Dita'], ['AAMk-5', 'Emil']]) {
        graph.log.put(id, { displayName: name, emailAddresses: [{ address: `${name.toLowerCase()}@contoso.com`, name }] });
      }
      const conn = await platform.connections.create({
        tenant: 'acme', connector: 'outlook', name: 'mail',
        config: { base_url: graph.url, folder_id: 'AQMkAD' }, credentials: { token: graph.token },
      });

      // Run 1: the initial round, three pages of two, ending in a delta link.
      const first = await platform.sync(conn.id, 'contacts');
      expect(first).toMatchObject({ status: 'success', records: { read: 5, written: 5, deleted: 0, pages: 3 } });
      expect(paths(graph)).toEqual([
        '/v1.0/me/contactFolders/AQMkAD/contacts/delta?$select=displayName,emailAddresses',
        '/v1.0/me/contactFolders/AQMkAD/contacts/delta?$skiptoken=r1.2',
        '/v1.0/me/contactFolders/AQMkAD/contacts/delta?$skiptoken=r1.4',
      ]);
      expect(graph.requests.every((r) => r.prefer === 'odata.maxpagesize=2' && r.authorization === `Bearer ${graph.token}`)).toBe(true);
      const state1 = await platform.state.get(conn.id, 'contacts');
      expect(state1).toEqual({ delta_link: `${graph.url}/v1.0/me/contactFolders/AQMkAD/contacts/delta?$deltatoken=5` });

      // Between runs: one contact renamed, one added, one deleted.
      graph.log.put('AAMk-2', { displayName: 'Brian Cox', emailAddresses: [{ address: 'brian@contoso.com' }] });
      graph.log.put('AAMk-6', { displayName: 'Farah', emailAddresses: [{ address: 'farah@contoso.com' }] });
      graph.log.remove('AAMk-4');
      graph.requests.length = 0;

      // Run 2: the stored delta link is the whole first request; only the changes come back.
      const second = await platform.sync(conn.id, 'contacts');
      expect(second).toMatchObject({ status: 'success', records: { read: 2, written: 2, deleted: 1, pages: 2 } });
      expect(paths(graph)[0]).toBe('/v1.0/me/contactFolders/AQMkAD/contacts/delta?$deltatoken=5');
      expect(graph.requests[0].authorization).toBe(`Bearer ${graph.token}`);
      expect(await live(conn.id, 'contacts')).toEqual(['AAMk-1', 'AAMk-2', 'AAMk-3', 'AAMk-5', 'AAMk-6']);
      expect((await platform.records.get(conn.id, 'contacts', 'AAMk-4'))?.deletedAt).toBeDefined();
      expect((await platform.records.get(conn.id, 'contacts', 'AAMk-2'))?.data).toEqual({ id: 'AAMk-2', name: 'Brian Cox', email: 'brian@contoso.com' });
      expect(await platform.state.get(conn.id, 'contacts')).toEqual({ delta_link: `${graph.url}/v1.0/me/contactFolders/AQMkAD/contacts/delta?$deltatoken=8` });

      // Run 3: nothing changed; one empty page, a new link, nothing written or deleted.
      graph.requests.length = 0;
      const third = await platform.sync(conn.id, 'contacts');
      expect(third).toMatchObject({ status: 'success', records: { read: 0, written: 0, deleted: 0, pages: 1 } });
      expect(paths(graph)).toEqual(['/v1.0/me/contactFolders/AQMkAD/contacts/delta?$deltatoken=8']);
      expect(await live(conn.id, 'contacts')).toHaveLength(5);
      const feedOfChanges = await platform.records.changes(conn.id, 'contacts', { limit: 100 });
      expect(feedOfChanges.items.filter((c) => c.action === 'deleted').map((c) => c.id)).toEqual(['AAMk-4']);
    });

    it('an expired delta link starts the round over and marks what it no longer lists deleted', async () => {
      const graph = (feed = await startGraphDelta());
      for (const id of ['a', 'b', 'c']) graph.log.put(id, { displayName: id.toUpperCase() });
      const conn = await platform.connections.create({
        tenant: 'acme', connector: 'outlook', name: 'mail-expired',
        config: { base_url: graph.url, folder_id: 'F1' }, credentials: { token: graph.token },
      });
      await platform.sync(conn.id, 'contacts');
      // The server forgets the round (and with it the record of b's removal).
      graph.expired.add(graph.log.version);
      graph.log.remove('b');
      graph.requests.length = 0;
      const run = await platform.sync(conn.id, 'contacts');
      expect(run).toMatchObject({ status: 'success', records: { read: 2, deleted: 1 } });
      expect(paths(graph)).toEqual([
        '/v1.0/me/contactFolders/F1/contacts/delta?$deltatoken=3',
        '/v1.0/me/contactFolders/F1/contacts/delta?$select=displayName,emailAddresses',
      ]);
      expect(await live(conn.id, 'contacts')).toEqual(['a', 'c']);
    });

    it('Google sync token 410 reset', async () => {
      const cal = (feed = await startCalendar());
      for (const [id, summary] of [['ev1', 'Standup'], ['ev2', 'Planning'], ['ev3', 'Retro'], ['ev4', 'Offsite']]) {
        cal.log.put(id, { summary, start: { dateTime: '2026-12-07T09:00:00Z' }, updated: '2026-12-01T10:00:00.000Z' });
      }
      const conn = await platform.connections.create({
        tenant: 'acme', connector: 'gcal', name: 'team',
        config: { base_url: cal.url, calendar_id: 'primary' }, credentials: { token: cal.token },
      });
      const first = await platform.sync(conn.id, 'events');
      expect(first).toMatchObject({ status: 'success', records: { read: 4, written: 4, pages: 2 } });
      expect(await platform.state.get(conn.id, 'events')).toEqual({ sync_token: 'sync-4' });

      // An incremental run: a cancelled event is a deletion, a changed one an update.
      cal.log.remove('ev3');
      cal.log.put('ev1', { summary: 'Standup (moved)', start: { dateTime: '2026-12-07T09:30:00Z' }, updated: '2026-12-02T08:00:00.000Z' });
      cal.requests.length = 0;
      const second = await platform.sync(conn.id, 'events');
      expect(second).toMatchObject({ status: 'success', records: { read: 1, written: 1, deleted: 1 } });
      expect(paths(cal)).toEqual(['/calendar/v3/calendars/primary/events?syncToken=sync-4&maxResults=2']);
      expect(await live(conn.id, 'events')).toEqual(['ev1', 'ev2', 'ev4']);

      // The token is invalidated; meanwhile ev2 went away and ev5 came. The 410 clears the
      // state, a full list follows, and what it does not list is marked deleted.
      cal.expired.add(6);
      cal.log.remove('ev2');
      cal.log.put('ev5', { summary: 'Launch', start: { dateTime: '2026-12-09T15:00:00Z' }, updated: '2026-12-03T12:00:00.000Z' });
      cal.log.items.delete('ev2');
      cal.requests.length = 0;
      const third = await platform.sync(conn.id, 'events');
      expect(third).toMatchObject({ status: 'success', records: { read: 3, deleted: 1 } });
      expect(paths(cal)).toEqual([
        '/calendar/v3/calendars/primary/events?syncToken=sync-6&maxResults=2',
        '/calendar/v3/calendars/primary/events?maxResults=2',
        '/calendar/v3/calendars/primary/events?maxResults=2&pageToken=2',
      ]);
      expect(await live(conn.id, 'events')).toEqual(['ev1', 'ev4', 'ev5']);
      expect(await platform.state.get(conn.id, 'events')).toEqual({ sync_token: 'sync-8' });
    });

    it('a resync interrupted after the 410 still marks what is gone when the next run finishes it', async () => {
      const cal = (feed = await startCalendar());
      for (const id of ['e1', 'e2', 'e3', 'e4', 'e5']) cal.log.put(id, { summary: id });
      const conn = await platform.connections.create({
        tenant: 'acme', connector: 'gcal', name: 'interrupted',
        config: { base_url: cal.url, calendar_id: 'primary' }, credentials: { token: cal.token },
      });
      await platform.sync(conn.id, 'events');
      cal.expired.add(cal.log.version);
      cal.log.items.delete('e4');
      // The 410, the full list's first page, then a failure (not retried) on its second page.
      cal.failAt = { request: 3, status: 400 };
      const broken = await platform.sync(conn.id, 'events');
      expect(broken.status).toBe('partial');
      // The refused token is gone: the state records no position, so the next run lists in full.
      expect(await platform.state.get(conn.id, 'events')).toBeUndefined();
      expect(await live(conn.id, 'events')).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);

      const resumed = await platform.sync(conn.id, 'events');
      expect(resumed).toMatchObject({ status: 'success', records: { read: 4, deleted: 1 } });
      expect(await live(conn.id, 'events')).toEqual(['e1', 'e2', 'e3', 'e5']);
    });

    it('a 410 without any stored state is an error, not a loop', async () => {
      const cal = (feed = await startCalendar());
      const conn = await platform.connections.create({
        tenant: 'acme', connector: 'gcal', name: 'no-state',
        config: { base_url: cal.url, calendar_id: 'primary' }, credentials: { token: cal.token },
      });
      cal.failAt = { request: 1, status: 410 };
      const run = await platform.sync(conn.id, 'events');
      expect(run).toMatchObject({ status: 'failed' });
      expect(cal.requests).toHaveLength(1);
    });
  });
}

/**
 * The invalidation channel itself: a change published by one store reaches another store on
 * the same PostgreSQL database (and not one on another schema); a LISTEN connection that the
 * server drops is reopened, and since notices may have been missed meanwhile, listeners are
 * told to drop everything. On SQLite notices stay in the store that published them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../engine/platform/store/store.js';
import { listenerName, type Invalidation } from '../../engine/platform/store/notify.js';
import { databaseKinds, type TestDatabase } from './databases.js';

const [sqlite, postgres] = databaseKinds();

function recorder(store: Store): Invalidation[] {
  const seen: Invalidation[] = [];
  store.invalidations.subscribe((c) => seen.push(c));
  return seen;
}

async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return check();
}

describe.skipIf(!postgres.available)('invalidations on postgres', () => {
  let db: TestDatabase;
  let other: TestDatabase;
  let a: Store;
  let b: Store;
  let elsewhere: Store;

  beforeAll(async () => {
    db = await postgres.create('notify');
    other = await postgres.create('notify_other');
    a = await openStore(db.url);
    b = await openStore(db.url);
    elsewhere = await openStore(other.url);
    for (const s of [a, b, elsewhere]) s.invalidations.subscribe(() => undefined);
    expect(await Promise.all([a, b, elsewhere].map((s) => s.invalidations.ready()))).toEqual([true, true, true]);
  });
  afterAll(async () => {
    for (const s of [a, b, elsewhere]) await s?.close();
    await db?.cleanup();
    await other?.cleanup();
  });

  it("reaches another store on the same schema, and not another schema's", async () => {
    const seenB = recorder(b);
    const seenElsewhere = recorder(elsewhere);
    await a.invalidations.publish('key', 'acme', 'key_1');
    expect(await until(() => seenB.length > 0)).toBe(true);
    await elsewhere.invalidations.publish('key', 'acme', 'marker');
    // Notices arrive in commit order: once B has the barrier, it would have had the marker.
    await a.invalidations.publish('key', 'acme', 'barrier');
    expect(await until(() => seenB.length > 1)).toBe(true);
    expect(seenB).toEqual([{ kind: 'key', tenant: 'acme', id: 'key_1' }, { kind: 'key', tenant: 'acme', id: 'barrier' }]);
    // Its own notice once (delivered at once, the echo ignored), nothing of the other schema's.
    expect(seenElsewhere).toEqual([{ kind: 'key', tenant: 'acme', id: 'marker' }]);
  });

  it('reopens a LISTEN connection the server dropped, and tells listeners to drop everything', async () => {
    const seenB = recorder(b);
    // Only this suite's listeners (its own schema): other suites share the server.
    const killed = await a.knex.raw('select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = ?', [listenerName(db.schema!)]);
    expect(killed.rows.length).toBeGreaterThan(0);
    expect(await until(() => seenB.some((c) => c.kind === 'all'))).toBe(true);
    expect(await b.invalidations.ready()).toBe(true);
    await a.invalidations.publish('connection', 'acme', 'conn_1');
    expect(await until(() => seenB.some((c) => c.kind === 'connection'))).toBe(true);
  });
});

describe('invalidations on sqlite', () => {
  let db: TestDatabase;
  let a: Store;
  let b: Store;

  beforeAll(async () => {
    db = await sqlite.create('notify');
    a = await openStore(db.url);
    b = await openStore(db.url);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.cleanup();
  });

  it("are delivered to the publishing store's listeners at once, and to no other", async () => {
    const seenA = recorder(a);
    const seenB = recorder(b);
    expect(a.invalidations.crossProcess).toBe(false);
    await a.invalidations.publish('oauth_app', '*', 'rotating');
    expect(seenA).toEqual([{ kind: 'oauth_app', tenant: '*', id: 'rotating' }]);
    expect(seenB).toEqual([]);
  });
});

/**
 * Retention: rows past their window are purged in bounded batches, rows in flight and
 * recent rows stay, and a dry run counts without deleting. On every test database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../../engine/platform/platform.js';
import { databaseKinds, KEY_A, type TestDatabase } from '../store/databases.js';

const DAY = 86_400_000;

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`retention on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;
    beforeAll(async () => {
      db = await kind.create('retention');
      platform = await createPlatform({ database: db.url, connectors: new Map(), secretKeys: KEY_A, retention: { processedDays: 30, rejectedDays: 7, batchSize: 3 } });
    });
    afterAll(async () => {
      await platform?.close();
      await db?.cleanup();
    });

    it('deletes old processed and rejected events and orphaned bodies, keeps pending and recent ones', async () => {
      const k = platform.store.knex;
      const now = platform.store.now();
      const ev = (id: string, status: string, ageDays: number, payloadId?: string) => ({
        id, tenant: 't1', connector: 'c', connection_id: 'conn', provider_event_id: id, type: 'x', payload: '{}', status, attempts: 0,
        received_at: now - ageDays * DAY, ...(payloadId ? { payload_id: payloadId } : {}),
      });
      const rows = [
        ...Array.from({ length: 10 }, (_, i) => ev(`old_rej_${i}`, 'rejected', 8)),
        ev('new_rej', 'rejected', 6),
        ...Array.from({ length: 4 }, (_, i) => ev(`old_ok_${i}`, 'processed', 31, 'whp_1')),
        ev('new_ok', 'processed', 29),
        ev('old_pending', 'pending', 90),
      ];
      await k('webhook_events').insert(rows);
      await k('webhook_payloads').insert([{ id: 'whp_1', tenant: 't1', body: '[]', created_at: now - 31 * DAY }]);

      const dry = await platform.retention.purge({ dryRun: true });
      expect(dry.deleted['webhook_events.rejected']).toBe(10);
      expect(Number((await k('webhook_events').count({ n: '*' }).first())!.n)).toBe(rows.length);

      const report = await platform.retention.purge();
      expect(report.deleted).toMatchObject({ 'webhook_events.rejected': 10, 'webhook_events.processed': 4, 'webhook_payloads.orphaned': 1 });
      const left = (await k('webhook_events').select('id').orderBy('id')).map((r: { id: string }) => r.id);
      expect(left).toEqual(['new_ok', 'new_rej', 'old_pending']);
      expect(await k('webhook_payloads').count({ n: '*' }).first()).toMatchObject({ n: expect.anything() });
      expect(Number((await k('webhook_payloads').count({ n: '*' }).first())!.n)).toBe(0);
    });

    it("purges the operator's counts of refused deliveries past the rejected window", async () => {
      const k = platform.store.knex;
      const now = platform.store.now();
      const hour = (ageDays: number) => { const t = now - ageDays * DAY; return t - (t % 3_600_000); };
      await k('webhook_rejections').insert([
        { connector: 'c', connection_id: '', reason: 'bad_signature', bucket: hour(8), count: 5, last_at: hour(8) },
        { connector: 'c', connection_id: 'conn', reason: 'bad_signature', bucket: hour(6), count: 2, last_at: hour(6) },
      ]);
      expect((await platform.retention.purge({ dryRun: true })).deleted.webhook_rejections).toBe(1);
      expect((await platform.retention.purge()).deleted.webhook_rejections).toBe(1);
      expect(await k('webhook_rejections').select('connection_id')).toEqual([{ connection_id: 'conn' }]);
    });
  });
}

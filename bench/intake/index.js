/**
 * Intake under an unauthenticated flood: forged GitHub deliveries (64 KiB bodies, bad
 * signatures) from one loopback client to a connection's URL of the real runtime
 * (startServer over dist/, default budgets). Reports where 429s start (deliveries let
 * through before the first refusal) and the database bytes stored per rejected delivery
 * (SQLite page_count × page_size before and after).
 *
 * Run with `npm run bench -- intake`. PATCHBAY_BENCH_INTAKE_FLOOD (default 400) sets the count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '../..');
const dist = (p) => import(pathToFileURL(join(root, 'dist/engine', p)).href);

export const title = 'Webhook intake under a forged flood';

const FLOOD = Number(process.env.PATCHBAY_BENCH_INTAKE_FLOOD ?? 400);

export async function run() {
  const { startServer } = await dist('runtime/server.js');
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-intake-'));
  const running = await startServer({
    port: 0, database: `sqlite:${join(dir, 'bench.db')}`, connectorsDir: join(root, 'connectors'),
    secretKeys: `bench:${randomBytes(32).toString('base64')}`, adminKey: '', workers: false, bootstrapAdminKey: false, print: () => undefined,
  });
  try {
    const { platform } = running;
    const conn = await platform.connections.create({ tenant: 'bench', connector: 'github', name: 'gh', config: { owner: 'o', repo: 'r' }, auth: 'token', credentials: { token: 't', webhook_secret: 's' }, skipCheck: true });
    const bytes = async () => {
      const [{ page_count }] = await platform.store.knex.raw('PRAGMA page_count');
      const [{ page_size }] = await platform.store.knex.raw('PRAGMA page_size');
      return Number(page_count) * Number(page_size);
    };
    const before = await bytes();
    const body = JSON.stringify({ action: 'opened', pad: 'x'.repeat(64 * 1024 - 40) });
    let firstRefusal;
    let rejected = 0;
    for (let i = 0; i < FLOOD; i++) {
      const res = await fetch(`${running.url}/v1/webhooks/github/${conn.id}`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': `f-${i}`, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } });
      await res.arrayBuffer();
      if (res.status === 429) firstRefusal ??= i;
      else rejected++;
    }
    const perRejected = rejected ? ((await bytes()) - before) / rejected : 0;
    return [
      { metric: 'forged deliveries answered before the first 429 (one client)', value: firstRefusal ?? FLOOD, unit: 'deliveries' },
      { metric: 'forged deliveries that reached the pipeline', value: rejected, unit: `of ${FLOOD}` },
      { metric: 'database bytes per rejected delivery (64 KiB body)', value: Math.round(perRejected), unit: 'B', target: '< 2048 B', pass: perRejected < 2048 },
    ];
  } finally {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

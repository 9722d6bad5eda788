/**
 * Sync throughput: a full sync of 100,000 records from a local fake API (100 pages of 1,000,
 * cursor pagination, incremental cursor) into SQLite, and into PostgreSQL when
 * PATCHBAY_TEST_PG_URL (or PATCHBAY_BENCH_PG_URL) is set, against a baseline in the same run:
 * the same rows inserted into a table of the same shape with plain knex batch inserts, one
 * transaction per 1,000 rows. Best of 2 alternating rounds each. Target: sync records/s ≥
 * 0.5 × baseline rows/s.
 *
 * Run with `npm run bench -- sync`, or directly: `node bench/sync/index.js`.
 */
import http from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '../..');
const { createPlatform } = await import(pathToFileURL(join(root, 'dist/engine/platform/platform.js')).href);

export const title = 'Sync throughput';

const TOTAL = Number(process.env.PATCHBAY_BENCH_SYNC_RECORDS ?? 100_000);
const PAGE = 1000;
const ROUNDS = Number(process.env.PATCHBAY_BENCH_SYNC_ROUNDS ?? 2);
const KEY = `bench:${randomBytes(32).toString('base64')}`;

const MANIFEST = `
patchbay: 1
id: benchapi
name: Bench API
config:
  type: object
  required: [base_url]
  properties: { base_url: { type: string } }
credentials:
  type: object
  required: [token]
  properties: { token: { type: string } }
auth: { type: bearer }
http:
  base_url: "{{config.base_url}}"
  pagination:
    type: cursor
    next: next
    param: { in: query, name: after }
    size_param: limit
    size: ${PAGE}
check:
  request: { method: GET, path: /me }
streams:
  contacts:
    request:
      path: /contacts
      query: { since: "{{state.cursor}}" }
    records: data
    primary_key: id
    cursor: { field: updated_at }
`;

function makeRecords(n) {
  const start = Date.UTC(2024, 0, 1);
  return Array.from({ length: n }, (_, i) => ({
    id: `c${i + 1}`,
    email: `person${i + 1}@example.test`,
    name: `Person ${i + 1}`,
    company: `Company ${i % 997}`,
    amount: (i * 37) % 10_000,
    tags: ['lead', i % 2 ? 'b2b' : 'b2c'],
    updated_at: new Date(start + i * 1000).toISOString(),
  }));
}

/** Pages are serialised up front so the API's own cost stays out of the figure. */
async function startApi(records) {
  const pages = new Map();
  for (let off = 0; off < records.length; off += PAGE) {
    const next = off + PAGE < records.length ? String(off + PAGE) : null;
    pages.set(String(off), JSON.stringify({ data: records.slice(off, off + PAGE), next }));
  }
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    if (u.pathname === '/me') return res.end('{}');
    const body = pages.get(u.searchParams.get('after') ?? '0') ?? '{"data":[],"next":null}';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

async function baseline(knex, records) {
  await knex.schema.dropTableIfExists('bench_baseline');
  await knex.schema.createTable('bench_baseline', (t) => {
    t.bigIncrements('id').primary();
    t.string('tenant', 200).notNullable();
    t.string('connection_id', 64).notNullable();
    t.string('stream', 200).notNullable();
    t.string('external_id', 500).notNullable();
    t.text('data').notNullable();
    t.string('hash', 64).notNullable();
    t.string('model', 100);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('deleted_at');
    t.bigInteger('seq').notNullable();
    t.bigInteger('first_seq').notNullable();
    t.unique(['connection_id', 'stream', 'external_id']);
    t.index(['connection_id', 'stream', 'seq']);
  });
  const started = performance.now();
  for (let off = 0; off < records.length; off += PAGE) {
    const now = Date.now();
    const rows = records.slice(off, off + PAGE).map((r, i) => {
      const data = JSON.stringify(r);
      return {
        tenant: 'bench', connection_id: 'conn_bench', stream: 'contacts', external_id: r.id, data,
        hash: createHash('sha256').update(data).digest('base64url'), model: null,
        created_at: now, updated_at: now, deleted_at: null, seq: off + i + 1, first_seq: off + i + 1,
      };
    });
    await knex.batchInsert('bench_baseline', rows, 500);
  }
  const seconds = (performance.now() - started) / 1000;
  await knex.schema.dropTable('bench_baseline');
  return records.length / seconds;
}

/** One timed full sync into a fresh connection; its records are removed afterwards, untimed. */
async function syncOnce(platform, api, records, round) {
  const conn = await platform.connections.create({
    tenant: 'bench', connector: 'benchapi', name: `bench-${round}`, config: { base_url: api.url }, credentials: { token: 't' },
  });
  const started = performance.now();
  const run = await platform.sync(conn.id, 'contacts');
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 'success' || run.records.written !== records.length) {
    throw new Error(`sync ended ${run.status} with ${run.records.written} written: ${run.error ?? ''}`);
  }
  await platform.store.knex('records').where('connection_id', conn.id).delete();
  return records.length / seconds;
}

/**
 * Sync and baseline alternate, best of ROUNDS each: other work on a shared machine then
 * slows both alike instead of skewing the ratio toward whichever ran in a quiet moment.
 */
async function measure(label, database, connectors, api, records) {
  const platform = await createPlatform({ database, connectors, secretKeys: KEY });
  try {
    let syncRate = 0;
    let baseRate = 0;
    for (let round = 0; round < ROUNDS; round++) {
      syncRate = Math.max(syncRate, await syncOnce(platform, api, records, round));
      baseRate = Math.max(baseRate, await baseline(platform.store.knex, records));
    }
    const ratio = syncRate / baseRate;
    return [
      { metric: `${label}: full sync of ${records.length.toLocaleString('en-US')} records`, value: Math.round(syncRate), unit: 'records/s' },
      { metric: `${label}: baseline knex batch insert`, value: Math.round(baseRate), unit: 'rows/s' },
      { metric: `${label}: sync / baseline`, value: Number(ratio.toFixed(2)), unit: '×', target: '≥ 0.5×', pass: ratio >= 0.5 },
    ];
  } finally {
    await platform.close();
  }
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-sync-'));
  const connectors = join(dir, 'connectors');
  mkdirSync(join(connectors, 'benchapi'), { recursive: true });
  writeFileSync(join(connectors, 'benchapi', 'connector.yaml'), MANIFEST);
  const records = makeRecords(TOTAL);
  const api = await startApi(records);
  const results = [];
  try {
    results.push(...(await measure('SQLite', `sqlite:${join(dir, 'bench.db')}`, connectors, api, records)));
    const pg = process.env.PATCHBAY_BENCH_PG_URL ?? process.env.PATCHBAY_TEST_PG_URL;
    if (pg) {
      const schema = `bench_${randomBytes(4).toString('hex')}`;
      const u = new URL(pg);
      u.searchParams.set('schema', schema);
      try {
        results.push(...(await measure('PostgreSQL', u.toString(), connectors, api, records)));
      } finally {
        const knex = (await import('knex')).default({ client: 'pg', connection: pg });
        await knex.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
        await knex.destroy();
      }
    } else {
      process.stderr.write('  PostgreSQL skipped: set PATCHBAY_TEST_PG_URL or PATCHBAY_BENCH_PG_URL\n');
    }
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

// Run directly: print the figures.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await run()) {
    process.stdout.write(`${r.metric}: ${r.value} ${r.unit}${r.target ? ` (target ${r.target}: ${r.pass ? 'ok' : 'MISSED'})` : ''}\n`);
  }
}

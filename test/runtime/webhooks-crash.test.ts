/**
 * Nothing acknowledged is lost: 2,000 signed GitHub deliveries are sent to an intake server
 * in a child process (the built dist/), which is killed with SIGKILL mid-load twice and
 * restarted. Like a provider, the sender retries whatever got no answer. Afterwards every
 * event that got a 2xx is stored exactly once, byte for byte.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '@octokit/webhooks-methods';
import { createPlatform } from '../../engine/platform/platform.js';
import { openStore } from '../../engine/platform/store/store.js';
import { ensureBuilt, ROOT } from '../cli/helpers.js';
import { SHIPPED_CONNECTORS } from './helpers.js';

const EVENTS = 2000;
const CONCURRENCY = 16;
const KILL_AFTER = [400, 1100];
const KEYS = `crash:${randomBytes(32).toString('base64')}`;
const SECRET = `crash-${randomBytes(8).toString('hex')}`;

interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

function startServer(database: string): Promise<Server> {
  const child = fork(path.join(ROOT, 'bench/webhooks/server.js'), [], {
    env: { ...process.env, PATCHBAY_DATABASE_URL: database, PATCHBAY_SECRET_KEYS: KEYS, BENCH_CONNECTORS: SHIPPED_CONNECTORS, BENCH_WORKERS: '1', BENCH_MODE: 'patchbay' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('message', (m: any) => resolve({ child, url: `http://127.0.0.1:${m.port}`, exited }));
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });
}

function postOnce(url: string, d: { headers: Record<string, string>; body: string }, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: d.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(d.body);
  });
}

describe('webhook intake survives SIGKILL', () => {
  let dir: string;
  let database: string;
  let connection: string;
  let server: Server | undefined;

  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-wh-crash-'));
    database = `sqlite:${path.join(dir, 'crash.db')}`;
    const platform = await createPlatform({ database, connectors: SHIPPED_CONNECTORS, secretKeys: KEYS });
    try {
      connection = (await platform.connections.create({
        tenant: 'acme', connector: 'github', name: 'crash', auth: 'token', skipCheck: true,
        config: { owner: 'octocat', repo: 'hello' }, credentials: { token: 'ghp_x', webhook_secret: SECRET },
      })).id;
    } finally {
      await platform.close();
    }
  }, 180_000);
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every acknowledged event exactly once across two kills and restarts', async () => {
    const target = `/v1/webhooks/github/${connection}`;
    const deliveries = await Promise.all(Array.from({ length: EVENTS }, async (_, i) => {
      const body = JSON.stringify({ action: 'opened', issue: { id: 500_000 + i, number: i, title: `crash ${i}`, state: 'open' }, repository: { full_name: 'octocat/hello' }, sender: { login: 'octocat' } });
      const id = randomUUID();
      return { id, body, headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': id, 'x-hub-signature-256': await sign(SECRET, body) } };
    }));

    server = await startServer(database);
    let up: Promise<Server> = Promise.resolve(server);
    const acked = new Set<string>();
    const refused: Array<{ id: string; status: number }> = [];
    let failures = 0;
    let kills = 0;
    let restarting = false;
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

    const maybeKill = () => {
      if (restarting || kills >= KILL_AFTER.length || acked.size < KILL_AFTER[kills]) return;
      kills++;
      restarting = true;
      const victim = server!;
      const restarted = (async () => {
        // Mid-flight: anywhere from "request half read" to "transaction committing".
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));
        victim.child.kill('SIGKILL');
        await victim.exited;
        server = await startServer(database);
        restarting = false;
        return server;
      })();
      // Senders keep using the victim until it dies, as a provider would, so the kill lands
      // on requests in flight however fast the machine answers them.
      void victim.exited.then(() => {
        up = restarted;
      });
    };

    const queue = deliveries.map((_, i) => i);
    const sendAll = async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const d = deliveries[i];
        for (;;) {
          const s = await up;
          try {
            const status = await postOnce(`${s.url}${target}`, d, agent);
            if (status >= 200 && status < 300) {
              acked.add(d.id);
              maybeKill();
              break;
            }
            if (status < 500) {
              refused.push({ id: d.id, status });
              break;
            }
          } catch {
            // No answer: the server died under this request. A provider sends it again.
          }
          failures++;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, sendAll));
    agent.destroy();

    expect(refused).toEqual([]);
    expect(kills).toBe(2);
    expect(failures).toBeGreaterThan(0);
    expect(acked.size).toBe(EVENTS);

    server.child.kill('SIGKILL');
    await server.exited;
    server = undefined;

    const store = await openStore(database, { migrate: false });
    try {
      const rows: Array<{ provider_event_id: string; payload: string; status: string }> = await store.knex('webhook_events')
        .select('provider_event_id', 'payload', 'status')
        .where({ connector: 'github', connection_id: connection });
      const byId = new Map<string, number>();
      for (const r of rows) byId.set(r.provider_event_id, (byId.get(r.provider_event_id) ?? 0) + 1);
      const missing = [...acked].filter((id) => !byId.has(id));
      const doubled = [...byId].filter(([, n]) => n > 1);
      expect(missing).toEqual([]);
      expect(doubled).toEqual([]);
      expect(rows).toHaveLength(EVENTS);
      expect(rows.filter((r) => r.status === 'rejected')).toEqual([]);
      const sent = new Map<string, string>(deliveries.map((d) => [d.id, d.body]));
      expect(rows.filter((r) => r.payload !== sent.get(r.provider_event_id))).toEqual([]);
    } finally {
      await store.close();
    }
  }, 180_000);
});

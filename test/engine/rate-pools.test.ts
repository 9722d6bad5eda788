/**
 * `rate_limit.pool`: a provider whose APIs have separate limits (a GraphQL cost bucket beside
 * a REST call bucket) gets one limiter per pool, so a full REST budget does not hold GraphQL
 * calls back, while calls of one pool still share theirs. Real requests to a local server
 * that holds each one long enough to see what overlaps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine/run/engine.js';
import { startServer, type TestServer } from '../http/server.js';
import { compile } from './helpers.js';

const manifest = (pool: string) => `
patchbay: 1
id: pooled
name: Pooled
config: { type: object, properties: { base: { type: string } } }
auth: { type: none }
http:
  base_url: "{{config.base}}"
  rate_limit: { concurrency: 1 }
actions:
  rest:
    request: { path: /rest }
    output: "{ 'ok': ok }"
  gql:
    request: { method: POST, path: /graphql, body: { query: "{ shop { name } }" } }
    http:
      rate_limit: { concurrency: 1${pool} }
    output: "{ 'ok': ok }"
`;

let server: TestServer;
beforeAll(async () => {
  server = await startServer(() => ({ body: { ok: true }, delayMs: 150 }));
});
afterAll(() => server.close());

/** The most REST calls the server held at once, and whether a GraphQL call overlapped one. */
function overlaps(s: TestServer, from: number): { rest: number; both: boolean } {
  const seen = s.seen.slice(from);
  const spans = seen.map((r) => ({ path: r.path, start: r.at, end: r.at + 150 }));
  const rest = spans.filter((x) => x.path === '/rest');
  let maxRest = 1;
  for (const a of rest) maxRest = Math.max(maxRest, rest.filter((b) => b.start >= a.start && b.start < a.end).length);
  const gql = spans.filter((x) => x.path === '/graphql');
  const both = gql.some((g) => rest.some((r) => g.start < r.end && r.start < g.end));
  return { rest: maxRest, both };
}

async function run(engine: Engine, id: string) {
  const conn = { id, connector: 'pooled', config: { base: server.url } };
  const from = server.seen.length;
  await Promise.all([engine.call(conn, 'rest', {}), engine.call(conn, 'rest', {}), engine.call(conn, 'gql', {})]);
  return overlaps(server, from);
}

/** Two REST calls and one GraphQL call at once on a fresh engine; what overlapped. */
async function runWith(pool: string, id: string) {
  const engine = await createEngine({ connectors: [compile(manifest(pool), '/virtual/connectors/pooled/connector.yaml')] });
  try {
    return await run(engine, id);
  } finally {
    await engine.close();
  }
}

describe('rate-limit pools', () => {
  it('a pooled action runs beside the default pool, whose calls still queue one at a time', async () => {
    expect(await runWith(', pool: graphql', 'c-pool')).toEqual({ rest: 1, both: true });
  });

  it('without a pool the same declaration shares one limiter: the GraphQL call waits its turn', async () => {
    expect(await runWith('', 'c-shared')).toEqual({ rest: 1, both: false });
  });
});

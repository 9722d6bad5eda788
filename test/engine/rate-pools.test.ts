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

/** Per path, the most requests the server held at once. */
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

describe('rate-limit pools', () => {
  it('a pooled action runs beside the default pool, whose calls still queue one at a time', async () => {
    const engine = await createEngine({ connectors: [compile(manifest(', pool: graphql'), '/virtual/connectors/pooled/connector.yaml')] });
    try {
      const out = await run(engine, 'c-pool');
      expect(out.rest).toBe(1);
      expect(out.both).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('without a pool the same declaration shares one limiter: the GraphQL call waits its turn', async () => {
    const engine = await createEngine({ connectors: [compile(manifest(''), '/virtual/connectors/pooled/connector.yaml')] });
    try {
      const out = await run(engine, 'c-shared');
      expect(out.rest).toBe(1);
      expect(out.both).toBe(false);
    } finally {
      await engine.close();
    }
  });
});

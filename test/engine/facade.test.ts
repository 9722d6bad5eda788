import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../engine/run/engine.js';
import { startServer, type TestServer } from '../paginate/helpers.js';
import { compile, failure } from './helpers.js';

const manifest = (id: string) => `
patchbay: 1
id: ${id}
name: ${id}
auth: { type: none }
http: { base_url: "http://unused.invalid" }
check: { request: { path: /ping } }
`;

let dir: string | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  await server?.close();
  dir = undefined;
  server = undefined;
});

describe('createEngine', () => {
  it('loads a connectors directory and explains a connector that failed to load', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'patchbay-engine-'));
    await mkdir(path.join(dir, 'alpha'));
    await writeFile(path.join(dir, 'alpha', 'connector.yaml'), manifest('alpha'));
    await mkdir(path.join(dir, 'broken'));
    await writeFile(path.join(dir, 'broken', 'connector.yaml'), `${manifest('broken')}\nbogus_key: 1\n`);
    const engine = await createEngine({ connectors: dir });
    try {
      expect([...engine.plans.keys()]).toEqual(['alpha']);
      expect(engine.plan('alpha').name).toBe('alpha');
      expect(() => engine.plan('broken')).toThrow(/Connector broken failed to load:\n.*connector\.yaml:\d+:\d+/);
      expect(() => engine.plan('alpah')).toThrow(/did you mean "alpha"/);
    } finally {
      await engine.close();
    }
  });

  it('accepts plans as an array or a map, and refuses work once closed', async () => {
    server = await startServer(() => ({ body: { pong: true } }));
    const plan = compile(manifest('alpha'), '/virtual/connectors/alpha/connector.yaml');
    const fromMap = await createEngine({ connectors: new Map([['alpha', plan]]) });
    expect(fromMap.plan('alpha')).toBe(plan);
    await fromMap.close();
    const engine = await createEngine({ connectors: [plan], userAgent: 'host-app/2.0' });
    const conn = { connector: 'alpha', baseUrl: server.url };
    expect(await engine.check(conn)).toEqual({ ok: true });
    expect(server.seen[0].headers['user-agent']).toBe('host-app/2.0');
    await engine.close();
    const err = await failure(engine.check(conn));
    expect(err).toMatchObject({ kind: 'internal', origin: 'caller', operation: 'check', message: 'The engine is closed' });
    expect(server.seen).toHaveLength(1);
  });
});

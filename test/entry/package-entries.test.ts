/**
 * The package entries as a host loads them, by name, from the built package: `patchbay` is
 * manifests and the stateless engine, so a host that only calls providers never loads the
 * HTTP server or the database drivers; the stateful layers come from their own entries.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../cli/helpers.js';

/** Which of koa, @koa/router, knex, sqlite3 and pg a fresh process holds after importing `entry`. */
function heavyModulesAfter(entry: string): { heavy: string[]; exports: string[] } {
  const script = `
    import { createRequire } from 'node:module';
    const mod = await import(${JSON.stringify(entry)});
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    const heavy = new Set();
    for (const f of loaded) { const m = /node_modules\\/((?:@koa\\/)?[^/]+)\\//.exec(f); if (m && ['koa', '@koa/router', 'knex', 'sqlite3', 'pg'].includes(m[1])) heavy.add(m[1]); }
    process.stdout.write(JSON.stringify({ heavy: [...heavy].sort(), exports: Object.keys(mod).sort() }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`importing ${entry} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { heavy: string[]; exports: string[] };
}

describe('package entries', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it("'patchbay' loads neither koa nor knex nor a database driver, and exports the manifest and engine API", () => {
    const { heavy, exports } = heavyModulesAfter('patchbay');
    expect(heavy).toEqual([]);
    for (const name of ['createEngine', 'validateSource', 'loadPlan', 'ConnectorError', 'registerPaginator', 'registerAuthStrategy']) expect(exports).toContain(name);
    expect(exports).not.toContain('createPlatform');
    expect(exports).not.toContain('createApp');
  });

  it("'patchbay/platform' brings the store, 'patchbay/runtime' the HTTP server", () => {
    const platform = heavyModulesAfter('patchbay/platform');
    expect(platform.heavy).toContain('knex');
    expect(platform.heavy).not.toContain('koa');
    expect(platform.exports).toContain('createPlatform');
    const runtime = heavyModulesAfter('patchbay/runtime');
    expect(runtime.heavy).toEqual(expect.arrayContaining(['koa', 'knex']));
    expect(runtime.exports).toEqual(expect.arrayContaining(['createApp', 'startServer']));
  });

  it("'patchbay/present' is the JSON dialect alone: neither knex nor koa", () => {
    const present = heavyModulesAfter('patchbay/present');
    expect(present.heavy).toEqual([]);
    expect(present.exports).toEqual(expect.arrayContaining(['describeConnector', 'presentConnection', 'presentPage', 'LIMITS']));
  });

  it("'patchbay/testing' runs tests.yaml suites", () => {
    expect(heavyModulesAfter('patchbay/testing').exports).toEqual(expect.arrayContaining(['runConnectorTests', 'loadTestSuite']));
  });

  it('declares exactly these entries, each naming a built file', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { import: string; types: string }> };
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './platform', './present', './runtime', './testing']);
    for (const e of Object.values(pkg.exports)) expect(existsSync(join(ROOT, e.import)), e.import).toBe(true);
  });
});

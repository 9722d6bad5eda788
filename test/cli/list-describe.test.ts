import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, tempDir, writeTree } from './helpers.js';
import { misspeltManifest, validManifest, warningManifest } from './fixtures.js';

let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = tempDir();
  writeTree(dir, {
    'connectors/notes/connector.yaml': validManifest('notes', 'Notes'),
    'connectors/hooks/connector.yaml': warningManifest('hooks'),
  });
});

describe('patchbay list', () => {
  it('prints one row per connector with auth types, counts and webhooks', async () => {
    const r = await runCli(['list'], dir);
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(['ID', 'NAME', 'AUTH', 'ACTIONS', 'STREAMS', 'WEBHOOKS']);
    expect(rows.slice(1)).toEqual([
      ['hooks', 'HOOKS', 'api_key', '1', '1', 'yes'],
      ['notes', 'Notes', 'api_key', '1', '1', 'no'],
    ]);
  });

  it('--json gives the same facts as data', async () => {
    const r = await runCli(['list', '--json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { id: 'hooks', name: 'HOOKS', auth: ['api_key'], actions: 1, streams: 1, webhooks: true, categories: ['testing'] },
      { id: 'notes', name: 'Notes', auth: ['api_key'], actions: 1, streams: 1, webhooks: false, categories: ['testing'] },
    ]);
  });

  it('reads another directory with --connectors and fails (exit 1) when a connector does not load', async () => {
    const other = tempDir();
    writeTree(other, { 'set/good/connector.yaml': validManifest('good'), 'set/bad/connector.yaml': misspeltManifest('bad') });
    const r = await runCli(['--connectors', 'set', 'list', '--json'], other);
    expect(JSON.parse(r.stdout).map((c: { id: string }) => c.id)).toEqual(['good']);
    expect(r.stderr).toContain('set/bad/connector.yaml:23:3');
    expect(r.code).toBe(1);
  });
});

describe('patchbay describe', () => {
  it('--json reports auth, config, credentials, actions with inputs, streams and webhooks', async () => {
    const r = await runCli(['describe', 'hooks', '--json'], dir);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ id: 'hooks', name: 'HOOKS', file: 'connectors/hooks/connector.yaml' });
    expect(d.auth).toHaveLength(1);
    expect(d.auth[0]).toMatchObject({ type: 'api_key', default: true, settings: { in: 'header', name: 'X-API-Key' } });
    expect(d.config).toEqual([{ name: 'workspace', type: 'string', required: true, title: 'Workspace' }]);
    expect(d.credentials).toEqual([{ name: 'api_key', type: 'string', required: true, title: 'API key' }]);
    expect(d.check).toEqual({ request: 'GET /me' });
    expect(d.actions).toEqual([
      {
        name: 'create_note',
        title: 'Create a note',
        request: 'POST /notes',
        input: [
          { name: 'text', type: 'string', required: true, title: 'Text' },
          { name: 'pinned', type: 'boolean', required: false },
        ],
      },
    ]);
    expect(d.streams).toEqual([
      { name: 'notes', request: 'GET /notes', primaryKey: ['id'], cursor: 'updated_at', model: 'message', pagination: 'page' },
    ]);
    expect(d.webhooks).toEqual({ verification: 'none', handshake: false, routes: [{ on: ['note.updated'], do: ['upsert notes'] }] });
  });

  it('prints a readable description', async () => {
    const r = await runCli(['describe', 'notes'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Notes \(notes\)\n/);
    expect(r.stdout).toMatch(/\nAuth\n {2}default \(api_key\)|\nAuth\n {2}\S+ \(api_key\)/);
    expect(r.stdout).toMatch(/\n {4}name: X-API-Key\n/);
    expect(r.stdout).toMatch(/\nConfig\n {2}name +type +required +title\n {2}workspace +string +required +Workspace\n/);
    expect(r.stdout).toMatch(/\nActions \(1\)\n {2}create_note {2}POST \/notes\n/);
    expect(r.stdout).toMatch(/ {6}text +string +required +Text\n {6}pinned +boolean +optional\n/);
    expect(r.stdout).toContain('primary key: id · cursor: updated_at · model: message · pagination: page');
    expect(r.stdout).toMatch(/\nWebhooks\n {2}none\n$/);
  });

  it('exits 1 on an unknown id, listing known ids and the nearest one', async () => {
    const r = await runCli(['describe', 'hoks'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown connector "hoks"');
    expect(r.stderr).toContain('did you mean "hooks"?');
    expect(r.stderr).toContain('known connectors: hooks, notes');
  });

  it('gives no suggestion when nothing is close, but still lists the known ids', async () => {
    const r = await runCli(['describe', 'zzzzzzzz'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('did you mean');
    expect(r.stderr).toContain('known connectors: hooks, notes');
  });

  it('exits 2 without an id', async () => {
    const r = await runCli(['describe'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument 'id'/);
  });
});

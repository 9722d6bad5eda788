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

  it('--json gives the same facts as data, in the page GET /v1/connectors answers', async () => {
    const r = await runCli(['list', '--json'], dir);
    expect(r.code).toBe(0);
    const summary = (id: string, name: string, webhooks: boolean) => ({
      id, name, description: `Test connector ${id}.`, categories: ['testing'], auth_types: ['api_key'], actions: ['create_note'], streams: ['notes'], webhooks,
    });
    expect(JSON.parse(r.stdout)).toEqual({ connectors: [summary('hooks', 'HOOKS', true), summary('notes', 'Notes', false)], next_cursor: null, has_more: false });
  });

  it('pages with --limit and --cursor, and refuses a bad cursor or limit as usage errors', async () => {
    const first = JSON.parse((await runCli(['list', '--json', '--limit', '1'], dir)).stdout);
    expect(first.connectors.map((c: { id: string }) => c.id)).toEqual(['hooks']);
    expect(first.has_more).toBe(true);
    const second = JSON.parse((await runCli(['list', '--json', '--limit', '1', '--cursor', first.next_cursor], dir)).stdout);
    expect(second).toMatchObject({ connectors: [{ id: 'notes' }], next_cursor: null, has_more: false });
    const text = await runCli(['list', '--limit', '1'], dir);
    expect(text.stderr).toContain(`more: --cursor ${first.next_cursor}`);

    const bad = await runCli(['list', '--cursor', 'nonsense'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--cursor "nonsense" is not a cursor this API returned');
    expect((await runCli(['list', '--limit', '0'], dir)).code).toBe(2);
    expect((await runCli(['list', '--limit', '1001'], dir)).code).toBe(2);
  });

  it('reads another directory with --connectors and fails (exit 1) when a connector does not load', async () => {
    const other = tempDir();
    writeTree(other, { 'set/good/connector.yaml': validManifest('good'), 'set/bad/connector.yaml': misspeltManifest('bad') });
    const r = await runCli(['--connectors', 'set', 'list', '--json'], other);
    expect(JSON.parse(r.stdout).connectors.map((c: { id: string }) => c.id)).toEqual(['good']);
    expect(r.stderr).toContain('set/bad/connector.yaml:23:3');
    expect(r.code).toBe(1);
  });
});

describe('patchbay describe', () => {
  it('--json reports auth, config and credential schemas, actions with inputs, streams and webhooks', async () => {
    const r = await runCli(['describe', 'hooks', '--json'], dir);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ id: 'hooks', name: 'HOOKS', categories: ['testing'] });
    expect(d).not.toHaveProperty('file');
    expect(d.auth.default).toBe('default');
    expect(d.auth.methods).toEqual([{
      name: 'default', type: 'api_key', in: 'header', param: 'X-API-Key',
      credentials_schema: { type: 'object', required: ['api_key'], properties: { api_key: { type: 'string', title: 'API key' } } },
    }]);
    expect(d.config_schema).toEqual({ type: 'object', required: ['workspace'], properties: { workspace: { type: 'string', title: 'Workspace' } } });
    expect(d.actions).toEqual([{
      name: 'create_note',
      title: 'Create a note',
      method: 'POST',
      input_schema: { type: 'object', required: ['text'], properties: { text: { type: 'string', title: 'Text' }, pinned: { type: 'boolean' } } },
    }]);
    expect(d.streams).toEqual([
      { name: 'notes', primary_key: ['id'], incremental: true, cursor_field: 'updated_at', model: 'message', marks_deleted: false, pagination: 'page' },
    ]);
    expect(d.webhooks).toEqual({ verification: 'none', handshake: false, events: ['note.updated'], routes: [{ on: ['note.updated'], actions: ['upsert notes'] }] });
  });

  it('prints a readable description', async () => {
    const r = await runCli(['describe', 'notes'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Notes \(notes\)\n/);
    expect(r.stdout).toMatch(/\nAuth\n {2}default \(api_key\)|\nAuth\n {2}\S+ \(api_key\)/);
    expect(r.stdout).toMatch(/\n {4}name: X-API-Key\n/);
    expect(r.stdout).toMatch(/\nConfig\n {2}name +type +required +title\n {2}workspace +string +required +Workspace\n/);
    expect(r.stdout).toMatch(/\n {2}file: connectors\/notes\/connector.yaml\n/);
    expect(r.stdout).toMatch(/\nActions \(1\)\n {2}create_note {2}POST\n/);
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

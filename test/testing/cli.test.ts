/**
 * `patchbay call`, `read` and `test`, run as the built CLI against local scripted servers.
 */
import { exec } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exchange } from '../../engine/testing/types.js';
import { BIN, ensureBuilt, runCli } from '../cli/helpers.js';
import { DEFAULTS, writeWidgets, type TempConnectors } from './fixtures.js';
import { scriptedServerPerTest } from './scripted.js';

let temp: TempConnectors;
const serve = scriptedServerPerTest();

const PASSING_CASE = `
  - name: check works
    check: true
    exchanges: [{ request: { method: GET, path: /me }, response: { body: { login: octo } } }]
    expect: { output: { account: octo } }
`;
const FAILING_CASE = `
  - name: check with a wrong expectation
    check: true
    exchanges: [{ request: { method: GET, path: /me }, response: { body: { login: octo } } }]
    expect: { output: { account: someone } }
`;

beforeAll(async () => {
  await ensureBuilt();
  temp = await writeWidgets(`${DEFAULTS}cases:\n${PASSING_CASE}`);
}, 180_000);
afterAll(async () => temp?.cleanup());

const cwd = () => path.dirname(temp.dir);
const creds = ['--credentials', '{"token":"t0ken"}'];
const cli = (...args: string[]) => runCli(['--connectors', temp.dir, ...args], cwd());

describe('patchbay call', () => {
  it('prints the output as pretty JSON, the input read from @file', async () => {
    const s = await serve([
      { request: { method: 'POST', path: '/widgets', headers: { authorization: 'Bearer t0ken' }, body: { name: 'gear', size: 2 } }, response: { status: 201, body: { id: 'w7', ignored: true } } },
    ]);
    writeFileSync(path.join(cwd(), 'input.json'), '{ "name": "gear", "size": 2 }');
    const r = await cli('call', 'widgets', 'create_widget', '--input', '@input.json', ...creds, '--base-url', s.url);
    expect(s.failures).toEqual([]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${JSON.stringify({ id: 'w7' }, null, 2)}\n`);
    expect(r.code).toBe(0);
  });

  it('a connector error exits 1 with kind, message, status and provider message on stderr', async () => {
    const s = await serve([
      { request: { method: 'GET', path: '/widgets/nope' }, response: { status: 404, body: { error: { code: 'resource_missing', message: 'No such widget' } } } },
    ]);
    const r = await cli('call', 'widgets', 'get_widget', '--input', '{"id":"nope"}', ...creds, '--base-url', s.url);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error \[not_found\] /);
    expect(lines.slice(1)).toEqual(['  origin: provider', '  status: 404', '  provider code: resource_missing', '  provider message: No such widget']);
  });

  it('invalid input is a connector validation error naming the field (exit 1, no request sent)', async () => {
    const s = await serve([]);
    const r = await cli('call', 'widgets', 'create_widget', '--input', '{"size":"big"}', ...creds, '--base-url', s.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[validation\] /);
    expect(s.received).toEqual([]);
  });

  it('bad JSON in an option is a usage error saying which option and where', async () => {
    const r = await cli('call', 'widgets', 'get_widget', '--input', '{"id": x}', ...creds);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--input: invalid JSON in the value: Unexpected token 'x' at line 1, column 8");
    expect(r.stderr).toContain('  {"id": x}\n         ^');

    writeFileSync(path.join(cwd(), 'config.json'), '{\n  "a": 1\n  "b": 2\n}');
    const f = await cli('call', 'widgets', 'get_widget', '--config', '@config.json', ...creds);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain("--config: invalid JSON in config.json: Expected ',' or '}' after property value at line 3, column 3");
  });

  it('never echoes the text of bad --credentials JSON', async () => {
    const r = await cli('call', 'widgets', 'get_widget', '--input', '{"id":"a"}', '--credentials', '{"token": "sk_live_SECRET" oops}');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--credentials: invalid JSON in the value:');
    expect(r.stderr).toContain('line 1, column 28');
    expect(r.stderr).not.toContain('SECRET');
  });

  it('a manifest that does not compile exits 1 with its located diagnostics', async () => {
    const t = await writeWidgets('cases: []\n', 'patchbay: 1\nid: widgets\nname: Widgets\nauth: { type: bearer }\nhttp: { base_url: 7 }\n');
    try {
      const r = await runCli(['--connectors', t.dir, 'call', 'widgets', 'x'], path.dirname(t.dir));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/widgets\/connector\.yaml:5:\d+ error /);
      expect(r.stderr).toContain('connector "widgets" does not compile (1 error)');
    } finally {
      await t.cleanup();
    }
  });

  it('an unknown connector is a usage error', async () => {
    const r = await cli('call', 'gadgets', 'x');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown connector "gadgets"');
  });
});

describe('patchbay read', () => {
  const page1: Exchange = {
    request: { method: 'GET', path: '/widgets', query: { sort: 'updated' } },
    response: {
      headers: { link: '<{{base_url}}/widgets?page=2>; rel="next"' },
      body: [{ id: 'w1', name: 'one', updated_at: '2024-01-01T00:00:00Z' }, { id: 'w2', name: 'two', updated_at: '2024-01-02T00:00:00Z' }],
    },
  };
  const page2: Exchange = {
    request: { method: 'GET', path: '/widgets', query: { page: '2' } },
    response: { body: [{ id: 'w3', name: 'three', updated_at: '2024-01-03T00:00:00Z' }] },
  };

  it('writes records as NDJSON on stdout and the final state as JSON on stderr', async () => {
    const s = await serve([page1, page2]);
    const r = await cli('read', 'widgets', 'widgets', ...creds, '--base-url', s.url);
    expect(s.failures).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      '{"id":"w1","name":"ONE","updated_at":"2024-01-01T00:00:00Z"}',
      '{"id":"w2","name":"TWO","updated_at":"2024-01-02T00:00:00Z"}',
      '{"id":"w3","name":"THREE","updated_at":"2024-01-03T00:00:00Z"}',
      '',
    ]);
    // stderr is not a TTY here: no progress line, only the state.
    expect(r.stderr).toBe('{"cursor":"2024-01-03T00:00:00Z"}\n');
  });

  it('resumes from --state @file, stops at --limit and writes --state-out', async () => {
    const s = await serve([
      {
        request: { method: 'GET', path: '/widgets', query: { sort: 'updated', since: '2024-01-03T00:00:00Z' } },
        response: { body: [{ id: 'w4', name: 'four', updated_at: '2024-01-04T00:00:00Z' }, { id: 'w5', name: 'five', updated_at: '2024-01-05T00:00:00Z' }] },
      },
    ]);
    writeFileSync(path.join(cwd(), 'state.json'), '{"cursor":"2024-01-03T00:00:00Z"}');
    const r = await cli('read', 'widgets', 'widgets', ...creds, '--base-url', s.url, '--state', '@state.json', '--limit', '1', '--state-out', 'out-state.json');
    expect(s.failures).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"id":"w4","name":"FOUR","updated_at":"2024-01-04T00:00:00Z"}\n');
    expect(r.stderr).toBe('');
    expect(JSON.parse(readFileSync(path.join(cwd(), 'out-state.json'), 'utf8'))).toEqual({ cursor: '2024-01-04T00:00:00Z' });
  });

  it('a failing page exits 1 after the records already read', async () => {
    const s = await serve([page1, { request: page2.request, response: { status: 500, body: { error: { message: 'boom' } } } }]);
    const r = await cli('read', 'widgets', 'widgets', ...creds, '--base-url', s.url);
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^error \[server\] [^\n]*\n  origin: provider\n  status: 500\n  provider message: boom\n$/);
  });

  it('stops quietly when the reader of stdout goes away (| head), fetching no further page', async () => {
    const big = Array.from({ length: 2000 }, (_, i) => ({ id: `w${i}`, name: 'x'.repeat(200), updated_at: String(i) }));
    const s = await serve([
      { request: page1.request, response: { headers: page1.response.headers, body: big } },
      { request: page2.request, response: { body: big } },
    ]);
    const command = `"${process.execPath}" "${BIN}" --connectors "${temp.dir}" read widgets widgets --credentials '{"token":"t0ken"}' --base-url ${s.url} | head -2 | wc -l; echo "exit \${PIPESTATUS[0]}"`;
    const r = await promisify(exec)(command, { shell: '/bin/bash', cwd: cwd() });
    expect(r.stdout.split(/\s+/).filter(Boolean)).toEqual(['2', 'exit', '0']);
    expect(r.stderr).toBe('');
    expect(s.received).toEqual(['GET /widgets?sort=updated']);
  });

  it('rejects a bad --limit and bad --state JSON as usage errors', async () => {
    expect((await cli('read', 'widgets', 'widgets', '--limit', 'many')).code).toBe(2);
    const r = await cli('read', 'widgets', 'widgets', '--state', '[1,');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--state: invalid JSON in the value: Unexpected end of JSON input at line 1, column 4');
  });
});

describe('patchbay test', () => {
  it('prints ✓ per passing case and "N passed, 0 failed", exit 0', async () => {
    const r = await cli('test', 'widgets');
    expect(r.stdout).toMatch(/^✓ widgets › check works \(\d+ ms\)\n1 passed, 0 failed\n$/);
    expect(r.code).toBe(0);
  });

  it('prints ✗ with the failures, and exits 1 when a case fails', async () => {
    const t = await writeWidgets(`${DEFAULTS}cases:\n${PASSING_CASE}${FAILING_CASE}`);
    try {
      const r = await runCli(['test', '--connectors', t.dir], path.dirname(t.dir));
      expect(r.code).toBe(1);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^✓ widgets › check works/);
      expect(lines[1]).toMatch(/^✗ widgets › check with a wrong expectation/);
      expect(lines[2]).toBe('    output.account: expected "someone", got "octo"');
      expect(lines[lines.length - 1]).toBe('1 passed, 1 failed');

      const filtered = await runCli(['test', '--connectors', t.dir, '--filter', 'works'], path.dirname(t.dir));
      expect(filtered.stdout.trimEnd().split('\n').pop()).toBe('1 passed, 0 failed');
      expect(filtered.code).toBe(0);
    } finally {
      await t.cleanup();
    }
  });

  it('an unknown connector id is a usage error', async () => {
    const r = await cli('test', 'gadgets');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no tests.yaml for gadgets');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { loadTestSuite } from '../../engine/testing/load.js';
import { isConnectorError } from '../../engine/core/errors.js';
import { writeWidgets, type TempConnectors } from './fixtures.js';
import path from 'node:path';

let temp: TempConnectors | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

async function load(yaml: string) {
  temp = await writeWidgets(yaml);
  return loadTestSuite(path.join(temp.dir, 'widgets', 'tests.yaml'));
}

async function problems(yaml: string): Promise<string[]> {
  try {
    await load(yaml);
  } catch (err) {
    expect(isConnectorError(err) && err.kind).toBe('config');
    return (err as Error).message.split('\n').slice(1).map((l) => l.replace(/^.*tests\.yaml:/, ''));
  }
  throw new Error('expected the tests file to be rejected');
}

describe('loadTestSuite', () => {
  it('returns the suite with defaults, cases and their lines', async () => {
    const suite = await load(`defaults:
  config: { region: eu }
cases:
  - name: a
    check: true
    exchanges: []
    expect: { output: {} }
  - name: b
    stream: widgets
    limit: 5
    exchanges: []
    expect: { record_count: 0 }
`);
    expect(suite.connector).toBe('widgets');
    expect(suite.manifest).toBe(path.join(temp!.dir, 'widgets', 'connector.yaml'));
    expect(suite.defaults).toEqual({ config: { region: 'eu' } });
    expect(suite.cases.map((c) => [c.name, c.line])).toEqual([['a', 4], ['b', 8]]);
  });

  it('lists every schema problem with line, column, path and what was expected', async () => {
    expect(await problems(`cases:
  - name: a
    action: x
    exchanges:
      - request: { method: FETCH, path: /a }
        respones: {}
    expect:
      eror: {}
`)).toEqual([
      '5:9 cases[0].exchanges[0]: missing required key "response"',
      '5:28 cases[0].exchanges[0].request.method: must be one of "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"',
      '6:9 cases[0].exchanges[0].respones: unknown key "respones" — did you mean "response"?',
      '8:7 cases[0].expect.eror: unknown key "eror" — did you mean "error"?',
    ]);
  });

  it('reports YAML syntax errors at their position', async () => {
    const lines = await problems('cases:\n  - name: [unclosed\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^\d+:\d+ \(yaml\): /);
  });

  it('rejects a case with two operations, duplicate names, and output expected from a read', async () => {
    expect(await problems(`cases:
  - name: a
    check: true
    action: x
    exchanges: []
    expect: { output: 1 }
  - name: a
    stream: widgets
    exchanges: []
    expect: { output: 1 }
`)).toEqual([
      '2:5 cases[0]: a case runs one operation, found check and action',
      '7:11 cases[1].name: duplicate case name "a" (also case 0)',
      '10:23 cases[1].expect.output: a `stream` read has no output; expect `records`, `record_count` or `state`',
    ]);
  });

  it('a `get` case names a stream and an id', async () => {
    const suite = await load(`cases:
  - name: one widget
    get: { stream: widgets, id: "42" }
    exchanges: []
    expect: { output: { id: "42" } }
`);
    expect(suite.cases[0].get).toEqual({ stream: 'widgets', id: '42' });
    expect(await problems(`cases:
  - name: a
    get: { stream: widgets }
    exchanges: []
    expect: { output: 1 }
`)).toEqual(['3:10 cases[0].get: missing required key "id"']);
  });

  it('a `get` case expects an output or an error and takes no input; a caller key belongs to an action', async () => {
    expect(await problems(`cases:
  - name: b
    get: { stream: widgets, id: "1" }
    input: { id: "1" }
    exchanges: []
    expect: { records: [] }
  - name: c
    get: { stream: widgets, id: "1" }
    action: x
    exchanges: []
    expect: { output: 1 }
  - name: d
    stream: widgets
    idempotency_key: k-1
    exchanges: []
    expect: { record_count: 0 }
`)).toEqual([
      '4:12 cases[0].input: `input` means nothing to a `get` case; it reads the record `get.id` names',
      '6:13 cases[0].expect: `records`, `record_count` and `state` can only be expected from a `stream` read',
      '7:5 cases[1]: a case runs one operation, found action and get',
      '14:22 cases[2].idempotency_key: `idempotency_key` is the key a caller gives an `action` call',
    ]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { runConnectorTests } from '../../engine/testing/index.js';
import type { CaseResult } from '../../engine/testing/index.js';
import { DEFAULTS, WIDGETS_MANIFEST, writeWidgets, type TempConnectors } from './fixtures.js';

let temp: TempConnectors | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

async function run(cases: string, opts?: Parameters<typeof runConnectorTests>[1]): Promise<CaseResult[]> {
  temp = await writeWidgets(`${DEFAULTS}cases:\n${cases}`);
  return runConnectorTests(temp.dir, opts);
}

function only(results: CaseResult[]): CaseResult {
  expect(results).toHaveLength(1);
  return results[0];
}

const READ_TWO_PAGES = `
  - name: reads two pages following the Link header
    stream: widgets
    exchanges:
      - request:
          method: GET
          path: /widgets
          query: { sort: updated }
          headers: { Authorization: Bearer t0ken, X-Absent: null }
        response:
          headers:
            Link: '<{{base_url}}/widgets?page=2>; rel="next"'
          body:
            - { id: w1, name: one, updated_at: "2024-01-01T00:00:00Z" }
      - request: { method: GET, path: /widgets, query: { page: "2" } }
        response:
          body:
            - { id: w2, name: two, updated_at: "2024-02-01T00:00:00Z" }
    expect:
      records:
        - { id: w1, name: ONE, updated_at: "2024-01-01T00:00:00Z" }
        - { id: w2, name: TWO, updated_at: "2024-02-01T00:00:00Z" }
      record_count: 2
      state: { cursor: "2024-02-01T00:00:00Z" }
`;

describe('runConnectorTests', () => {
  it('passes cases whose requests and results match: check, actions, a paged read', async () => {
    const results = await run(`
  - name: check reports the account
    check: true
    exchanges:
      - request: { method: GET, path: /me, headers: { authorization: Bearer t0ken } }
        response: { body: { login: octo } }
    expect:
      output: { account: octo }
  - name: path variables are sent percent-encoded
    action: get_widget
    input: { id: "a/b c" }
    exchanges:
      - request: { method: GET, path: /widgets/a%2Fb%20c }
        response: { body: { id: "a/b c", name: slashed, extra: 1 } }
    expect:
      output: { id: "a/b c", name: slashed }
  - name: body leaves keep their type
    action: create_widget
    input: { name: gear, size: 3 }
    credentials: { token: other }
    exchanges:
      - request:
          method: POST
          path: /widgets
          headers: { Authorization: Bearer other, content-type: application/json }
          body: { name: gear, size: 3 }
        response: { status: 201, body: { id: w9 } }
    expect:
      output: { id: w9 }
${READ_TWO_PAGES}`);
    for (const r of results) expect(r.failures, `${r.case}`).toEqual([]);
    expect(results.map((r) => [r.connector, r.case, r.ok])).toEqual([
      ['widgets', 'check reports the account', true],
      ['widgets', 'path variables are sent percent-encoded', true],
      ['widgets', 'body leaves keep their type', true],
      ['widgets', 'reads two pages following the Link header', true],
    ]);
    expect(results.every((r) => typeof r.durationMs === 'number' && r.durationMs >= 0)).toBe(true);
  });

  it('fails when {{base_url}} would not be substituted: the Link must point back at the local server', async () => {
    // Same read, but the second exchange expects a path the substituted link does not produce.
    const r = only(await run(READ_TWO_PAGES.replace('query: { page: "2" }', 'query: { page: "3" }')));
    expect(r.ok).toBe(false);
    expect(r.failures[0]).toContain('request #2 GET /widgets?page=2 does not match exchange #2');
    expect(r.failures[0]).toContain('query.page: expected "3", got "2"');
  });

  it("a request's own absolute url goes to the scripted server, never to the host it names", async () => {
    const manifest = WIDGETS_MANIFEST.replace('actions:\n', `actions:
  export_widgets:
    request:
      # A second API host of the provider (and a template-made one): both are the case's server.
      url: "https://exports.widgets.example/v2/exports"
    output: "{ 'ok': ok }"
  follow_link:
    input: { type: object, properties: { next: { type: string } } }
    request: { url: "{{input.next}}" }
    output: "{ 'ok': ok }"
`);
    temp = await writeWidgets(`${DEFAULTS}cases:
  - name: the second host
    action: export_widgets
    exchanges:
      - request: { method: GET, path: /v2/exports }
        response: { body: { ok: true } }
    expect: { output: { ok: true } }
  - name: a whole-value url
    action: follow_link
    input: { next: "https://links.widgets.example/v1/next?page=2" }
    exchanges:
      - request: { method: GET, path: /v1/next, query: { page: "2" } }
        response: { body: { ok: true } }
    expect: { output: { ok: true } }
`, manifest);
    const results = await runConnectorTests(temp.dir);
    expect(results.map((r) => [r.case, r.ok, r.failures])).toEqual([['the second host', true, []], ['a whole-value url', true, []]]);
  });

  it('a wrong query fails with a diff naming the field', async () => {
    const r = only(await run(`
  - name: wrong sort
    stream: widgets
    exchanges:
      - request: { method: GET, path: /widgets, query: { sort: created, limit: "10" }, headers: { authorization: Bearer other } }
        response: { body: [] }
    expect:
      record_count: 0
`));
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual([
      [
        'request #1 GET /widgets?sort=updated does not match exchange #1 (GET /widgets):',
        '    query.sort: expected "created", got "updated"',
        '    query.limit: expected "10", got (absent)',
        // Credential values are named, never shown, even in fixtures.
        '    headers.authorization: expected "Bearer other", got "Bearer [credentials.token]"',
      ].join('\n'),
    ]);
  });

  it('an extra request after the last exchange fails', async () => {
    const r = only(await run(`
  - name: stops after one page
    stream: widgets
    exchanges:
      - request: { method: GET, path: /widgets, query: { sort: updated } }
        response:
          headers: { link: '<{{base_url}}/widgets?page=2>; rel="next"' }
          body: [{ id: w1, name: one, updated_at: "2024-01-01T00:00:00Z" }]
    expect:
      record_count: 1
`));
    expect(r.ok).toBe(false);
    expect(r.failures[0]).toBe('unexpected request #2 GET /widgets?page=2: all 1 exchange(s) were already used');
  });

  it('exchanges never requested fail the case', async () => {
    const r = only(await run(`
  - name: one call, two exchanges
    action: get_widget
    input: { id: w1 }
    exchanges:
      - request: { method: GET, path: /widgets/w1 }
        response: { body: { id: w1, name: one } }
      - request: { method: GET, path: /widgets/w2 }
        response: { body: { id: w2, name: two } }
    expect:
      output: { id: w1, name: one }
`));
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual(['1 exchange(s) never requested: #2 GET /widgets/w2']);
  });

  it('a wrong output fails with a field-by-field diff', async () => {
    const r = only(await run(`
  - name: wrong expectation
    action: get_widget
    input: { id: w1 }
    exchanges:
      - request: { method: GET, path: /widgets/w1 }
        response: { body: { id: w1, name: one } }
    expect:
      output: { id: w1, name: uno }
`));
    expect(r.failures).toEqual(['output.name: expected "uno", got "one"']);
  });

  describe('error expectations', () => {
    const notFound = (expectation: string) => `
  - name: missing widget
    action: get_widget
    input: { id: nope }
    exchanges:
      - request: { method: GET, path: /widgets/nope }
        response:
          status: 404
          body: { error: { code: resource_missing, message: "No such widget: nope" } }
    expect:
      error: ${expectation}
`;

    it('passes when kind, status, provider code and message, and retryable all match', async () => {
      const r = only(await run(notFound(
        '{ kind: not_found, status: 404, provider_code: resource_missing, provider_message: "No such widget: nope", retryable: false, message_contains: "No such widget" }',
      )));
      expect(r.failures).toEqual([]);
      expect(r.ok).toBe(true);
    });

    it('fails naming each field that differs', async () => {
      const r = only(await run(notFound('{ kind: auth, status: 401, provider_message: "No such widget" }')));
      expect(r.ok).toBe(false);
      expect(r.failures).toEqual([
        'error.kind: expected "auth", got "not_found"',
        'error.status: expected 401, got 404',
        'error.provider_message: expected "No such widget", got "No such widget: nope"',
      ]);
    });

    it('fails when an expected error does not happen', async () => {
      const r = only(await run(`
  - name: should have failed
    action: get_widget
    input: { id: w1 }
    exchanges:
      - request: { method: GET, path: /widgets/w1 }
        response: { body: { id: w1, name: one } }
    expect:
      error: { kind: not_found }
`));
      expect(r.failures).toEqual(['expected {"kind":"not_found"} error, but the operation succeeded with output {"id":"w1","name":"one"}']);
    });

    it('fails on an error nobody expected', async () => {
      const r = only(await run(notFound('{ kind: not_found }').replace('error: { kind: not_found }', 'output: {}')));
      expect(r.ok).toBe(false);
      expect(r.failures[0]).toMatch(/^unexpected error \[not_found\] .*\(status 404, provider code "resource_missing", provider message "No such widget: nope"\)$/);
    });

    it('input validation errors happen before any request', async () => {
      const r = only(await run(`
  - name: missing name
    action: create_widget
    input: {}
    exchanges: []
    expect:
      error: { kind: validation }
`));
      expect(r.failures).toEqual([]);
    });
  });

  it('reports an invalid tests.yaml with file, line, column and a did-you-mean', async () => {
    const results = await run(`
  - name: typo
    stream: widgets
    exchanges:
      - request: { method: GET, path: /widgets, quer: { a: "1" } }
        response: {}
    expect: {}
`);
    const r = only(results);
    expect(r).toMatchObject({ connector: 'widgets', case: 'tests.yaml', ok: false });
    // Line 9: 3 lines of defaults, "cases:", a blank line, 3 lines of the case; column 49 is the key.
    expect(r.failures[0]).toMatch(/tests\.yaml:9:49 cases\[0\]\.exchanges\[0\]\.request\.quer: unknown key "quer" — did you mean "query"\?/);
  });

  it('reports a case that names no operation, with its line', async () => {
    const r = only(await run(`
  - name: nothing to run
    exchanges: []
    expect: { output: 1 }
`));
    expect(r.failures[0]).toMatch(/tests\.yaml:6:5 cases\[0\]: a case needs one of `check: true`, `action`, `stream`, `get`, `discover`, `webhook`, `oauth` or `subscribe`/);
  });

  it('a case that outlives its time budget fails, naming the requests seen', async () => {
    const r = only(await run(`
  - name: slow provider
    check: true
    exchanges:
      - request: { method: GET, path: /me }
        response: { body: { login: late }, delay_ms: 3000 }
    expect: { output: { account: late } }
`, { timeoutMs: 300 }));
    expect(r.failures).toEqual(['timed out after 300 ms (requests received: GET /me)']);
    expect(r.durationMs).toBeLessThan(2500);
  });

  it('a connector manifest that does not compile fails every case with its diagnostics', async () => {
    temp = await writeWidgets(`cases:\n  - { name: any, check: true, exchanges: [], expect: { output: 1 } }\n`, 'patchbay: 1\nid: widgets\nname: Widgets\nauth: { type: bearer }\nhttp: { base_url: 7 }\n');
    const r = only(await runConnectorTests(temp.dir));
    expect(r.ok).toBe(false);
    expect(r.failures[0]).toMatch(/^connector manifest did not load: error \[config\] .*connector\.yaml does not compile:\n.*connector\.yaml:5:\d+ /s);
  });

  it('only and filter select connectors and cases', async () => {
    const cases = `
  - name: first
    check: true
    exchanges: [{ request: { method: GET, path: /me }, response: { body: { login: a } } }]
    expect: { output: { account: a } }
  - name: second
    check: true
    exchanges: [{ request: { method: GET, path: /me }, response: { body: { login: b } } }]
    expect: { output: { account: b } }
`;
    const filtered = await run(cases, { filter: 'SECOND' });
    expect(filtered.map((r) => [r.case, r.ok])).toEqual([['second', true]]);
    await expect(runConnectorTests(temp!.dir, { only: ['gadgets'] })).rejects.toThrow(/no tests\.yaml for connector\(s\) gadgets/);
    expect((await runConnectorTests(temp!.dir, { only: ['widgets'] })).length).toBe(2);
  });
});

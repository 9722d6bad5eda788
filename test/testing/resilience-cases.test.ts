/**
 * What tests.yaml can now assert about how a connector behaves, not only what it returns:
 * headers present with any value and kept across retries, a honoured Retry-After, requests
 * spaced by a budget, a concurrency cap; plus the stricter defaults (`expect: {}` refused, an
 * omitted `query` meaning none) and a versioned base path kept on the scripted server.
 * Each assertion is shown passing and failing, with the failure it reports.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadTestSuite, matchRequest, runConnectorTests } from '../../engine/testing/index.js';
import type { CaseResult } from '../../engine/testing/index.js';
import { DEFAULTS, WIDGETS_MANIFEST, writeWidgets, type TempConnectors } from './fixtures.js';

let temp: TempConnectors | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

async function run(cases: string, manifest = WIDGETS_MANIFEST): Promise<CaseResult> {
  temp = await writeWidgets(`${DEFAULTS}cases:\n${cases}`, manifest);
  const results = await runConnectorTests(temp.dir);
  expect(results).toHaveLength(1);
  return results[0];
}

/** The widgets manifest with its `http` block's retry (and anything else) replaced. */
const withHttp = (http: string) => WIDGETS_MANIFEST.replace(/http:\n  base_url: https:\/\/widgets\.invalid\n  retry:\n    max_attempts: 1\n/, `http:\n  base_url: https://widgets.invalid\n${http}`);

const ME = '{ method: GET, path: /me }';

describe('headers asserted present, absent, or the same on every attempt', () => {
  it('`present: true` accepts any value and reports a missing header', async () => {
    const ok = await run(`
  - name: token sent
    check: true
    exchanges:
      - request: { method: GET, path: /me, headers: { Authorization: { present: true }, X-Nope: { present: false } } }
        response: { body: { login: w } }
    expect: { output: { account: w } }
`);
    expect(ok.failures).toEqual([]);
    const missing = await run(`
  - name: trace header required
    check: true
    exchanges:
      - request: { method: GET, path: /me, headers: { X-Request-Id: { present: true } } }
        response: { body: { login: w } }
    expect: { output: { account: w } }
`);
    expect(missing.failures[0]).toContain('headers.X-Request-Id: expected a value, got (absent)');
  });

  it('`same_across_retries` holds one value for the case and names both when they differ', () => {
    const sticky = new Map<string, string>();
    const req = (key: string) => ({ method: 'POST', path: '/w', rawQuery: '', headers: { 'idempotency-key': key }, body: '' });
    const expected = { method: 'POST', path: '/w', headers: { 'Idempotency-Key': { same_across_retries: true } } };
    expect(matchRequest(expected, req('k-1'), sticky)).toEqual([]);
    expect(matchRequest(expected, req('k-1'), sticky)).toEqual([]);
    expect(matchRequest(expected, req('k-2'), sticky)).toEqual(['headers.Idempotency-Key: expected the same value on every attempt, "k-1" before, now "k-2"']);
  });

  it('a query parameter `same_across_retries` is held the same way, and must be a single value', () => {
    const sticky = new Map<string, string>();
    const req = (rawQuery: string) => ({ method: 'POST', path: '/customer', rawQuery, headers: {}, body: '' });
    const expected = { method: 'POST', path: '/customer', query: { minorversion: '75', requestid: { same_across_retries: true as const } } };
    expect(matchRequest(expected, req('minorversion=75&requestid=r-1'), sticky)).toEqual([]);
    expect(matchRequest(expected, req('requestid=r-1&minorversion=75'), sticky)).toEqual([]);
    expect(matchRequest(expected, req('minorversion=75&requestid=r-2'), sticky)).toEqual(['query.requestid: expected the same value on every attempt, "r-1" before, now "r-2"']);
    expect(matchRequest(expected, req('minorversion=75'), sticky)).toEqual(['query.requestid: expected a value, got (absent)']);
    expect(matchRequest(expected, req('minorversion=75&requestid=r-1&requestid=r-1'), sticky)).toEqual(['query.requestid: expected one value (a key), got ["r-1","r-1"]']);
    // A header and a query parameter of one name are different keys.
    const both = { method: 'POST', path: '/customer', query: { key: { same_across_retries: true as const } }, headers: { key: { same_across_retries: true } } };
    expect(matchRequest(both, { ...req('key=q'), headers: { key: 'h' } }, new Map())).toEqual([]);
  });

  it('a retried POST keeps its idempotency key on every attempt', async () => {
    const manifest = withHttp('  retry:\n    max_attempts: 2\n    backoff: { initial: 10ms, max: 10ms }\n    idempotency_header: Idempotency-Key\n');
    const exchange = (status: number) => `
      - request: { method: POST, path: /widgets, headers: { Idempotency-Key: { same_across_retries: true } }, body: { name: a } }
        response: { status: ${status}, body: { id: w1 } }`;
    const r = await run(`
  - name: create retried
    action: create_widget
    input: { name: a }
    exchanges:${exchange(503)}${exchange(201)}
    expect: { output: { id: w1 } }
`, manifest);
    expect(r.failures).toEqual([]);
  });
});

describe('a retry wait asserted with min_wait_ms', () => {
  const case429 = (retryAfter: string, wait: number) => `
  - name: waits out the 429
    check: true
    exchanges:
      - request: ${ME}
        response: { status: 429, headers: { Retry-After: "${retryAfter}" }, body: { error: { message: slow down } } }
      - request: { method: GET, path: /me, min_wait_ms: ${wait} }
        response: { body: { login: w } }
    expect: { output: { account: w } }
`;

  it('passes when the engine waits the Retry-After', async () => {
    const r = await run(case429('1', 1000), withHttp('  retry:\n    max_attempts: 2\n    backoff: { initial: 10ms, max: 10ms }\n'));
    expect(r.failures).toEqual([]);
  });

  it('fails, with the wait measured, when the engine ignores Retry-After (wait_headers: [])', async () => {
    const r = await run(case429('1', 1000), withHttp('  retry:\n    max_attempts: 2\n    backoff: { initial: 10ms, max: 10ms }\n    wait_headers: []\n'));
    expect(r.failures[0]).toMatch(/^request #2 GET \/me \(exchange #2\) came \d+ ms after the previous response; expected a wait of at least 1000 ms$/);
  });
});

describe('client-side throttling and concurrency caps', () => {
  const reads = (extra: string) => `
  - name: three reads at once
    action: get_widget
    input: { id: w1 }
    repeat: 3
    exchanges:
      - times: 3
        request: { method: GET, path: /widgets/w1 }
        response: { body: { id: w1, name: one }, delay_ms: 100 }
    expect:
      output: { id: w1, name: one }
${extra}`;
  const limited = (limit: string) => withHttp(`  retry:\n    max_attempts: 1\n  rate_limit: ${limit}\n`);

  it('`throttled` passes when the third request waits for the window, fails when it does not', async () => {
    const budget = '      throttled: { requests: 2, per_ms: 400 }\n';
    expect((await run(reads(budget), limited('{ requests: 2, per: 400ms }'))).failures).toEqual([]);
    const burst = await run(reads(budget));
    expect(burst.failures).toEqual([expect.stringMatching(/^throttled: request #3 arrived \d+ ms after the operation started; a budget of 2 per 400 ms allows it no sooner than 400 ms$/)]);
  });

  it('`max_in_flight` passes under the cap and names how many overlapped when broken', async () => {
    const cap = '      max_in_flight: 1\n';
    expect((await run(reads(cap), limited('{ concurrency: 1 }'))).failures).toEqual([]);
    expect((await run(reads(cap))).failures).toEqual(['max_in_flight: 3 requests awaited their answer at once; expected at most 1']);
  });

  it('a case that never exceeds the budget is told it proves nothing', async () => {
    const r = await run(`
  - name: one read
    action: get_widget
    input: { id: w1 }
    exchanges:
      - request: { method: GET, path: /widgets/w1 }
        response: { body: { id: w1, name: one } }
    expect:
      output: { id: w1, name: one }
      throttled: { requests: 2, per_ms: 400 }
`);
    expect(r.failures).toEqual(['throttled: the case sent 1 request(s), not more than the budget of 2, so it cannot show throttling; send more (`repeat`, `times`)']);
  });

  it('an exchange with `times` used up only partly is reported with how often it was played', async () => {
    const r = await run(`
  - name: two of three
    action: get_widget
    input: { id: w1 }
    repeat: 2
    exchanges:
      - times: 3
        request: { method: GET, path: /widgets/w1 }
        response: { body: { id: w1, name: one } }
    expect: { output: { id: w1, name: one } }
`);
    expect(r.failures).toEqual(['1 exchange(s) never requested (#1 was played 2 of 3 times): #1 GET /widgets/w1']);
  });
});

describe('stricter defaults', () => {
  it('refuses `expect: {}` at load, naming the case and its line', async () => {
    temp = await writeWidgets(`${DEFAULTS}cases:\n  - name: proves nothing\n    check: true\n    exchanges: []\n    expect: {}\n`);
    await expect(loadTestSuite(`${temp.dir}/widgets/tests.yaml`)).rejects.toThrow(/tests\.yaml:8:13 cases\[0\]\.expect: `expect: \{\}` checks nothing: say what case "proves nothing" must produce/);
  });

  it('an omitted `query` means the request carries none', async () => {
    const r = await run(`
  - name: reads widgets
    stream: widgets
    exchanges:
      - request: { method: GET, path: /widgets }
        response: { body: [] }
    expect: { record_count: 0 }
`);
    expect(r.failures[0]).toContain('query.sort: not expected, got "updated"');
  });

  it('keeps a versioned base path when the base URL becomes the scripted server', async () => {
    const manifest = WIDGETS_MANIFEST.replace('base_url: https://widgets.invalid', 'base_url: "https://{{config.shop}}.widgets.invalid/admin/api/2024-07"');
    const r = await run(`
  - name: check under the versioned path
    check: true
    config: { shop: acme }
    exchanges:
      - request: { method: GET, path: /admin/api/2024-07/me }
        response: { body: { login: acme } }
    expect: { output: { account: acme } }
`, manifest);
    expect(r.failures).toEqual([]);
  });
});

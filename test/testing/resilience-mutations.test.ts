/**
 * The shipped connectors' tests prove their resilience settings, not just their happy paths:
 * each connector is copied, one setting (a honoured Retry-After, an idempotency header, a rate
 * limit or concurrency cap) is taken out of its manifest, and its own tests.yaml must then fail
 * the case that proves that setting. The unmutated copy passes, so the failure is the mutation's.
 *
 * Taking `wait_headers` out is written `wait_headers: []`: deleting the key keeps the engine's
 * default (`[retry-after]`), the same behaviour, which the last test pins down.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { runConnectorTests } from '../../engine/testing/index.js';

const CONNECTORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'connectors');

interface Mutation {
  connector: string;
  /** What is taken out, as a path into connector.yaml. */
  remove: Array<string | number>;
  /** Replace with this instead of deleting the key. */
  value?: unknown;
  /** The case that proves the setting, and the failure line it must report. */
  fails: string;
  because: RegExp;
}

const RETRY_AFTER = /came \d+ ms after the previous response; expected a wait of at least \d+ ms/;
const MUTATIONS: Mutation[] = [
  { connector: 'stripe', remove: ['http', 'retry', 'wait_headers'], value: [], fails: 'a 429 with Retry-After is waited out and the read retried', because: RETRY_AFTER },
  { connector: 'stripe', remove: ['http', 'retry', 'idempotency_header'], fails: 'a 500 api_error on a refund is retried with the idempotency key and succeeds', because: /headers\.Idempotency-Key: expected a value, got \(absent\)/ },
  { connector: 'stripe', remove: ['http', 'rate_limit'], fails: '26 concurrent reads are spaced by the 25 per second budget', because: /throttled: request #26 arrived \d+ ms after the operation started; a budget of 25 per 1000 ms/ },
  { connector: 'stripe', remove: ['actions', 'search_customers', 'http', 'rate_limit'], fails: "21 concurrent searches are spaced by the Search API's 20 per second budget", because: /throttled: request #21 arrived \d+ ms .* a budget of 20 per 1000 ms/ },
  { connector: 'github', remove: ['http', 'retry', 'wait_headers'], value: [], fails: 'a 429 with Retry-After is waited out and retried', because: RETRY_AFTER },
  { connector: 'github', remove: ['http', 'rate_limit'], fails: '11 concurrent reads keep at most 10 requests in flight', because: /max_in_flight: 11 requests awaited their answer at once; expected at most 10/ },
  { connector: 'slack', remove: ['http', 'retry', 'wait_headers'], value: [], fails: 'a 429 with Retry-After is waited out and the page fetched again', because: RETRY_AFTER },
  { connector: 'hubspot', remove: ['http', 'retry', 'wait_headers'], value: [], fails: 'a 429 TEN_SECONDLY_ROLLING with Retry-After is waited out and retried', because: RETRY_AFTER },
  { connector: 'hubspot', remove: ['http', 'rate_limit'], fails: 'eleven concurrent reads keep at most 10 requests in flight', because: /max_in_flight: 11 requests awaited/ },
  { connector: 'hubspot', remove: ['definitions', 'crm_search', 'http', 'rate_limit'], fails: 'two concurrent contact reads send one search request at a time', because: /max_in_flight: 2 requests awaited their answer at once; expected at most 1/ },
  { connector: 'hubspot', remove: ['actions', 'search_contacts', 'http', 'rate_limit'], fails: 'six concurrent searches are spaced by the 5 per second search budget', because: /throttled: request #6 arrived \d+ ms .* a budget of 5 per 1000 ms/ },
];

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
});

/** A copy of one shipped connector (manifest, tests, fixtures) with `edit` applied to its manifest. */
async function copyWith(connector: string, edit?: (doc: ReturnType<typeof parseDocument>) => void): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `patchbay-mutant-${connector}-`));
  temps.push(dir);
  await cp(path.join(CONNECTORS, connector), path.join(dir, connector), { recursive: true });
  if (edit) {
    const file = path.join(dir, connector, 'connector.yaml');
    const doc = parseDocument(await readFile(file, 'utf8'));
    edit(doc);
    await writeFile(file, doc.toString());
  }
  return dir;
}

describe.concurrent('removing a resilience setting from a shipped manifest fails its tests', () => {
  for (const m of MUTATIONS) {
    const what = `${m.remove.join('.')}${m.value !== undefined ? ` set to ${JSON.stringify(m.value)}` : ' deleted'}`;
    it(`${m.connector}: ${what} fails "${m.fails}"`, async () => {
      const original = await copyWith(m.connector);
      const before = await runConnectorTests(original, { only: [m.connector], filter: m.fails });
      expect(before.map((r) => [r.case, r.ok, r.failures])).toEqual([[m.fails, true, []]]);

      const mutant = await copyWith(m.connector, (doc) => {
        expect(doc.hasIn(m.remove), `${m.connector}/connector.yaml has ${m.remove.join('.')}`).toBe(true);
        if (m.value !== undefined) doc.setIn(m.remove, m.value);
        else doc.deleteIn(m.remove);
      });
      const after = await runConnectorTests(mutant, { only: [m.connector], filter: m.fails });
      expect(after.map((r) => r.case)).toEqual([m.fails]);
      expect(after[0].ok).toBe(false);
      expect(after[0].failures.join('\n')).toMatch(m.because);
    }, 60_000);
  }

  it('the whole stripe suite still passes without `wait_headers`: the engine default honours Retry-After', async () => {
    const mutant = await copyWith('stripe', (doc) => {
      doc.deleteIn(['http', 'retry', 'wait_headers']);
    });
    const results = await runConnectorTests(mutant, { only: ['stripe'], filter: 'Retry-After' });
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((r) => !r.ok).map((r) => [r.case, r.failures])).toEqual([]);
  }, 60_000);
});

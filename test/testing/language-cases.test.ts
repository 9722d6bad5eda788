/**
 * tests.yaml examples for issue 13 items 1, 3 and 5, on the connectors in fixtures-language/
 * (QuickBooks-, Shopify-, Xero-, Graph- and Calendar-shaped): request defaults, the
 * idempotency key in the query, `retry.when` retrying a POST, a daily budget, a leaky bucket
 * kept in step with the provider's header, `get` cases reading one record by id, and stream
 * state kept from responses (a delta link as the next URL, a sync token, deletions, a 410
 * starting over). Each mutation takes one of
 * those out of a copy of the manifest and must make the case that proves it fail, for the
 * reason it proves. (Item 2's page variables are proven by fixtures-setup/ledger.)
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { runConnectorTests } from '../../engine/testing/index.js';
import { loadPlan } from '../../engine/plan/index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures-language');

interface Mutation {
  connector: string;
  /** The feature taken out, as a path into connector.yaml. */
  remove: string[];
  /** Also taken out, so the manifest stays valid without the feature (what used it). */
  also?: string[];
  /** Every case that must then fail, each with the reason it must give. */
  fails: Record<string, RegExp>;
}

const RETRIED_POST = 'a 500 on create_customer is retried with the same requestid, minorversion on every attempt';
const CALLER_KEY = "a caller's idempotency key is sent as the requestid";
const GET = 'get reads one Customer by id, selected from its wrapper and mapped like a read';
const GET_RAW = 'get with raw answers the Customer as QuickBooks sent it';
const GET_MISSING = "get of an unknown id is not_found with the Fault's code 610";
const WEBHOOK_FETCH = "a notification naming two customers fetches each through the stream's get and upserts them";
const CALL_LIMIT = 'the call-limit header saying 39/40 leaves one call, and the next after it waits for the leak';
const BURST = "41 calls at once burst to the bucket's 40, and the 41st waits for one to leak out";
const WHEN = "a POST retried by retry.when after Xero's minute limit refused it";
const DAY = "a read that would pass the day's budget fails at once as rate_limited instead of waiting a day";

const RUN1 = 'run 1 - the initial round pages by nextLink and ends with a delta link, kept as the state';
const RUN2 = 'run 2 - the delta link is the whole first request; a change and a removal come back';
const RUN3 = 'run 3 - nothing changed; an empty page and a new delta link';
const EXPIRED = 'an expired delta link (410) starts over with a full round';
const FULL_LIST = "a full list pages by pageToken and keeps the last page's nextSyncToken";
const CHANGES = 'the sync token asks for changes only, and a cancelled event is a deletion';
const RESET = 'Google sync token 410 reset - the state is cleared and the calendar listed in full';
const NO_TOKEN = "a 410 to a run with no token is the run's error, not a loop";

const NO_MINOR = /query\.minorversion: expected "75", got \(absent\)/;
const NO_GET = /has no single-record request \(`get:` in the manifest\)|error\.kind: expected "not_found", got "config"/;

const MUTATIONS: Mutation[] = [
  {
    connector: 'qbo-lite', remove: ['http', 'query'],
    fails: { [RETRIED_POST]: NO_MINOR, [CALLER_KEY]: NO_MINOR, [GET]: NO_MINOR, [GET_RAW]: NO_MINOR, [GET_MISSING]: NO_MINOR, [WEBHOOK_FETCH]: NO_MINOR },
  },
  {
    connector: 'qbo-lite', remove: ['http', 'retry', 'idempotency_query'],
    fails: { [RETRIED_POST]: /query\.requestid: expected a value, got \(absent\)/, [CALLER_KEY]: /query\.requestid: expected "4957-cool-cars", got \(absent\)/ },
  },
  // The webhook route fetches through the get block (the validator refuses it without one), so it goes too.
  {
    connector: 'qbo-lite', remove: ['streams', 'customers', 'get'], also: ['webhooks', 'routes'],
    fails: { [GET]: NO_GET, [GET_RAW]: NO_GET, [GET_MISSING]: NO_GET, [WEBHOOK_FETCH]: /upserted\.customers/ },
  },
  { connector: 'shop-lite', remove: ['http', 'rate_limit', 'remaining'], fails: { [CALL_LIMIT]: /request #3 .* came \d+ ms after the previous response; expected a wait of at least 500 ms/ } },
  { connector: 'shop-lite', remove: ['http', 'rate_limit', 'bucket'], fails: { [BURST]: /throttled: request #41 arrived \d+ ms after the operation started; a budget of 40 per 500 ms/ } },
  { connector: 'books-lite', remove: ['http', 'rate_limit', 'budgets'], fails: { [DAY]: /unexpected request #4 GET \/api\.xro\/2\.0\/Contacts\?.*page=4/ } },
  {
    connector: 'delta-lite', remove: ['streams', 'contacts', 'state', 'resume'],
    fails: { [RUN2]: /\$select/, [RUN3]: /\$select/, [EXPIRED]: /\$select/ },
  },
  { connector: 'delta-lite', remove: ['streams', 'contacts', 'state', 'keep'], also: ['streams', 'contacts', 'state', 'resume'], fails: { [RUN1]: /state\.delta_link/, [RUN2]: /\$select/, [RUN3]: /\$select/, [EXPIRED]: /\$select/ } },
  { connector: 'delta-lite', remove: ['streams', 'contacts', 'deleted'], fails: { [RUN2]: /deleted/ } },
  { connector: 'delta-lite', remove: ['streams', 'contacts', 'state', 'reset_on'], fails: { [EXPIRED]: /410/ } },
  { connector: 'calsync-lite', remove: ['streams', 'events', 'state', 'keep'], fails: { [FULL_LIST]: /state\.sync_token/, [CHANGES]: /state\.sync_token/, [RESET]: /state\.sync_token/ } },
  { connector: 'calsync-lite', remove: ['streams', 'events', 'deleted'], fails: { [CHANGES]: /deleted/ } },
  { connector: 'calsync-lite', remove: ['streams', 'events', 'state', 'reset_on'], fails: { [RESET]: /410/ } },
  { connector: 'books-lite', remove: ['http', 'retry', 'when'], fails: { [WHEN]: /unexpected error \[rate_limited\].*HTTP 429.*\n.*never requested: #2 POST/ } },
];

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
});

/** A copy of one example connector with each path deleted from its manifest. */
async function without(connector: string, ...remove: string[][]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `patchbay-language-${connector}-`));
  temps.push(dir);
  await cp(path.join(FIXTURES, connector), path.join(dir, connector), { recursive: true });
  const file = path.join(dir, connector, 'connector.yaml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  for (const p of remove) {
    expect(doc.hasIn(p), `${connector}/connector.yaml has ${p.join('.')}`).toBe(true);
    doc.deleteIn(p);
  }
  await writeFile(file, doc.toString());
  return dir;
}

describe('issue 13 language examples', () => {
  it('each example manifest validates without an error or a warning', async () => {
    for (const id of ['qbo-lite', 'shop-lite', 'books-lite', 'delta-lite', 'calsync-lite']) {
      const { diagnostics } = await loadPlan(path.join(FIXTURES, id, 'connector.yaml'));
      expect(diagnostics.map((d) => `${id} ${d.severity} ${d.code} ${d.path}`)).toEqual([]);
    }
  });

  it('every example case passes as written', async () => {
    const results = await runConnectorTests(FIXTURES);
    expect(results.filter((r) => !r.ok).map((r) => [r.connector, r.case, r.failures])).toEqual([]);
    expect(results.map((r) => r.case).sort()).toEqual([RETRIED_POST, CALLER_KEY, GET, GET_RAW, GET_MISSING, WEBHOOK_FETCH, CALL_LIMIT, BURST, WHEN, DAY, RUN1, RUN2, RUN3, EXPIRED, FULL_LIST, CHANGES, RESET, NO_TOKEN].sort());
  }, 60_000);

  describe.concurrent('taking a feature out fails the case that proves it', () => {
    for (const m of MUTATIONS) {
      it(`${m.connector}: without ${m.remove.join('.')}${m.also ? ` (and ${m.also.join('.')})` : ''}`, async () => {
        const results = await runConnectorTests(await without(m.connector, m.remove, ...(m.also ? [m.also] : [])), { only: [m.connector] });
        const failed = Object.fromEntries(results.filter((r) => !r.ok).map((r) => [r.case, r.failures.join('\n')]));
        expect(Object.keys(failed).sort()).toEqual(Object.keys(m.fails).sort());
        for (const [name, because] of Object.entries(m.fails)) expect(failed[name], name).toMatch(because);
      }, 60_000);
    }
  });
});

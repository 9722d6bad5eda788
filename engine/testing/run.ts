/**
 * Runs connector test cases: for each case a scripted local server stands in for the
 * provider, the engine runs the operation against it, and the result is compared with
 * the case's expectations. A connector's tests are pure data; no TypeScript is needed.
 */
import { readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConnectorError, isConnectorError } from '../core/errors.js';
import { createEngine } from '../run/engine.js';
import { replaceSecret } from '../core/redact.js';
import { loadPlan } from '../plan/index.js';
import { planStream, type Plan } from '../plan/plan.js';
import { dynamicName } from '../plan/dynamic.js';
import { externalIdOf } from '../run/operations/keys.js';
import type { Connection } from '../core/wire.js';
import { loadTestSuite } from './load.js';
import { startScriptedServer, UNEXPECTED_STATUS } from './server.js';
import { checkExpectation, describeError, describeOutcome, type Outcome } from './expect.js';
import type { CaseResult, TestCase, TestSuite } from './types.js';
import { deliverWebhook } from './webhook.js';
import { checkWebhookExpectation, describeWebhookOutcome } from './webhook-expect.js';
import { pointAuthAt, pointRequestsAt, scriptedBaseUrl, swapOrigin } from './redirect.js';
import { diffNamed } from './compare.js';
import { checkInFlight, checkThrottle } from './throttle.js';
import { runConsent } from './oauth.js';
import { checkSubscribeExpectation, runSubscribe } from './subscribe.js';
import { checkConsentExpectation, describeConsentOutcome } from './oauth-expect.js';

export interface RunOptions {
  /** Connector ids to run; all when absent or empty. */
  only?: string[];
  /** Case-insensitive substring of `connector › case name`. */
  filter?: string;
  /** Per-case budget; default 15 s. */
  timeoutMs?: number;
  /** Called as each case finishes, so a caller can print progress. */
  onResult?: (result: CaseResult) => void;
}

export interface CaseOptions {
  /** A plan already compiled (saves reloading the manifest per case). */
  plan?: Plan;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** `connector › case`, the name used in listings and filters. */
export function caseTitle(connector: string, name: string): string {
  return `${connector} › ${name}`;
}

/** Every `<dir>/<id>/tests.yaml`, sorted by connector id. */
export async function discoverTestFiles(dir: string): Promise<Array<{ connector: string; file: string }>> {
  const root = path.resolve(dir);
  const entries = await readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(path.join(root, e.name, 'tests.yaml')))
    .map((e) => ({ connector: e.name, file: path.join(root, e.name, 'tests.yaml') }))
    .sort((a, b) => a.connector.localeCompare(b.connector));
}

const plans = new Map<string, { mtimeMs: number; plan: Promise<Plan> }>();

/** Compiles a manifest once per process (recompiled when the file changes). */
export async function planFor(manifest: string): Promise<Plan> {
  const { mtimeMs } = await stat(manifest).catch(() => {
    throw new ConnectorError({ kind: 'config', origin: 'caller', message: `no connector manifest at ${manifest}` });
  });
  const cached = plans.get(manifest);
  if (cached && cached.mtimeMs === mtimeMs) return cached.plan;
  const plan = loadPlan(manifest).then(({ plan: compiled, diagnostics }) => {
    if (compiled) return compiled;
    const errors = diagnostics.filter((d) => d.severity === 'error');
    throw new ConnectorError({
      kind: 'config', origin: 'manifest',
      message: `${manifest} does not compile:\n${errors.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}: ${d.message}`).join('\n')}`,
      location: errors[0] && { file: errors[0].file, line: errors[0].line, column: errors[0].column, path: errors[0].path },
    });
  });
  plans.set(manifest, { mtimeMs, plan });
  plan.catch(() => plans.delete(manifest));
  return plan;
}

function connectionFor(suite: TestSuite, testCase: TestCase, plan: Plan, serverUrl: string): Connection {
  const d = suite.defaults;
  const values = {
    config: { ...d.config, ...testCase.config },
    credentials: { ...d.credentials, ...testCase.credentials },
    settings: { ...d.settings, ...testCase.settings },
  };
  const conn: Connection = {
    connector: suite.connector,
    // One id per case: engines keep per-connection state (limits, tokens) that must not leak
    // between cases. The runs of a `repeat` share it, like concurrent callers of one account.
    id: `test:${suite.connector}:${testCase.name}`,
    ...values,
    ...(testCase.secrets ? { secrets: { ...testCase.secrets } } : {}),
    baseUrl: scriptedBaseUrl(plan, values, serverUrl, testCase.environment ?? d.environment),
  };
  const auth = testCase.auth ?? d.auth;
  if (auth !== undefined) conn.auth = auth;
  const environment = testCase.environment ?? d.environment;
  if (environment !== undefined) conn.environment = environment;
  return conn;
}

/** The scripted server's origin, which `{{base_url}}` stands for in a case's state. */
type Origins = { placeholder: string; server: string } | undefined;

async function once(engine: Awaited<ReturnType<typeof createEngine>>, conn: Connection, testCase: TestCase, origins: Origins): Promise<Outcome> {
  try {
    if (testCase.check) return { type: 'output', output: (await engine.check(conn)).output };
    if (testCase.action !== undefined) {
      const opts = testCase.idempotency_key !== undefined ? { idempotencyKey: testCase.idempotency_key } : {};
      return { type: 'output', output: await engine.call(conn, testCase.action, testCase.input ?? {}, opts) };
    }
    if (testCase.discover !== undefined) return { type: 'discovered', result: await engine.discover(conn, testCase.discover) };
    if (testCase.get !== undefined) return { type: 'output', output: await engine.get(conn, testCase.get.stream, testCase.get.id, { raw: testCase.get.raw === true }) };
    const stream = testCase.stream as string;
    const given = testCase.state && origins ? (swapOrigin(testCase.state, origins.placeholder, origins.server) as Record<string, unknown>) : testCase.state;
    const reader = engine.read(conn, stream, { state: given, limit: testCase.limit });
    const plan = engine.plans.get(conn.connector);
    // A discovered stream is keyed as its family's template says (an item's own primary key aside).
    const keyed = plan ? (planStream(plan, stream) ?? dynamicName(plan, stream)?.family.template) : undefined;
    const records: unknown[] = [];
    const deleted: string[] = [];
    for await (const page of reader.pagesIterable()) {
      records.push(...page.records);
      for (const r of page.deleted ?? []) deleted.push((keyed && externalIdOf(keyed, r)) ?? JSON.stringify(r));
    }
    const state = origins ? swapOrigin(reader.state, origins.server, origins.placeholder) : reader.state;
    return { type: 'read', stream, records, state, deleted };
  } catch (error) {
    return { type: 'error', error };
  }
}

interface Executed {
  outcomes: Outcome[];
  /** The last credentials the engine handed over to persist (a refresh), per run. */
  credentials: Array<Record<string, unknown> | undefined>;
}

async function execute(plan: Plan, conns: Connection[], testCase: TestCase, origins: Origins): Promise<Executed> {
  const credentials: Executed['credentials'] = conns.map(() => undefined);
  // A fresh engine per case: no rate-limit budget, token or socket carries over between cases.
  const engine = await createEngine({
    connectors: [plan],
    onCredentials: (conn, creds) => {
      const i = conns.indexOf(conn);
      // A refresh one run made is every run's (they share the connection).
      if (i >= 0) credentials[i] = { ...creds };
      else credentials.fill({ ...creds });
    },
  });
  try {
    return { outcomes: await Promise.all(conns.map((c) => once(engine, c, testCase, origins))), credentials };
  } finally {
    await engine.close();
  }
}

/** An operation's own expectations, then the credentials it left (what a refresh stored). */
function checkRun(testCase: TestCase, outcome: Outcome, credentials: Record<string, unknown> | undefined, conn: Connection): string[] {
  const out = checkExpectation(testCase.expect, outcome);
  if (testCase.expect.credentials !== undefined) diffNamed(testCase.expect.credentials, credentials ?? conn.credentials, 'credentials', out);
  return out;
}

/**
 * Credential values never appear in failures, even fixture ones: a diff shows which
 * credential was sent (`Bearer [credentials.token]`), which is what a reader needs anyway.
 */
function redactCredentials(lines: string[], credentials: Record<string, unknown>): string[] {
  const secrets = Object.entries(credentials)
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')
    .sort((a, b) => b[1].length - a[1].length);
  if (secrets.length === 0) return lines;
  return lines.map((line) => secrets.reduce((text, [name, value]) => replaceSecret(text, value, `[credentials.${name}]`), line));
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Runs one case against its own scripted server. Never throws: problems become failures. */
export async function runCase(suite: TestSuite, testCase: TestCase, opts: CaseOptions = {}): Promise<CaseResult> {
  const started = performance.now();
  const failures: string[] = [];
  const finish = (): CaseResult => ({
    connector: suite.connector,
    case: testCase.name,
    ok: failures.length === 0,
    failures: redactCredentials(failures, {
      ...suite.defaults.credentials, ...testCase.credentials, ...testCase.secrets,
      ...(testCase.app ? { app_client_secret: testCase.app.client_secret } : {}),
    }),
    durationMs: Math.round(performance.now() - started),
  });

  let plan: Plan;
  try {
    plan = opts.plan ?? (await planFor(suite.manifest));
  } catch (err) {
    failures.push(`connector manifest did not load: ${describeError(err)}`);
    return finish();
  }

  const server = await startScriptedServer(testCase.exchanges);
  let startedAt = performance.now();
  const throttle = () => [
    ...(testCase.expect.throttled ? checkThrottle(testCase.expect.throttled, server.arrivals, startedAt) : []),
    ...(testCase.expect.max_in_flight !== undefined ? checkInFlight(testCase.expect.max_in_flight, server.maxInFlight, server.arrivals.length) : []),
  ];
  const timedOut = (ms: number) => `timed out after ${ms} ms (requests received: ${server.received.join(', ') || 'none'})`;
  try {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Whatever the case does, an auth method's token URL and any request's own absolute URL are the scripted server.
    plan = pointRequestsAt(pointAuthAt(plan, server.url), server.url);
    startedAt = performance.now();
    if (testCase.webhook) {
      const delivered = await withTimeout(deliverWebhook(plan, suite, testCase, server.url).catch((error: unknown) => ({ error })), timeoutMs);
      if (delivered === 'timeout') failures.push(...server.failures, timedOut(timeoutMs));
      else if ('error' in delivered) failures.push(...server.failures, `the webhook case could not run: ${describeError(delivered.error)}`);
      else if (server.failures.length > 0) failures.push(...server.failures, `the delivery then ${describeWebhookOutcome(delivered)}`);
      else failures.push(...checkWebhookExpectation(testCase.expect, delivered), ...throttle(), ...server.unused());
      return finish();
    }
    if (testCase.subscribe) {
      const subscribed = await withTimeout(runSubscribe(plan, suite, testCase, server.url).catch((error: unknown) => ({ error })), timeoutMs);
      if (subscribed === 'timeout') failures.push(...server.failures, timedOut(timeoutMs));
      else if ('error' in subscribed) failures.push(...server.failures, `the subscribe case could not run: ${describeError(subscribed.error)}`);
      else failures.push(...server.failures, ...checkSubscribeExpectation(testCase.expect.subscriptions, subscribed), ...server.unused());
      return finish();
    }
    if (testCase.oauth) {
      const consented = await withTimeout(runConsent(plan, suite, testCase, server.url).catch((error: unknown) => ({ error })), timeoutMs);
      if (consented === 'timeout') failures.push(...server.failures, timedOut(timeoutMs));
      else if ('error' in consented) failures.push(...server.failures, `the oauth case could not run: ${describeError(consented.error)}`);
      else if (server.failures.length > 0) failures.push(...server.failures, `the consent then ${describeConsentOutcome(consented)}`);
      else failures.push(...checkConsentExpectation(testCase.expect, consented), ...server.unused());
      return finish();
    }
    const conns = Array.from({ length: testCase.repeat ?? 1 }, () => connectionFor(suite, testCase, plan, server.url));
    const origins = { placeholder: '{{base_url}}', server: server.url };
    const executed = await withTimeout(execute(plan, conns, testCase, origins), timeoutMs);
    if (executed === 'timeout') {
      failures.push(...server.failures, timedOut(timeoutMs));
      return finish();
    }
    const { outcomes } = executed;
    if (server.failures.length > 0) {
      // The outcome is a consequence of the wrong request; the request diff is the news, and
      // the runner's own refusal (its 418) is not worth repeating.
      failures.push(...server.failures);
      for (const outcome of outcomes) {
        if (!(outcome.type === 'error' && isConnectorError(outcome.error) && outcome.error.status === UNEXPECTED_STATUS)) {
          failures.push(`the operation then ${describeOutcome(outcome)}`);
          break;
        }
      }
    } else {
      const seen = new Set<string>();
      outcomes.forEach((outcome, i) => {
        const lines = checkRun(testCase, outcome, executed.credentials[i], conns[i]);
        // Runs of a `repeat` that fail alike are reported once.
        for (const line of lines) {
          if (seen.has(line)) continue;
          seen.add(line);
          failures.push(outcomes.length > 1 ? `run ${i + 1} of ${outcomes.length}: ${line}` : line);
        }
      });
      failures.push(...throttle(), ...server.unused());
    }
  } finally {
    await server.close();
  }
  return finish();
}

/** Runs every case of a suite, one after another (the cases share nothing but the plan). */
export async function runSuite(suite: TestSuite, opts: RunOptions = {}): Promise<CaseResult[]> {
  const filter = opts.filter?.toLowerCase();
  const cases = suite.cases.filter((c) => !filter || caseTitle(suite.connector, c.name).toLowerCase().includes(filter));
  const results: CaseResult[] = [];
  for (const c of cases) {
    const result = await runCase(suite, c, { timeoutMs: opts.timeoutMs });
    opts.onResult?.(result);
    results.push(result);
  }
  return results;
}

/**
 * Runs the tests of every connector under `dir` (or those in `opts.only`). A tests.yaml that
 * does not validate yields one failed result named `tests.yaml` carrying the located errors.
 */
export async function runConnectorTests(dir: string, opts: RunOptions = {}): Promise<CaseResult[]> {
  let files = await discoverTestFiles(dir);
  if (opts.only && opts.only.length > 0) {
    const missing = opts.only.filter((id) => !files.some((f) => f.connector === id));
    if (missing.length > 0) {
      throw new ConnectorError({ kind: 'config', origin: 'caller', message: `no tests.yaml for connector(s) ${missing.join(', ')} under ${path.resolve(dir)}` });
    }
    files = files.filter((f) => opts.only!.includes(f.connector));
  }
  const results: CaseResult[] = [];
  for (const { connector, file } of files) {
    let suite: TestSuite;
    try {
      suite = await loadTestSuite(file, connector);
    } catch (err) {
      const result: CaseResult = { connector, case: 'tests.yaml', ok: false, failures: [(err as Error).message], durationMs: 0 };
      opts.onResult?.(result);
      results.push(result);
      continue;
    }
    results.push(...(await runSuite(suite, opts)));
  }
  return results;
}

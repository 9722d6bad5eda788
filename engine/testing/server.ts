/**
 * A local HTTP server that plays one case's exchanges in order. Each incoming request is
 * compared with the next expected one; whatever does not match is recorded (not thrown),
 * so the case can report every problem together with what the operation returned.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeRequest, matchRequest, type ActualRequest, type StickyHeaders } from './match.js';
import type { Exchange, ScriptedResponse } from './types.js';

/**
 * Status answered to a request the script did not expect. A 4xx that providers do not use
 * and engines do not retry, so a mismatch ends the operation instead of looping.
 */
export const UNEXPECTED_STATUS = 418;

export interface ScriptedServer {
  readonly url: string;
  /** Mismatches and unexpected requests seen so far. */
  readonly failures: string[];
  /** Requests received, in order (for summaries). */
  readonly received: string[];
  /** When each request arrived (`performance.now()` ms), in order: what throttling is judged by. */
  readonly arrivals: number[];
  /** The most requests that were waiting for their answer at once. */
  readonly maxInFlight: number;
  /** Failure lines for exchanges that were never requested. */
  unused(): string[];
  close(): Promise<void>;
}

function substitute(value: unknown, baseUrl: string): unknown {
  if (typeof value === 'string') return value.split('{{base_url}}').join(baseUrl);
  if (Array.isArray(value)) return value.map((v) => substitute(v, baseUrl));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, baseUrl)]));
  return value;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, scripted: ScriptedResponse, baseUrl: string): void {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(scripted.headers ?? {})) headers[k.toLowerCase()] = String(substitute(v, baseUrl));
  let payload = '';
  if (scripted.raw !== undefined) payload = scripted.raw;
  else if (scripted.body !== undefined) payload = JSON.stringify(substitute(scripted.body, baseUrl));
  if (payload !== '' && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(scripted.status ?? 200, headers);
  res.end(payload);
}

/**
 * Timers may fire a millisecond early and a request is seen a little after it was sent; a
 * wait this much short of the expected one still counts as honoured.
 */
export const WAIT_SLACK_MS = 5;

/** Plain text, so no connector's error mapping mistakes the refusal for a provider message. */
function refuse(res: http.ServerResponse, why: string): void {
  res.writeHead(UNEXPECTED_STATUS, { 'content-type': 'text/plain' });
  res.end(`patchbay test runner: ${why}`);
}

export async function startScriptedServer(exchanges: Exchange[]): Promise<ScriptedServer> {
  const failures: string[] = [];
  const received: string[] = [];
  const arrivals: number[] = [];
  const sticky: StickyHeaders = new Map();
  let next = 0;
  // Plays of the current exchange so far (an exchange with `times` stays current until used up).
  let played = 0;
  let lastAnsweredAt: number | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  const attempted = new Set<number>();
  let url = '';

  const server = http.createServer(async (req, res) => {
    const arrivedAt = performance.now();
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    // Counted out once the answer is handed over ('finish'), before the client can have read it.
    let left = false;
    const leave = () => {
      if (!left) inFlight--;
      left = true;
    };
    res.on('finish', leave);
    res.on('close', leave);
    try {
      const raw = req.url ?? '/';
      const q = raw.indexOf('?');
      const actual: ActualRequest = {
        method: req.method ?? 'GET',
        path: q === -1 ? raw : raw.slice(0, q),
        rawQuery: q === -1 ? '' : raw.slice(q + 1),
        headers: req.headers,
        body: await readBody(req),
      };
      const n = received.push(describeRequest(actual));
      arrivals.push(arrivedAt);
      const expected = exchanges[next];
      if (!expected) {
        failures.push(`unexpected request #${n} ${describeRequest(actual)}: all ${exchanges.length} exchange(s) were already used`);
        refuse(res, 'unexpected request');
        return;
      }
      const problems = matchRequest(expected.request, actual, sticky);
      if (problems.length > 0) {
        attempted.add(next);
        // Not advancing: a mismatch usually ends the operation, and if the engine tries
        // again the next attempt is still compared with the same expectation.
        failures.push(
          `request #${n} ${describeRequest(actual)} does not match exchange #${next + 1} (${expected.request.method} ${expected.request.path}):\n` +
            problems.map((p) => `    ${p}`).join('\n'),
        );
        refuse(res, 'request does not match the expected exchange');
        return;
      }
      const wait = expected.request.min_wait_ms;
      if (wait !== undefined) {
        const waited = lastAnsweredAt === undefined ? undefined : arrivedAt - lastAnsweredAt;
        if (waited === undefined || waited < wait - WAIT_SLACK_MS) {
          failures.push(`request #${n} ${describeRequest(actual)} (exchange #${next + 1}) came ${waited === undefined ? 'with no response before it' : `${Math.round(waited)} ms after the previous response`}; expected a wait of at least ${wait} ms`);
        }
      }
      played += 1;
      if (played >= (expected.times ?? 1)) {
        next += 1;
        played = 0;
      }
      if (expected.response.delay_ms) await new Promise((r) => setTimeout(r, expected.response.delay_ms));
      send(res, expected.response, url);
      lastAnsweredAt = performance.now();
    } catch (err) {
      failures.push(`test server error: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    failures,
    received,
    arrivals,
    get maxInFlight() { return maxInFlight; },
    unused() {
      const left = exchanges.map((e, i) => ({ e, i })).filter(({ i }) => i >= next && !attempted.has(i));
      if (left.length === 0) return [];
      const partly = left[0].i === next && played > 0 ? ` (#${next + 1} was played ${played} of ${exchanges[next].times} times)` : '';
      return [`${left.length} exchange(s) never requested${partly}: ${left.map(({ e, i }) => `#${i + 1} ${e.request.method} ${e.request.path}`).join(', ')}`];
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

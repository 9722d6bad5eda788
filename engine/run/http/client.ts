/**
 * The per-engine HTTP client: one got instance over shared keep-alive agents, and the rate
 * limiters, which must be shared by every call of an engine to mean anything.
 */
import http from 'node:http';
import https from 'node:https';
import { got as baseGot, type Got, type NormalizedOptions, type PlainResponse } from 'got';
import { silentLogger, type Logger } from '../../core/log.js';
import { executeRequest, type ExecuteOptions } from './execute.js';
import { RateLimiterRegistry } from './rate-limiter.js';
import type { RateSlotsOption } from './rate-slots.js';
import { ATTEMPT_DEFAULTS, send, type SendOptions } from './send.js';
import type { InboundResponse, OutboundRequest } from '../../core/wire.js';

export interface HttpClientOptions {
  logger?: Logger;
  userAgent?: string;
  /** Sockets kept per host; default 50. */
  maxSockets?: number;
  /**
   * Wraps each keep-alive agent, e.g. with the outbound address guard
   * (engine/run/http/outbound-guard.ts), which checks every address when a socket connects.
   */
  wrapAgent?: <A extends http.Agent>(agent: A) => A;
  /** Request slots shared with other processes (see rate-slots.ts); without it each limiter counts this process only. */
  rateSlots?: RateSlotsOption;
}

export const DEFAULT_USER_AGENT = 'patchbay/0.1';

/** Credential-looking headers; got itself only drops authorization and cookie on a cross-origin redirect. */
const CREDENTIAL_HEADER = /auth|key|token|secret|signature|cookie|session/i;

function dropCredentialsAcrossOrigins(next: NormalizedOptions, response: PlainResponse): void {
  if (!next.url || next.url.origin === new URL(response.url).origin) return;
  for (const name of Object.keys(next.headers)) if (CREDENTIAL_HEADER.test(name)) delete next.headers[name];
}

export class HttpClient {
  readonly logger: Logger;
  readonly limiters: RateLimiterRegistry;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly got: Got;

  constructor(opts: HttpClientOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
    this.limiters = new RateLimiterRegistry(opts.rateSlots);
    const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 50 };
    const wrap = opts.wrapAgent ?? (<A extends http.Agent>(agent: A) => agent);
    this.agents = { http: wrap(new http.Agent(agentOpts)), https: wrap(new https.Agent(agentOpts)) };
    this.got = baseGot.extend({
      agent: this.agents,
      headers: { 'user-agent': opts.userAgent ?? DEFAULT_USER_AGENT },
      hooks: { beforeRedirect: [dropCredentialsAcrossOrigins] },
      ...ATTEMPT_DEFAULTS,
    });
  }

  /** One attempt, no limiter, auth or retry (token endpoints use this). */
  send(req: OutboundRequest, opts: SendOptions): Promise<InboundResponse> {
    return send(this.got, req, opts, true);
  }

  /** One logical request through the limiter, auth, retries and classification. */
  execute(req: OutboundRequest, opts: Omit<ExecuteOptions, 'client'>): Promise<InboundResponse> {
    return executeRequest(req, { ...opts, client: this });
  }

  /** Closes idle keep-alive sockets so a process can exit. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

export function createHttpClient(opts: HttpClientOptions = {}): HttpClient {
  return new HttpClient(opts);
}

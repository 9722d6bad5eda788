/**
 * The budget on webhook intake, which anyone may call: per source address (both intake
 * URLs) and per connection (its own URL). It is checked before the body is read and
 * before any database work, in this process's memory, so a flood costs neither disk nor
 * queries. The shared connector URL has no per-connection budget: which connection a
 * delivery is for is only known from the database, and one budget for the whole URL
 * would let one sender starve every account's deliveries.
 *
 * Defaults leave room for real provider bursts from one address (providers send every
 * account's events from a few addresses); raise them for a busy connector-level URL.
 */
import { ConnectorError } from '../../core/errors.js';
import { HttpProblem } from '../problem.js';
import { addressKey, clientAddress, TrustedProxies } from './client-address.js';
import { TokenBuckets, type BucketOptions } from './token-buckets.js';

export interface Budget {
  perSecond: number;
  burst: number;
}

export interface IntakeLimitOptions {
  /** Per source address; default 50/s, burst 200. */
  perAddress?: Partial<Budget>;
  /** Per connection URL; default 100/s, burst 400 (above one address's, so one sender cannot use it up alone). */
  perConnection?: Partial<Budget>;
  /** Most addresses and most connections remembered each; default 10 000. */
  maxKeys?: number;
  /** Proxies whose X-Forwarded-For counts (CIDRs); default none (`serve` reads `PATCHBAY_TRUSTED_PROXIES`). */
  trustedProxies?: string | readonly string[];
}

export const DEFAULT_INTAKE_LIMITS = {
  perAddress: { perSecond: 50, burst: 200 },
  perConnection: { perSecond: 100, burst: 400 },
} as const;

export interface IntakeRequest {
  socketAddress: string | undefined;
  forwardedFor: string | string[] | undefined;
  connector: string;
  connection?: string;
}

export class IntakeLimiter {
  readonly perAddress: TokenBuckets;
  readonly perConnection: TokenBuckets;
  readonly trusted: TrustedProxies;

  constructor(opts: IntakeLimitOptions = {}, now?: () => number) {
    const make = (name: string, given: Partial<Budget> | undefined, def: Budget): TokenBuckets => {
      const o: BucketOptions = { ...def, ...given, maxKeys: opts.maxKeys };
      try {
        return new TokenBuckets(o, now);
      } catch (err) {
        throw new ConnectorError({ kind: 'config', origin: 'caller', message: `webhook intake limit ${name}: ${(err as Error).message}` });
      }
    };
    this.perAddress = make('per address', opts.perAddress, DEFAULT_INTAKE_LIMITS.perAddress);
    this.perConnection = make('per connection', opts.perConnection, DEFAULT_INTAKE_LIMITS.perConnection);
    this.trusted = TrustedProxies.parse(opts.trustedProxies);
  }

  /** Takes one request from each budget it falls under, or throws a 429 problem; nothing is taken from either when one refuses. */
  admit(req: IntakeRequest): void {
    const address = addressKey(clientAddress(req.socketAddress, req.forwardedFor, this.trusted));
    const connection = req.connection === undefined ? undefined : `${req.connector}\u0000${req.connection}`;
    const a = this.perAddress.peek(address);
    const c = connection === undefined ? undefined : this.perConnection.peek(connection);
    if (!a.allowed) throw refused('this address', a.retryAfterSeconds!);
    if (c && !c.allowed) throw refused('this connection', c.retryAfterSeconds!);
    this.perAddress.take(address);
    if (connection !== undefined) this.perConnection.take(connection);
  }
}

function refused(what: string, retryAfter: number): HttpProblem {
  return new HttpProblem(429, 'intake_rate_limited', `too many webhook deliveries from ${what}; retry in ${retryAfter}s`, undefined, { 'retry-after': String(retryAfter) });
}

/** Budgets and proxies from `PATCHBAY_WEBHOOK_RATE_PER_ADDRESS`, `…_PER_CONNECTION` (`<per second>` or `<per second>/<burst>`) and `PATCHBAY_TRUSTED_PROXIES`. */
export function intakeLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): IntakeLimitOptions {
  const budget = (name: string): Partial<Budget> | undefined => {
    const v = env[name]?.trim();
    if (!v) return undefined;
    const m = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(v);
    if (!m || !(Number(m[1]) > 0) || (m[2] !== undefined && Number(m[2]) < 1)) {
      throw new ConnectorError({ kind: 'config', origin: 'caller', message: `${name}: "${v}" is not "<requests per second>" or "<requests per second>/<burst>" (e.g. 50/200)` });
    }
    return { perSecond: Number(m[1]), ...(m[2] !== undefined ? { burst: Number(m[2]) } : {}) };
  };
  const out: IntakeLimitOptions = {};
  const a = budget('PATCHBAY_WEBHOOK_RATE_PER_ADDRESS');
  const c = budget('PATCHBAY_WEBHOOK_RATE_PER_CONNECTION');
  if (a) out.perAddress = a;
  if (c) out.perConnection = c;
  if (env.PATCHBAY_TRUSTED_PROXIES?.trim()) out.trustedProxies = env.PATCHBAY_TRUSTED_PROXIES;
  return out;
}

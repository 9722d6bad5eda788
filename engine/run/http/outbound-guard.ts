/**
 * The outbound address guard: a tenant controls parts of the URLs the engine calls (config
 * templated into a base URL, a provider's redirects and next-page links), so without it a
 * connection could be pointed at the host's own network. The check runs when each socket
 * connects, on the addresses actually dialled, so a DNS answer that changes between a check
 * and the connection (rebinding) is caught too.
 *
 * Policy, in order: an allowlisted host name (optionally with port) is trusted with whatever
 * it resolves to; an address inside an allowlisted IP or CIDR is allowed; otherwise every
 * address ipaddr.js does not classify as `unicast` (loopback, private, link-local, CGNAT,
 * multicast, documentation, benchmarking, 6to4, Teredo, local-use NAT64, discard, …) is
 * refused unless private networks are allowed. Cloud metadata endpoints stay refused even then: they must be
 * allowlisted by address, since no connector has a reason to reach them.
 *
 * Plain http is refused whatever the address: credentials, client secrets and signed
 * deliveries would cross the network readable, and a tenant chooses some of these URLs
 * (a self-hosted `api_url` a tenant typed, a subscription target). Only hosts the operator lists in
 * `allowHttp` (test servers, sandboxes) are reached over http. A listed IP address is also
 * exempt from the address rules, so `127.0.0.1:4050` alone admits a local test server; a
 * listed name is not (its DNS answers could point anywhere), and the address rules come first.
 */
import dns from 'node:dns';
import type http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { ConnectorError } from '../../core/errors.js';
import { httpOrigin, insecureUrlError } from './insecure-url.js';

export { INSECURE_URL, insecureUrlError } from './insecure-url.js';

export interface OutboundPolicy {
  /** Allow loopback, private, link-local and the other non-public ranges (not cloud metadata). */
  allowPrivate?: boolean;
  /** Host names (`api.internal`, `*.corp.example`, `host:8080`), IPs (`10.1.2.3`, `[::1]:9000`) or CIDRs (`10.0.0.0/8`). */
  allowlist?: readonly string[];
  /** Hosts reached over plain http (`localhost`, `127.0.0.1:4050`, `[::1]:9000`); every other http URL is refused. */
  allowHttp?: readonly string[];
}

export type AddressRisk =
  | 'metadata'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

interface Ip {
  family: 4 | 6;
  value: bigint;
}

interface Cidr extends Ip {
  bits: number;
}

const DESCRIBE: Record<AddressRisk, string> = {
  metadata: 'a cloud metadata endpoint',
  loopback: 'loopback',
  private: 'private',
  'link-local': 'link-local',
  cgnat: 'carrier-grade NAT (100.64.0.0/10)',
  unspecified: 'unspecified',
  multicast: 'multicast',
  reserved: 'reserved',
};

/** Cloud metadata endpoints: refused even when private networks are allowed. */
const METADATA: ReadonlySet<string> = new Set([
  '169.254.169.254', // AWS, GCP, Azure, DigitalOcean, …
  '169.254.170.2', // AWS ECS task credentials
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud
  'fd00:ec2::254', // AWS over IPv6
]);

/** ipaddr.js range names with a risk of their own; every other range but `unicast` is `reserved`. */
const RANGE_RISK: Readonly<Record<string, AddressRisk>> = {
  unspecified: 'unspecified',
  loopback: 'loopback',
  private: 'private',
  uniqueLocal: 'private',
  deprecatedSiteLocal: 'private',
  linkLocal: 'link-local',
  carrierGradeNat: 'cgnat',
  multicast: 'multicast',
};

function parseV4(s: string): bigint | undefined {
  if (net.isIPv4(s) === false) return undefined;
  return s.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function parseV6(input: string): bigint | undefined {
  const s = input.replace(/%.*$/, '');
  if (!net.isIPv6(s)) return undefined;
  let head = s;
  let tail4: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail4 = parseV4(s.slice(lastColon + 1));
    head = `${s.slice(0, lastColon + 1)}${tail4 === undefined ? '' : '0:0'}`;
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').filter((g) => g !== '') : []);
  const l = groups(left);
  const r = groups(right);
  const fill = right === undefined ? [] : new Array(8 - l.length - r.length).fill('0');
  const all = [...l, ...fill, ...r];
  if (all.length !== 8) return undefined;
  let v = all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return v;
}

export function parseIp(s: string): Ip | undefined {
  const bare = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  const v4 = parseV4(bare);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseV6(bare);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

/**
 * The IPv4 address an IPv6 one carries, when the kernel would reach that IPv4 host: mapped
 * (`::ffff:a.b.c.d`), the deprecated compatible form (`::a.b.c.d`) and NAT64 (`64:ff9b::/96`).
 */
function embeddedV4(ip: Ip): Ip | undefined {
  if (ip.family !== 6) return undefined;
  const high = ip.value >> 32n;
  const low = ip.value & 0xffffffffn;
  if (high === 0xffffn || (high === 0n && low > 1n) || high === 0x64ff9b0000000000000000n) return { family: 4, value: low };
  return undefined;
}

const formatV4 = (v: bigint) => [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');

function parseCidr(s: string): Cidr | undefined {
  const [addr, bitsText, extra] = s.split('/');
  if (extra !== undefined || bitsText === undefined || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const bits = Number(bitsText);
  if (bits > (ip.family === 4 ? 32 : 128)) return undefined;
  return { ...ip, bits };
}

function inCidr(ip: Ip, c: Cidr): boolean {
  if (ip.family !== c.family) return false;
  const width = BigInt(c.family === 4 ? 32 : 128);
  const shift = width - BigInt(c.bits);
  return ip.value >> shift === c.value >> shift;
}

/**
 * The IPv4 address an IPv6 one stands for, classified as that IPv4 address: mapped
 * (`::ffff:a.b.c.d`), the deprecated compatible form (`::a.b.c.d`) and the well-known NAT64
 * prefix (`64:ff9b::/96`, which DNS64 gives IPv6-only hosts for every public IPv4 host).
 * Other prefixes that carry IPv4 (local-use NAT64, 6to4, Teredo, translated) are refused whole.
 */
function carriedV4(addr: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = addr.parts;
  const low = ipaddr.IPv4.parse(`${p[6] >> 8}.${p[6] & 255}.${p[7] >> 8}.${p[7] & 255}`);
  if (addr.range() === 'ipv4Mapped') return low;
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7] > 1)) return low;
  if (p[0] === 0x64 && p[1] === 0xff9b && p.slice(2, 6).every((x) => x === 0)) return low;
  return undefined;
}

function parsedAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const s = (address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address).replace(/%.*$/, '');
  if (!net.isIP(s)) return undefined;
  return ipaddr.parse(s);
}

/** The ipaddr.js range of an address as it is classified (`unicast` for a public one). */
export function addressRange(address: string): string {
  const parsed = parsedAddress(address);
  if (!parsed) return 'invalid';
  const v4 = parsed.kind() === 'ipv6' ? carriedV4(parsed as ipaddr.IPv6) : undefined;
  return (v4 ?? parsed).range();
}

/**
 * Why an address is not a public one, or undefined when it is: whatever ipaddr.js does not
 * classify as `unicast` is refused (IPv4 carried in IPv6 counts as that IPv4 address).
 */
export function addressRisk(address: string): AddressRisk | undefined {
  const parsed = parsedAddress(address);
  if (!parsed) return 'reserved';
  const v4 = parsed.kind() === 'ipv6' ? carriedV4(parsed as ipaddr.IPv6) : undefined;
  const ip = v4 ?? parsed;
  if (METADATA.has(ip.toNormalizedString()) || METADATA.has(ip.toString())) return 'metadata';
  const range = ip.range();
  if (range === 'unicast') return undefined;
  return RANGE_RISK[range] ?? 'reserved';
}

type AllowEntry =
  | { kind: 'host'; host: string; wildcard: boolean; port?: number }
  | { kind: 'cidr'; cidr: Cidr; port?: number };

function portOf(text: string | undefined, entry: string, index: number, list: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n < 1 || n > 65535) throw badEntry(entry, index, 'the port must be 1-65535', list);
  return n;
}

function badEntry(entry: string, index: number, why: string, list = 'PATCHBAY_OUTBOUND_ALLOWLIST'): ConnectorError {
  return new ConnectorError({ kind: 'config', origin: 'caller', message: `${list} entry ${index + 1} ("${entry}"): ${why}` });
}

function parseEntry(raw: string, index: number, list = 'PATCHBAY_OUTBOUND_ALLOWLIST'): AllowEntry {
  const entry = raw.trim().toLowerCase();
  if (entry.includes('/')) {
    const cidr = parseCidr(entry);
    if (!cidr) throw badEntry(raw, index, 'not a valid CIDR block', list);
    return { kind: 'cidr', cidr };
  }
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    const ip = parseIp(bracketed[1]);
    if (!ip) throw badEntry(raw, index, 'not a valid IPv6 address', list);
    return { kind: 'cidr', cidr: { ...ip, bits: 128 }, port: portOf(bracketed[2], raw, index, list) };
  }
  const whole = parseIp(entry);
  if (whole) return { kind: 'cidr', cidr: { ...whole, bits: whole.family === 4 ? 32 : 128 } };
  const m = /^(\*\.)?([a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?)(?::(\d+))?$/.exec(entry);
  if (!m) throw badEntry(raw, index, 'expected a host name, host:port, an IP address or a CIDR block', list);
  const host = m[2].replace(/\.$/, '');
  const ip = parseIp(host);
  const port = portOf(m[3], raw, index, list);
  if (ip) return { kind: 'cidr', cidr: { ...ip, bits: ip.family === 4 ? 32 : 128 }, port };
  return { kind: 'host', host, wildcard: m[1] !== undefined, port };
}

/** A plain-http entry names one host (optionally with port): no wildcards, no ranges. */
function parseHttpEntry(raw: string, index: number): AllowEntry {
  const list = 'PATCHBAY_ALLOW_HTTP_HOSTS';
  const entry = parseEntry(raw, index, list);
  const full = entry.kind === 'cidr' && entry.cidr.bits === (entry.cidr.family === 4 ? 32 : 128);
  if ((entry.kind === 'host' && entry.wildcard) || (entry.kind === 'cidr' && !full)) {
    throw badEntry(raw, index, 'expected a host name or IP address, optionally with :port (no wildcards or CIDR blocks)', list);
  }
  return entry;
}

/** `PATCHBAY_ALLOW_PRIVATE_NETWORKS`, `PATCHBAY_OUTBOUND_ALLOWLIST` and `PATCHBAY_ALLOW_HTTP_HOSTS` (lists comma or space separated). */
export function outboundPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): OutboundPolicy {
  const flag = (env.PATCHBAY_ALLOW_PRIVATE_NETWORKS ?? '').trim().toLowerCase();
  const list = (v: string | undefined) => (v ?? '').split(/[\s,]+/).filter(Boolean);
  return { allowPrivate: ['1', 'true', 'yes', 'on'].includes(flag), allowlist: list(env.PATCHBAY_OUTBOUND_ALLOWLIST), allowHttp: list(env.PATCHBAY_ALLOW_HTTP_HOSTS) };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;
type LookupFunction = (hostname: string, options: dns.LookupOptions | number, callback: LookupCallback) => void;

const bare = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).replace(/\.$/, '').toLowerCase();

export class OutboundGuard {
  private readonly entries: AllowEntry[];
  private readonly httpEntries: AllowEntry[];

  constructor(readonly policy: OutboundPolicy = {}) {
    this.httpEntries = (policy.allowHttp ?? []).map((e, i) => parseHttpEntry(e, i));
    // A listed IP address is exactly what gets dialled, so it is exempt from the address rules
    // too; a listed name only relaxes the scheme, since its DNS answers may change.
    this.entries = [...(policy.allowlist ?? []).map((e, i) => parseEntry(e, i)), ...this.httpEntries.filter((e) => e.kind === 'cidr')];
  }

  /** Whether plain http to this URL host and port is allowed (the host as written, not what it resolves to). */
  httpAllowed(host: string, port: number): boolean {
    const h = bare(host);
    const ip = parseIp(h);
    return this.httpEntries.some((e) => {
      if (e.port !== undefined && e.port !== port) return false;
      if (e.kind === 'host') return h === e.host;
      return ip !== undefined && inCidr(ip, e.cidr);
    });
  }

  /** The plain-http refusal for a URL, or undefined when it is https or its host is allowed over http. */
  insecureRefusal(url: string): ConnectorError | undefined {
    const u = new URL(url);
    if (u.protocol !== 'http:') return undefined;
    const port = Number(u.port || 80);
    return this.httpAllowed(u.hostname, port) ? undefined : insecureUrlError(httpOrigin(u.hostname, port));
  }

  private hostAllowed(host: string, port: number): boolean {
    const h = bare(host);
    return this.entries.some((e) => e.kind === 'host' && (e.port === undefined || e.port === port) && (e.wildcard ? h.endsWith(`.${e.host}`) : h === e.host));
  }

  private addressAllowed(address: string, port: number): boolean {
    const ip = parseIp(address);
    if (!ip) return false;
    const forms = [ip, embeddedV4(ip)].filter((x): x is Ip => x !== undefined);
    return this.entries.some((e) => e.kind === 'cidr' && (e.port === undefined || e.port === port) && forms.some((f) => inCidr(f, e.cidr)));
  }

  /** The refusal for dialling `address` (resolved from `host`), or undefined when it is allowed. */
  refusal(host: string, port: number, address: string): ConnectorError | undefined {
    if (this.hostAllowed(host, port) || this.addressAllowed(address, port)) return undefined;
    const risk = addressRisk(address);
    if (!risk || (risk !== 'metadata' && this.policy.allowPrivate)) return undefined;
    const ip = parseIp(address);
    const v4 = ip && embeddedV4(ip);
    const shown = v4 ? `${bare(address)} (IPv4 ${formatV4(v4.value)})` : bare(address);
    const target = bare(host) === bare(address) ? '' : ` (resolved from ${bare(host)})`;
    const how = risk === 'metadata'
      ? 'add the address to PATCHBAY_OUTBOUND_ALLOWLIST to allow'
      : 'set PATCHBAY_ALLOW_PRIVATE_NETWORKS=true to allow (or list it in PATCHBAY_OUTBOUND_ALLOWLIST)';
    return new ConnectorError({
      kind: 'config', origin: 'connection',
      message: `outbound connection refused: address ${shown}${target} is ${risk === 'reserved' ? `reserved (${addressRange(address)})` : DESCRIBE[risk]}; ${how}`,
      retryable: false,
    });
  }

  check(host: string, port: number, address: string): void {
    const r = this.refusal(host, port, address);
    if (r) throw r;
  }

  /**
   * A `lookup` for net/tls that refuses the connection when any resolved address is refused,
   * then when `after` (the plain-http rule) refuses it: the address reason comes first.
   */
  lookupFor(host: string, port: number, base: LookupFunction = dns.lookup as unknown as LookupFunction, after?: () => ConnectorError | undefined): LookupFunction {
    return (hostname, options, callback) => {
      base(hostname, options, (err, address, family) => {
        if (err) return callback(err, address, family);
        const list = Array.isArray(address) ? address.map((a) => a.address) : [address];
        for (const a of list) {
          const refused = this.refusal(host, port, a) ?? after?.();
          if (refused) return callback(refused as unknown as NodeJS.ErrnoException, Array.isArray(address) ? [] : '', family);
        }
        callback(null, address, family);
      });
    };
  }

  /**
   * Makes an agent check every socket it opens: IP-literal hosts directly (net skips the
   * lookup for them), names through the guarded lookup. An agent that is not a TLS one opens
   * plain http sockets, for first requests and redirects alike, so it also applies the
   * plain-http rule; either way the refusal comes before a connection is attempted.
   */
  guardAgent<A extends http.Agent>(agent: A): A {
    const target = agent as unknown as { createConnection(options: any, cb: (err: Error | null, socket?: unknown) => void): unknown };
    const original = target.createConnection.bind(agent);
    const plain = !(agent instanceof https.Agent);
    target.createConnection = (options: any, cb) => {
      const host = String(options.host ?? options.hostname ?? 'localhost');
      const port = Number(options.port ?? (agent as { defaultPort?: number }).defaultPort ?? 80);
      const insecure = () => (plain && !this.httpAllowed(host, port) ? insecureUrlError(httpOrigin(host, port)) : undefined);
      const refuse = (refused: ConnectorError) => {
        // The agent reports an error passed to the callback on the request (see Agent#createSocket).
        process.nextTick(() => cb(refused));
        return undefined;
      };
      if (net.isIP(bare(host))) {
        const refused = this.refusal(host, port, bare(host)) ?? insecure();
        return refused ? refuse(refused) : original(options, cb);
      }
      if (this.hostAllowed(host, port)) {
        const refused = insecure();
        return refused ? refuse(refused) : original(options, cb);
      }
      return original({ ...options, lookup: this.lookupFor(host, port, options.lookup, insecure) }, cb);
    };
    return agent;
  }

  /** Resolves a URL's host now and throws if it is refused: an early, friendly check (the socket check still applies). */
  async checkUrl(url: string): Promise<void> {
    const u = new URL(url);
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    const host = bare(u.hostname);
    if (!this.hostAllowed(host, port)) {
      const addresses = net.isIP(host) ? [host] : (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
      for (const a of addresses) this.check(host, port, a);
    }
    const insecure = this.insecureRefusal(url);
    if (insecure) throw insecure;
  }
}

export function createOutboundGuard(policy: OutboundPolicy = {}): OutboundGuard {
  return new OutboundGuard(policy);
}

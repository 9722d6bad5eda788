/**
 * The address a request came from, for limits on unauthenticated traffic. It is the
 * socket's peer unless the operator names the proxies in front of the runtime
 * (`PATCHBAY_TRUSTED_PROXIES`, CIDRs): only then does `X-Forwarded-For` count, read from
 * the right and only as far as the hops are trusted, since anything left of the first
 * untrusted hop was written by the sender. IPv6 senders are keyed by their /64, the block
 * one subscriber gets, so rotating through a prefix does not buy fresh budgets.
 */
import ipaddr from 'ipaddr.js';
import { ConnectorError } from '../../core/errors.js';

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

function parseIp(text: string): Ip | undefined {
  const t = text.trim().replace(/^\[(.*)\](?::\d+)?$/, '$1');
  // A forwarded IPv4 hop may carry a port (`1.2.3.4:5678`).
  const v = /^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(t) ? t.slice(0, t.lastIndexOf(':')) : t;
  if (!ipaddr.isValid(v)) return undefined;
  // `::ffff:1.2.3.4` (a dual-stack socket) is the IPv4 sender it maps.
  return ipaddr.process(v);
}

export class TrustedProxies {
  private constructor(private readonly ranges: Array<[Ip, number]>) {}

  static readonly none = new TrustedProxies([]);

  /** CIDRs or single addresses, comma- or space-separated; `name` is where they came from, for the error. */
  static parse(list: string | readonly string[] | undefined, name = 'PATCHBAY_TRUSTED_PROXIES'): TrustedProxies {
    const items = (typeof list === 'string' ? list.split(/[\s,]+/) : [...(list ?? [])]).map((s) => s.trim()).filter(Boolean);
    const ranges: Array<[Ip, number]> = [];
    for (const item of items) {
      try {
        if (item.includes('/')) {
          const [addr, bits] = ipaddr.parseCIDR(item);
          ranges.push(addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96] : [addr, bits]);
        } else {
          const addr = parseIp(item);
          if (!addr) throw new Error('not an address');
          ranges.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
        }
      } catch {
        throw new ConnectorError({ kind: 'config', origin: 'caller', message: `${name}: "${item}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, ::1)` });
      }
    }
    return new TrustedProxies(ranges);
  }

  get empty(): boolean {
    return this.ranges.length === 0;
  }

  trusts(addr: Ip): boolean {
    return this.ranges.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
  }
}

/** The sender's address: the socket peer, or the nearest untrusted hop of X-Forwarded-For behind trusted proxies. */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): Ip | undefined {
  let current = socketAddress ? parseIp(socketAddress) : undefined;
  if (!current || trusted.empty || forwardedFor === undefined) return current;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  while (current && trusted.trusts(current) && hops.length) {
    const next = parseIp(hops.pop()!);
    // A malformed hop was not written by a proxy we trust: the last trusted one is the sender.
    if (!next) break;
    current = next;
  }
  return current;
}

/** The budget key for an address: IPv4 whole, IPv6 by its /64. */
export function addressKey(addr: Ip | undefined): string {
  if (!addr) return 'unknown';
  if (addr.kind() === 'ipv4') return addr.toString();
  const p = (addr as ipaddr.IPv6).parts;
  return `${p.slice(0, 4).map((n) => n.toString(16)).join(':')}::/64`;
}

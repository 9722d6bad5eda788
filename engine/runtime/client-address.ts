/**
 * The source address of a request, for limits that apply before anyone is authenticated.
 * It is the socket's peer, unless that peer is a proxy the operator trusts
 * (`PATCHBAY_TRUSTED_PROXIES`, comma-separated CIDRs or addresses, default none): then the
 * `X-Forwarded-For` chain is read from the right, skipping trusted hops, and the first
 * address not trusted is the client. Headers from anyone else are ignored, so a client
 * cannot pick its own address by sending them.
 */
import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface TrustedProxies {
  ranges: readonly Range[];
}

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`, what a dual-stack socket reports) as plain IPv4. */
function parse(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const t = text.trim().replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(t)) return undefined;
  const a = ipaddr.parse(t);
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
}

/** Parses the list; a malformed entry is a configuration error worth failing the start for. */
export function parseTrustedProxies(list: string | undefined): TrustedProxies {
  const ranges: Range[] = [];
  for (const raw of (list ?? '').split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    try {
      if (entry.includes('/')) ranges.push(ipaddr.parseCIDR(entry));
      else {
        const a = parse(entry);
        if (!a) throw new Error('not an address');
        ranges.push([a, a.kind() === 'ipv4' ? 32 : 128]);
      }
    } catch {
      throw new Error(`PATCHBAY_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
    }
  }
  return { ranges };
}

function trusted(addr: ipaddr.IPv4 | ipaddr.IPv6, proxies: TrustedProxies): boolean {
  return proxies.ranges.some(([net, bits]) => addr.kind() === net.kind() && addr.match(net as never, bits));
}

/** The client address as text (normalised), or `unknown` when the socket has none. */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, proxies: TrustedProxies): string {
  const peer = socketAddress ? parse(socketAddress) : undefined;
  if (!peer) return 'unknown';
  if (proxies.ranges.length === 0 || !trusted(peer, proxies) || !forwardedFor) return peer.toString();
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parse(hops[i]);
    // A malformed hop was written by someone untrusted: stop at the last good address.
    if (!hop) break;
    if (!trusted(hop, proxies)) return hop.toString();
  }
  return peer.toString();
}

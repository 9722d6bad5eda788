/**
 * Item 21: every special-purpose range is refused, whatever form the address takes, and the
 * refusal holds on a real socket (an IP literal in a URL is dialled without DNS).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressRisk, createOutboundGuard } from '../../engine/run/http/outbound-guard.js';
import type { Engine } from '../../engine/run/engine.js';
import { failure } from '../engine/helpers.js';
import { startServer, type TestServer } from '../paginate/helpers.js';
import { probeEngines, probePlan } from '../outbound/helpers.js';

// [range, an address in it, the risk]
const REFUSED: ReadonlyArray<readonly [string, string, string]> = [
  ['64:ff9b:1::/48 (local-use NAT64)', '64:ff9b:1::a00:1', 'reserved'],
  ['64:ff9b:1::/48 (local-use NAT64), public v4 inside', '64:ff9b:1::808:808', 'reserved'],
  ['::ffff:0:0:0/96 (IPv4-translated)', '::ffff:0:7f00:1', 'reserved'],
  ['::ffff:0:0:0/96 (IPv4-translated), public v4 inside', '::ffff:0:808:808', 'reserved'],
  ['2002::/16 (6to4)', '2002:7f00:1::1', 'reserved'],
  ['2002::/16 (6to4), public v4 inside', '2002:808:808::1', 'reserved'],
  ['2001::/32 (Teredo)', '2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
  ['100::/64 (discard)', '100::1', 'reserved'],
  ['2001:db8::/32 (documentation)', '2001:db8::1', 'reserved'],
  ['2001:2::/48 (benchmarking)', '2001:2::1', 'reserved'],
  ['192.0.2.0/24 (TEST-NET-1)', '192.0.2.10', 'reserved'],
  ['198.51.100.0/24 (TEST-NET-2)', '198.51.100.7', 'reserved'],
  ['203.0.113.0/24 (TEST-NET-3)', '203.0.113.200', 'reserved'],
  ['192.88.99.0/24 (6to4 relay anycast)', '192.88.99.1', 'reserved'],
  ['198.18.0.0/15 (benchmarking)', '198.19.255.1', 'reserved'],
  ['240.0.0.0/4', '250.1.2.3', 'reserved'],
  ['255.255.255.255/32 (broadcast)', '255.255.255.255', 'reserved'],
  ['0.0.0.0/8', '0.1.2.3', 'unspecified'],
  ['127.0.0.0/8', '127.8.9.10', 'loopback'],
  ['10.0.0.0/8', '10.200.0.1', 'private'],
  ['172.16.0.0/12', '172.20.1.1', 'private'],
  ['192.168.0.0/16', '192.168.0.1', 'private'],
  ['100.64.0.0/10', '100.100.0.1', 'cgnat'],
  ['169.254.0.0/16', '169.254.3.4', 'link-local'],
  ['224.0.0.0/4', '239.1.1.1', 'multicast'],
  ['::/128', '::', 'unspecified'],
  ['::1/128', '::1', 'loopback'],
  ['fc00::/7', 'fd00::1', 'private'],
  ['fe80::/10', 'fe80::1', 'link-local'],
  ['fec0::/10', 'fec0::1', 'private'],
  ['ff00::/8', 'ff05::2', 'multicast'],
  // IPv4-mapped, compatible and well-known NAT64 forms of private IPv4 count as that IPv4.
  ['::ffff:0:0/96 mapped loopback', '::ffff:127.0.0.1', 'loopback'],
  ['::ffff:0:0/96 mapped private', '::ffff:192.168.1.1', 'private'],
  ['::ffff:0:0/96 mapped TEST-NET-1', '::ffff:192.0.2.1', 'reserved'],
  ['::ffff:0:0/96 mapped CGNAT (hex form)', '::ffff:6440:1', 'cgnat'],
  ['::/96 compatible loopback', '::127.0.0.1', 'loopback'],
  ['64:ff9b::/96 NAT64 of private', '64:ff9b::10.0.0.1', 'private'],
  ['64:ff9b::/96 NAT64 of metadata', '64:ff9b::169.254.169.254', 'metadata'],
  ['metadata', '169.254.169.254', 'metadata'],
  ['metadata mapped', '::ffff:169.254.169.254', 'metadata'],
  ['metadata v6', 'fd00:ec2::254', 'metadata'],
];

const PUBLIC = ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2a00:1450:4001:80b::200e'];

describe('outbound address ranges', () => {
  it.each(REFUSED)('%s: %s is %s', (_range, address, risk) => {
    expect(addressRisk(address)).toBe(risk);
    const refusal = createOutboundGuard({}).refusal(address, 443, address);
    expect(refusal?.kind).toBe('config');
    expect(refusal?.message).toMatch(/^outbound connection refused: address /);
  });

  it.each(PUBLIC)('%s is public', (address) => {
    expect(addressRisk(address)).toBeUndefined();
    expect(createOutboundGuard({}).refusal(address, 443, address)).toBeUndefined();
  });

  it('names the range in the refusal, and the allowlist and allowPrivate still apply', () => {
    expect(createOutboundGuard({}).refusal('2001:db8::1', 443, '2001:db8::1')?.message).toContain('is reserved (reserved)');
    expect(createOutboundGuard({}).refusal('2002:808:808::1', 443, '2002:808:808::1')?.message).toContain('is reserved (6to4)');
    expect(createOutboundGuard({}).refusal('192.0.2.1', 443, '192.0.2.1')?.message).toContain('set PATCHBAY_ALLOW_PRIVATE_NETWORKS=true');
    expect(createOutboundGuard({ allowPrivate: true }).refusal('2002:808:808::1', 443, '2002:808:808::1')).toBeUndefined();
    expect(createOutboundGuard({ allowlist: ['192.0.2.0/24'] }).refusal('192.0.2.1', 443, '192.0.2.1')).toBeUndefined();
    expect(createOutboundGuard({ allowPrivate: true }).refusal('64:ff9b::a9fe:a9fe', 80, '64:ff9b::a9fe:a9fe')?.message).toContain('cloud metadata');
  });
});

describe('on the socket', () => {
  const probes = probeEngines(probePlan());
  let api: TestServer;
  let engine: Engine;
  beforeAll(async () => {
    api = await startServer(() => ({ body: { ok: true } }));
    engine = await probes.with({});
  });
  afterAll(async () => {
    await probes.close();
    await api.close();
  });

  it('refuses an IPv4-translated loopback literal before connecting', async () => {
    const before = api.seen.length;
    const port = new URL(api.url).port;
    for (const host of ['[::ffff:0:7f00:1]', '[64:ff9b:1::7f00:1]', '[2002:7f00:1::1]']) {
      const err = await failure(probes.call(engine, `http://${host}:${port}`, { id: `c-${host}` }));
      expect(err.kind, host).toBe('config');
      expect(err.message, host).toContain('outbound connection refused');
    }
    expect(api.seen.length).toBe(before);
  });
});

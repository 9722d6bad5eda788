import http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/core/errors.js';
import { addressRisk, createOutboundGuard, outboundPolicyFromEnv } from '../../engine/run/http/outbound-guard.js';
import { failure } from '../engine/helpers.js';
import { startServer, type TestServer } from '../paginate/helpers.js';
import { probeEngines, probePlan, scriptedLookup, startListener } from './helpers.js';

const probes = probeEngines(probePlan({ fallback: 'https://api.example.invalid' }));
const engineWith = probes.with;
const call = probes.call;

let api: TestServer;
let other: TestServer;

beforeAll(async () => {
  other = await startServer(() => ({ body: { where: 'other' } }));
  api = await startServer((req) => {
    if (req.path === '/data') return { body: { where: 'api' } };
    return { status: 302, headers: { location: `http://localhost:${new URL(other.url).port}/data` } };
  });
});

afterAll(async () => {
  await probes.close();
  await api.close();
  await other.close();
});

describe('address classification', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1%lo0', 'link-local'],
    ['ff02::1', 'multicast'],
  ])('%s is %s', (address, risk) => {
    expect(addressRisk(address)).toBe(risk);
  });

  it.each(['8.8.8.8', '172.32.0.1', '172.15.255.255', '100.128.0.1', '100.63.255.255', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    '%s is public',
    (address) => {
      expect(addressRisk(address)).toBeUndefined();
    },
  );
});

describe('policy', () => {
  it('reads the operator switches from the environment', () => {
    expect(outboundPolicyFromEnv({ PATCHBAY_ALLOW_PRIVATE_NETWORKS: 'true', PATCHBAY_OUTBOUND_ALLOWLIST: 'a.internal, 10.0.0.0/8 [::1]:9000' })).toEqual({
      allowPrivate: true,
      allowlist: ['a.internal', '10.0.0.0/8', '[::1]:9000'],
      allowHttp: [],
    });
    expect(outboundPolicyFromEnv({})).toEqual({ allowPrivate: false, allowlist: [], allowHttp: [] });
    expect(outboundPolicyFromEnv({ PATCHBAY_ALLOW_HTTP_HOSTS: '127.0.0.1, localhost:4050 [::1]:9000' }).allowHttp).toEqual(['127.0.0.1', 'localhost:4050', '[::1]:9000']);
    expect(outboundPolicyFromEnv({ PATCHBAY_ALLOW_PRIVATE_NETWORKS: 'no' }).allowPrivate).toBe(false);
  });

  it('rejects malformed allowlist entries, naming the entry', () => {
    expect(() => createOutboundGuard({ allowlist: ['ok.example', '10.0.0.0/40'] })).toThrow(/entry 2 \("10.0.0.0\/40"\): not a valid CIDR/);
    expect(() => createOutboundGuard({ allowlist: ['host:99999'] })).toThrow(/port must be 1-65535/);
    expect(() => createOutboundGuard({ allowlist: ['http://x/'] })).toThrow(ConnectorError);
  });

  it('matches allowlisted names, wildcards, ports, addresses and blocks', () => {
    const g = createOutboundGuard({ allowlist: ['svc.internal', '*.corp.example', 'db.local:5432', '10.0.0.0/8', '[::1]:9000', '192.168.1.5:8080'] });
    expect(g.refusal('svc.internal', 443, '127.0.0.1')).toBeUndefined();
    expect(g.refusal('a.b.corp.example', 80, '192.168.9.9')).toBeUndefined();
    expect(g.refusal('corp.example', 80, '192.168.9.9')).toBeInstanceOf(ConnectorError);
    expect(g.refusal('db.local', 5432, '127.0.0.1')).toBeUndefined();
    expect(g.refusal('db.local', 5433, '127.0.0.1')).toBeInstanceOf(ConnectorError);
    expect(g.refusal('x.example', 80, '10.9.8.7')).toBeUndefined();
    expect(g.refusal('x.example', 80, '::ffff:10.9.8.7')).toBeUndefined();
    expect(g.refusal('::1', 9000, '::1')).toBeUndefined();
    expect(g.refusal('::1', 9001, '::1')).toBeInstanceOf(ConnectorError);
    expect(g.refusal('192.168.1.5', 8080, '192.168.1.5')).toBeUndefined();
    expect(g.refusal('192.168.1.5', 8081, '192.168.1.5')).toBeInstanceOf(ConnectorError);
    expect(g.refusal('public.example', 443, '93.184.216.34')).toBeUndefined();
  });

  it('keeps metadata addresses refused under allowPrivate, unless listed by address', () => {
    const open = createOutboundGuard({ allowPrivate: true });
    expect(open.refusal('10.0.0.1', 80, '10.0.0.1')).toBeUndefined();
    const refused = open.refusal('169.254.169.254', 80, '169.254.169.254');
    expect(refused?.kind).toBe('config');
    expect(refused?.message).toBe('outbound connection refused: address 169.254.169.254 is a cloud metadata endpoint; add the address to PATCHBAY_OUTBOUND_ALLOWLIST to allow');
    expect(createOutboundGuard({ allowlist: ['169.254.169.254'] }).refusal('169.254.169.254', 80, '169.254.169.254')).toBeUndefined();
  });

  it('refuses a name when any of its addresses is refused (checked in the lookup)', async () => {
    const g = createOutboundGuard({});
    const fakeLookup = (_h: string, _o: unknown, cb: (e: Error | null, a: unknown, f?: number) => void) =>
      cb(null, [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }]);
    const result = await new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      g.lookupFor('mixed.example', 443, fakeLookup as never)('mixed.example', { all: true }, (err, address) => resolve({ err, address })),
    );
    expect(result.err).toBeInstanceOf(ConnectorError);
    expect(result.err?.message).toContain('address 10.0.0.7 (resolved from mixed.example) is private');
  });

  it('checkUrl resolves and checks before anything is sent', async () => {
    const g = createOutboundGuard({});
    await expect(g.checkUrl('http://localhost:1/x')).rejects.toThrow(/is loopback/);
    await expect(g.checkUrl('http://[::ffff:127.0.0.1]:1/')).rejects.toThrow('address ::ffff:7f00:1 (IPv4 127.0.0.1) is loopback');
    await expect(createOutboundGuard({ allowlist: ['localhost:1'] }).checkUrl('https://localhost:1/x')).resolves.toBeUndefined();
    // An allowlisted address is still not reached over plain http unless listed for it.
    await expect(createOutboundGuard({ allowlist: ['localhost:1'] }).checkUrl('http://localhost:1/x')).rejects.toThrow(/http:\/\/localhost:1 is plain http/);
    await expect(createOutboundGuard({ allowlist: ['localhost:1'], allowHttp: ['localhost:1'] }).checkUrl('http://localhost:1/x')).resolves.toBeUndefined();
  });
});

describe('the engine with the guard on', () => {
  it('refuses a loopback base URL before connecting, with a clear message', async () => {
    const before = api.seen.length;
    const e = await engineWith({});
    const err = await failure(call(e, api.url));
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('config');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('address 127.0.0.1 is loopback; set PATCHBAY_ALLOW_PRIVATE_NETWORKS=true to allow');
    expect(api.seen.length).toBe(before);
  });

  it('refuses a host name that resolves to loopback', async () => {
    const before = api.seen.length;
    const e = await engineWith({});
    const err = await failure(call(e, api.url.replace('127.0.0.1', 'localhost')));
    expect(err.kind).toBe('config');
    expect(err.message).toMatch(/address (127\.0\.0\.1|::1) \(resolved from localhost\) is loopback/);
    expect(api.seen.length).toBe(before);
  });

  it('refuses the cloud metadata address (and an IPv4-mapped loopback) without sending', async () => {
    const e = await engineWith({ allowPrivate: true });
    const err = await failure(call(e, 'http://169.254.169.254'));
    expect(err.message).toContain('address 169.254.169.254 is a cloud metadata endpoint');
    const guarded = await engineWith({});
    const mapped = await failure(call(guarded, `http://[::ffff:127.0.0.1]:${new URL(api.url).port}`));
    expect(mapped.message).toContain('address ::ffff:7f00:1 (IPv4 127.0.0.1) is loopback');
  });

  it('refuses a redirect from an allowed host to a private one', async () => {
    const beforeOther = other.seen.length;
    const e = await engineWith({ allowlist: [`127.0.0.1:${new URL(api.url).port}`], allowHttp: [`127.0.0.1:${new URL(api.url).port}`] });
    await expect(call(e, api.url)).resolves.toEqual({ where: 'api' });
    const err = await failure(e.call({ connector: 'probe', id: 'redir', config: { api_url: `${api.url}/r` } }, 'fetch'));
    expect(err.kind).toBe('config');
    expect(err.message).toMatch(/address (127\.0\.0\.1|::1) \(resolved from localhost\) is loopback/);
    expect(other.seen.length).toBe(beforeOther);
  });

  it('allows the same calls when the operator allows private networks (and plain http to these hosts)', async () => {
    const e = await engineWith({ allowPrivate: true, allowHttp: ['127.0.0.1', 'localhost'] });
    await expect(call(e, api.url)).resolves.toEqual({ where: 'api' });
    await expect(e.call({ connector: 'probe', id: 'redir-ok', config: { api_url: `${api.url}/r` } }, 'fetch')).resolves.toEqual({ where: 'other' });
  });

  it('leaves the embedded engine unguarded by default', async () => {
    const e = await engineWith(undefined);
    await expect(call(e, api.url)).resolves.toEqual({ where: 'api' });
  });
});

describe('https agents', () => {
  it('are guarded the same way, before any TLS handshake', async () => {
    const agent = createOutboundGuard({}).guardAgent(new https.Agent());
    const get = (host: string) =>
      new Promise<void>((resolve, reject) => {
        const req = https.get({ host, port: Number(new URL(api.url).port), path: '/', agent }, () => resolve());
        req.on('error', reject);
      });
    try {
      await expect(get('localhost')).rejects.toThrow(/\(resolved from localhost\) is loopback/);
      await expect(get('169.254.169.254')).rejects.toThrow('address 169.254.169.254 is a cloud metadata endpoint');
    } finally {
      agent.destroy();
    }
  });
});

describe('connect-time check (DNS rebinding)', () => {
  it('checks the address the lookup returned for this very connection', async () => {
    const server = await startListener('reached');
    const port = server.port;
    // A resolver that answers a public address first and loopback at connect time, as a rebinding DNS server would.
    const rebinding = scriptedLookup(['93.184.216.34'], ['127.0.0.1']);
    const get = (agent: http.Agent) =>
      new Promise<string>((resolve, reject) => {
        const req = http.get({ host: 'rebind.example', port, path: '/', agent, lookup: rebinding as never }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
      });
    try {
      const first = await new Promise<unknown>((resolve) => rebinding('rebind.example', {}, (_e, a) => resolve(a)));
      expect(first).toBe('93.184.216.34');
      // Plain http to the name is allowed in both, so only the address rule decides.
      const guarded = createOutboundGuard({ allowHttp: ['rebind.example'] }).guardAgent(new http.Agent());
      await expect(get(guarded)).rejects.toThrow(/address 127\.0\.0\.1 \(resolved from rebind\.example\) is loopback/);
      const open = createOutboundGuard({ allowPrivate: true, allowHttp: ['rebind.example'] }).guardAgent(new http.Agent());
      await expect(get(open)).resolves.toBe('"reached"');
      guarded.destroy();
      open.destroy();
    } finally {
      await server.close();
    }
  });
});

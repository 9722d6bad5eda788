/**
 * Every engine error says where it comes from, and the runtime answers by that origin rather
 * than by guessing from which fields are set. Over real sockets: a local HTTP server is the
 * provider, the runtime loads a small manifest from a temp directory, and each situation is
 * provoked once. The problem's status, type and code are the ones the runtime gave before
 * origins existed (they are asserted literally); the problem now also carries `origin`.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConnectorError, ERROR_ORIGINS, isConnectorError } from '../../engine/index.js';
import { toProblem } from '../../engine/runtime/problem.js';
import { reportError } from '../../cli/operation.js';
import { closedPort, startServer, type TestServer } from '../http/server.js';
import { startRuntime, type TestRuntime } from '../runtime/helpers.js';

const MANIFEST = `
patchbay: 1
id: origindemo
name: Origin demo
categories: [testing]
credentials:
  type: object
  required: [token]
  properties: { token: { type: string } }
auth: { type: api_key, in: header, name: X-Token, value: "{{credentials.token}}" }
http: { base_url: "https://origindemo.example.invalid", retry: { max_attempts: 1 } }
streams:
  things:
    primary_key: id
    request: { path: /things }
    records: items
actions:
  get_thing:
    input: { type: object, additionalProperties: false, required: [id], properties: { id: { type: string } } }
    request: { path: "/things/{{input.id}}" }
  broken_template:
    input: { type: object }
    request: { path: "/things/{{#if}}x{{/if}}" }
`;

describe('error origins over the runtime', () => {
  let dir: string;
  let provider: TestServer;
  let rt: TestRuntime;
  let key: string;
  let conn: string;
  let unreachable: string;

  async function connect(name: string, baseUrl: string, credentials: Record<string, unknown> = { token: 'tok_good' }) {
    return rt.call('POST', '/v1/connections', { key, body: { connector: 'origindemo', name, credentials, base_url: baseUrl, skip_check: true } });
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-origins-'));
    mkdirSync(path.join(dir, 'origindemo'));
    writeFileSync(path.join(dir, 'origindemo', 'connector.yaml'), MANIFEST);
    provider = await startServer((req) => {
      if (req.path === '/things/boom') return { status: 500, body: { error: { code: 'boom', message: 'the provider broke' } } };
      if (req.path === '/things') return { body: { items: [{ id: 'a' }, { id: 'b' }] } };
      return { body: { id: req.path.split('/').pop() } };
    });
    rt = await startRuntime({ connectorsDir: dir });
    key = await rt.keyFor('acme');
    const good = await connect('main', provider.url);
    expect(good.status, good.text).toBe(201);
    conn = good.body.id;
    const dead = await connect('dead', `http://127.0.0.1:${await closedPort()}`);
    expect(dead.status, dead.text).toBe(201);
    unreachable = dead.body.id;
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    await provider?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const action = (id: string, name: string, body: unknown) => rt.call('POST', `/v1/connections/${id}/actions/${name}`, { key, body });

  it('a provider 500 is the provider\'s: 502 provider_error', async () => {
    const res = await action(conn, 'get_thing', { id: 'boom' });
    expect(res.status, res.text).toBe(502);
    expect(res.body).toMatchObject({ type: 'urn:patchbay:problem:provider_error', code: 'provider_error', provider_status: 500, origin: 'provider' });
  });

  it('a provider nobody answers for is the provider\'s: 502 provider_unreachable', async () => {
    const res = await action(unreachable, 'get_thing', { id: 'x' });
    expect(res.status, res.text).toBe(502);
    expect(res.body).toMatchObject({ type: 'urn:patchbay:problem:provider_unreachable', code: 'provider_unreachable', origin: 'provider' });
    expect(res.body.provider_status).toBeUndefined();
  });

  it('action input that fails its schema is the caller\'s: 422 validation_failed', async () => {
    const before = provider.seen.length;
    const res = await action(conn, 'get_thing', { nope: 1 });
    expect(res.status, res.text).toBe(422);
    expect(res.body).toMatchObject({ type: 'urn:patchbay:problem:validation_failed', code: 'validation_failed', origin: 'caller' });
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('input.id');
    expect(provider.seen.length).toBe(before);
  });

  it('a cursor the API never handed out is the caller\'s: 400 invalid_cursor', async () => {
    const sync = await rt.call('POST', `/v1/connections/${conn}/streams/things/sync?wait=true`, { key });
    expect(sync.body, sync.text).toMatchObject({ status: 'success' });
    const res = await rt.call('GET', `/v1/connections/${conn}/streams/things/records?cursor=abc`, { key });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ type: 'urn:patchbay:problem:invalid_cursor', code: 'invalid_cursor', origin: 'caller', errors: [{ path: 'query.cursor' }] });
  });

  it('a connection without a required credential is the connection\'s: 422 invalid_connection', async () => {
    const res = await connect('no-token', provider.url, {});
    expect(res.status, res.text).toBe(422);
    expect(res.body).toMatchObject({ type: 'urn:patchbay:problem:invalid_connection', code: 'invalid_connection', origin: 'connection' });
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('credentials.token');
  });

  it('a connection that does not exist is the connection\'s (404 connection_not_found over HTTP)', async () => {
    const res = await action('conn_doesnotexist', 'get_thing', { id: 'x' });
    expect(res.status, res.text).toBe(404);
    expect(res.body).toMatchObject({ type: 'urn:patchbay:problem:connection_not_found', code: 'connection_not_found' });
    const err = await rt.running.app.runtime.services.platform.connections.resolve({ tenant: 'acme', id: 'conn_doesnotexist' }).then(() => undefined, (e: unknown) => e);
    expect(isConnectorError(err) && { kind: err.kind, origin: err.origin }).toEqual({ kind: 'not_found', origin: 'connection' });
  });

  it('a template that fails while rendering is the manifest\'s: 422 invalid_connection, nothing sent', async () => {
    const before = provider.seen.length;
    const res = await action(conn, 'broken_template', {});
    expect(res.status, res.text).toBe(422);
    expect(res.body).toMatchObject({ type: 'urn:patchbay:problem:invalid_connection', code: 'invalid_connection', origin: 'manifest' });
    expect(res.body.detail).toMatch(/Template actions\.broken_template\.request\.path failed/);
    expect(provider.seen.length).toBe(before);
  });
});

describe('the problem follows the origin, not the fields', () => {
  const request = { method: 'GET', url: 'https://api.example/things' };

  it('a non-provider error carrying a request is still local (the guess called it the provider\'s)', () => {
    const header = new ConnectorError({ kind: 'validation', origin: 'caller', message: 'header x holds a character that cannot be sent', request });
    expect(toProblem(header).body).toMatchObject({ status: 422, code: 'validation_failed', origin: 'caller' });
    const provider = new ConnectorError({ kind: 'validation', origin: 'provider', message: 'HTTP 400', status: 400, request });
    expect(toProblem(provider).body).toMatchObject({ status: 422, code: 'provider_validation', origin: 'provider', provider_status: 400 });
  });

  it('local and provider answers per kind', () => {
    for (const [kind, local, remote] of [['not_found', 'not_found', 'provider_not_found'], ['conflict', 'conflict', 'provider_conflict'], ['validation', 'validation_failed', 'provider_validation']] as const) {
      expect(toProblem(new ConnectorError({ kind, origin: 'connection', message: 'x' })).body.code).toBe(local);
      expect(toProblem(new ConnectorError({ kind, origin: 'provider', message: 'x' })).body.code).toBe(remote);
    }
  });

  it('kind internal is 500 internal, whoever misused what', () => {
    const closed = new ConnectorError({ kind: 'internal', origin: 'caller', message: 'The engine is closed' });
    expect(toProblem(closed)).toMatchObject({ status: 500, body: { code: 'internal', origin: 'caller' } });
  });

  it('origin is in toJSON and the CLI report', () => {
    const err = new ConnectorError({ kind: 'server', origin: 'provider', message: 'HTTP 500', status: 500 });
    expect(err.toJSON()).toMatchObject({ kind: 'server', origin: 'provider' });
    expect(ERROR_ORIGINS).toEqual(['provider', 'connection', 'manifest', 'caller', 'internal']);
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      reportError(err);
      expect(String(write.mock.calls[0][0])).toMatch(/^error \[server\] HTTP 500\n {2}origin: provider\n {2}status: 500\n$/);
    } finally {
      write.mockRestore();
    }
  });
});

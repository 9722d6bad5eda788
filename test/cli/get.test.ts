/**
 * `patchbay get <connector> <stream> <id>` (issue 13 item 5), the built CLI against a local
 * server answering QuickBooks' read-by-id shape (`{ "Customer": {…} }`; a missing id a 400
 * Fault with code 610, https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer#read-a-customer).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from './helpers.js';

const MANIFEST = `patchbay: 1
id: qbget
name: QuickBooks get
config:
  type: object
  required: [realm_id]
  properties:
    realm_id: { type: string }
credentials:
  type: object
  required: [token]
  properties:
    token: { type: string }
auth: { type: bearer }
http:
  base_url: https://quickbooks.api.intuit.com
  query: { minorversion: 75 }
  retry: { max_attempts: 1 }
  errors: { message: "Fault.Error[0].Message", code: "Fault.Error[0].code", kinds: { "610": not_found } }
streams:
  customers:
    request: { path: "/v3/company/{{config.realm_id}}/query" }
    records: QueryResponse.Customer
    primary_key: id
    mapping: "{ 'id': Id, 'name': DisplayName }"
    get:
      request: { path: "/v3/company/{{config.realm_id}}/customer/{{id}}" }
      record: Customer
`;

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

describe('patchbay get', () => {
  let dir: string;
  let server: http.Server;
  let url: string;
  const seen: string[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-get-'));
    mkdirSync(path.join(dir, 'connectors', 'qbget'), { recursive: true });
    writeFileSync(path.join(dir, 'connectors', 'qbget', 'connector.yaml'), MANIFEST);
    server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      const ok = req.headers.authorization === 'Bearer tok-5ecret-7f3a' && req.url === '/v3/company/9130/customer/58?minorversion=75';
      res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok
        ? { Customer: { Id: '58', DisplayName: 'Bill’s Windsurf Shop', SyncToken: '3' }, time: '2026-12-03T10:00:00.000-08:00' }
        : { Fault: { Error: [{ Message: 'Object Not Found', code: '610' }], type: 'ValidationFault' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 300_000);
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const args = (id: string, ...more: string[]) => ['get', 'qbget', 'customers', id, '--config', '{"realm_id":"9130"}', '--credentials', '{"token":"tok-5ecret-7f3a"}', '--base-url', url, ...more];

  it('prints the mapped record, or with --raw the provider\'s', async () => {
    const mapped = await run(args('58'), dir);
    expect(mapped.code, mapped.stderr).toBe(0);
    expect(JSON.parse(mapped.stdout)).toEqual({ id: '58', name: 'Bill’s Windsurf Shop' });
    const raw = await run(args('58', '--raw'), dir);
    expect(JSON.parse(raw.stdout)).toEqual({ Id: '58', DisplayName: 'Bill’s Windsurf Shop', SyncToken: '3' });
  });

  it('a missing record exits 1 saying not_found with the provider\'s message, and never prints the token', async () => {
    const gone = await run(args('999'), dir);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toBe('');
    expect(gone.stderr).toMatch(/not_found/);
    expect(gone.stderr).toMatch(/Object Not Found/);
    expect(gone.stderr + gone.stdout).not.toContain('tok-5ecret-7f3a');
  });
});

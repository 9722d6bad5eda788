/**
 * Item 25: client credentials in HTTP Basic are form-encoded before base64 (RFC 6749
 * §2.3.1), against a local token endpoint that decodes them as the RFC says.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestToken } from '../../engine/components/auth/oauth2-token.js';
import { createHttpClient } from '../../engine/run/http/client.js';
import { compile } from '../engine/helpers.js';

let server: http.Server;
let url: string;
const seen: Array<{ id: string; secret: string }> = [];
const client = createHttpClient();

/** RFC 6749 §2.3.1: base64, split at the first ':', then form-decode each half. */
const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const raw = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
    const i = raw.indexOf(':');
    seen.push({ id: formDecode(raw.slice(0, i)), secret: formDecode(raw.slice(i + 1)) });
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ access_token: 'at-1', token_type: 'bearer' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  client.close();
  await new Promise((r) => server.close(r));
});

const plan = compile(`
patchbay: 1
id: basicidp
name: Basic IdP
config: { type: object, properties: { base: { type: string } } }
auth:
  default: cc
  methods:
    cc:
      type: oauth2
      grant: client_credentials
      token_url: '{{config.base}}/token'
      client_auth: basic
http: { base_url: '{{config.base}}' }
actions:
  a: { request: { path: /x }, output: "$" }
`, '/virtual/connectors/basicidp/connector.yaml');

describe('client_auth: basic', () => {
  it.each([
    ['id:with:colons', 'sec:ret'],
    ['a+b', 'p+q%20r'],
    ['space id', 'sp ace  secret'],
    ['ünïcødé-客户', '秘密-🔑'],
    ["!'()*~", '%%%'],
  ])('%j / %j arrive intact', async (id, secret) => {
    const method = plan.auth.methods.cc;
    const r = await requestToken({ method, endpoint: 'token_url', params: { grant_type: 'client_credentials' }, clientId: id, clientSecret: secret, http: client, template: { config: { base: url }, credentials: {}, settings: {} } });
    expect(r.accessToken).toBe('at-1');
    expect(seen.at(-1)).toEqual({ id, secret });
  });
});

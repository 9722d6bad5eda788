import { describe, expect, it } from 'vitest';
import { startScriptedServer, UNEXPECTED_STATUS } from '../../engine/testing/server.js';
import { scriptedServerPerTest } from './scripted.js';

const play = scriptedServerPerTest();

const form = (body: string, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body,
});

describe('scripted server', () => {
  it('matches a form body as a flat map of decoded pairs, repeated keys as lists', async () => {
    const s = await play([
      { request: { method: 'POST', path: '/v1/customers', form: { email: 'a@b.c', 'metadata[plan]': 'pro', 'expand[]': ['x', 'y'] } }, response: { body: { id: 'cus_1' } } },
      { request: { method: 'POST', path: '/v1/customers', body: { amount: 2000, 'metadata[plan]': 'pro' } }, response: { body: { id: 'cus_2' } } },
    ]);
    const r1 = await fetch(`${s.url}/v1/customers`, form('email=a%40b.c&metadata%5Bplan%5D=pro&expand%5B%5D=x&expand%5B%5D=y'));
    expect(await r1.json()).toEqual({ id: 'cus_1' });
    // `body` on a form request compares the decoded pairs; YAML numbers count as their text.
    const r2 = await fetch(`${s.url}/v1/customers`, form('amount=2000&metadata[plan]=pro'));
    expect(r2.status).toBe(200);
    expect(s.failures).toEqual([]);
    expect(s.unused()).toEqual([]);
  });

  it('reports a wrong form value field by field', async () => {
    const s = await play([{ request: { method: 'POST', path: '/c', form: { a: '1', 'expand[]': ['x', 'y'] } }, response: {} }]);
    const res = await fetch(`${s.url}/c`, form('a=2&expand[]=x'));
    expect(res.status).toBe(UNEXPECTED_STATUS);
    expect(s.failures).toEqual([
      'request #1 POST /c does not match exchange #1 (POST /c):\n    form.a: expected "1", got "2"\n    form.expand[]: expected ["x","y"], got "x"',
    ]);
  });

  it('compares JSON bodies structurally and the path as sent, percent-encoding included', async () => {
    const s = await play([{ request: { method: 'PATCH', path: '/items/a%2Fb', body: { b: [1, { c: true }], a: 'x' } }, response: { status: 204 } }]);
    const ok = await fetch(`${s.url}/items/a%2Fb`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"a":"x","b":[1,{"c":true}]}' });
    expect(ok.status).toBe(204);
    expect(s.failures).toEqual([]);

    const s2 = await startScriptedServer([{ request: { method: 'PATCH', path: '/items/a%2Fb', body: { b: [1, { c: true }] } }, response: {} }]);
    try {
      await fetch(`${s2.url}/items/a/b`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"b":[1,{"c":false}],"d":1}' });
      expect(s2.failures[0].split('\n').slice(1)).toEqual([
        '    path: expected "/items/a%2Fb", got "/items/a/b"',
        '    body.b[1].c: expected true, got false',
        '    body.d: expected (absent), got 1',
      ]);
    } finally {
      await s2.close();
    }
  });

  it('checks chosen headers case-insensitively, null meaning absent, and exact query params', async () => {
    const s = await play([
      { request: { method: 'GET', path: '/q', query: { ids: ['1', '2'], q: 'a b' }, headers: { 'X-Api-Key': 'k', Cookie: null } }, response: { body: [] } },
      { request: { method: 'GET', path: '/q', query: { ids: '1' }, headers: { cookie: null } }, response: { body: [] } },
    ]);
    expect((await fetch(`${s.url}/q?ids=1&q=a+b&ids=2`, { headers: { 'x-api-key': 'k' } })).status).toBe(200);
    expect(s.failures).toEqual([]);
    expect((await fetch(`${s.url}/q?ids=1&ids=2&extra=`, { headers: { cookie: 'sid=1' } })).status).toBe(UNEXPECTED_STATUS);
    expect(s.failures[0].split('\n').slice(1)).toEqual([
      '    query.ids: expected "1", got ["1","2"]',
      '    query.extra: not expected, got ""',
      '    headers.cookie: expected absent, got "sid=1"',
    ]);
    expect(s.unused()).toEqual([]);
  });

  it('answers with status, headers, {{base_url}} substituted in headers and body strings, raw bodies as is, after a delay', async () => {
    const s = await play([
      {
        request: { method: 'GET', path: '/a' },
        response: { status: 202, headers: { Link: '<{{base_url}}/a?page=2>; rel="next"' }, body: { next: '{{base_url}}/a?page=2', list: ['{{base_url}}'], n: 1 } },
      },
      { request: { method: 'GET', path: '/raw' }, response: { raw: 'plain {{base_url}}', headers: { 'Content-Type': 'text/plain' }, delay_ms: 50 } },
    ]);
    const a = await fetch(`${s.url}/a`);
    expect(a.status).toBe(202);
    expect(a.headers.get('content-type')).toBe('application/json');
    expect(a.headers.get('link')).toBe(`<${s.url}/a?page=2>; rel="next"`);
    expect(await a.json()).toEqual({ next: `${s.url}/a?page=2`, list: [s.url], n: 1 });
    const started = Date.now();
    const raw = await fetch(`${s.url}/raw`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(raw.headers.get('content-type')).toBe('text/plain');
    expect(await raw.text()).toBe('plain {{base_url}}');
  });

  it('records unexpected and unmatched requests, and lists unused exchanges', async () => {
    const s = await play([
      { request: { method: 'GET', path: '/one' }, response: {} },
      { request: { method: 'DELETE', path: '/two' }, response: {} },
      { request: { method: 'GET', path: '/three' }, response: {} },
    ]);
    await fetch(`${s.url}/one`);
    await fetch(`${s.url}/two`);
    expect(s.failures).toEqual(['request #2 GET /two does not match exchange #2 (DELETE /two):\n    method: expected DELETE, got GET']);
    // The mismatched exchange counts as attempted; only the one after it is unused.
    expect(s.unused()).toEqual(['1 exchange(s) never requested: #3 GET /three']);

    const t = await startScriptedServer([]);
    try {
      expect((await fetch(`${t.url}/x?y=1`, { method: 'POST', body: 'z' })).status).toBe(UNEXPECTED_STATUS);
      expect(t.failures).toEqual(['unexpected request #1 POST /x?y=1: all 0 exchange(s) were already used']);
    } finally {
      await t.close();
    }
  });
});

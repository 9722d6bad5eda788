/**
 * Issue 10, item 14: a template value is encoded for the place it lands in. A `url:` template
 * used to insert values as they were, so `?t={{state.cursor}}` with cursor `a&b=c/d` sent
 * `?t=a&b=c%2Fd` (an extra parameter `b`); an inline query in a `path:` refused `.`/`..` and
 * empty values as if they were path segments. The server below records `req.url` undecoded,
 * so the assertions are on the bytes that crossed the socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine/run/engine.js';
import { ConnectorError } from '../../engine/core/errors.js';
import { compile, failure } from '../engine/helpers.js';
import { startServer, type TestServer } from '../http/server.js';

const MANIFEST = `
patchbay: 1
id: esc
name: Escaping
config:
  type: object
  properties:
    api: { type: string }
    host: { type: string }
auth: { type: bearer }
http:
  base_url: http://unused.invalid
  retry: { max_attempts: 1 }
actions:
  by_path:
    input: { type: object, properties: { id: { type: string }, q: { type: string } } }
    request: { path: "/items/{{input.id}}?q={{input.q}}&fixed=1" }
  by_url:
    input: { type: object, properties: { id: { type: string }, q: { type: string } } }
    request: { url: "{{config.api}}/items/{{input.id}}?q={{input.q}}&fixed=1" }
  by_host:
    input: { type: object, properties: { id: { type: string }, q: { type: string } } }
    request: { url: "http://{{config.host}}/items/{{input.id}}?q={{input.q}}" }
  by_map:
    input: { type: object, properties: { id: { type: string }, q: { type: string } } }
    request: { path: "/items/{{input.id}}", query: { q: "{{input.q}}" } }
  pre_encoded:
    input: { type: object, properties: { tail: { type: string }, qs: { type: string }, q: { type: string } } }
    request: { url: "{{config.api}}/raw/{{{input.tail}}}?{{{input.qs}}}&u={{urlencode input.q}}" }
  optional:
    input: { type: object, properties: { q: { type: string }, f: { type: string } } }
    request: { url: "{{config.api}}/opt{{#if input.q}}?q={{input.q}}{{/if}}#{{input.f}}" }
  noted:
    input: { type: object, properties: { note: { type: string } } }
    request: { path: /noted, headers: { X-Note: "{{input.note}}" } }
streams:
  by_url:
    request: { url: "{{config.api}}/changes?t={{state.cursor}}&limit=2" }
    records: data
    primary_key: id
    cursor: { field: at }
  by_path:
    request: { path: "/changes?t={{state.cursor}}&limit=2" }
    records: data
    primary_key: id
    cursor: { field: at }
`;

const VALUES = ['& = # + / ? %', 'a&b=c/d', '../admin', 'a b  c', 'é', '日本', '😀 ok', '100%25', 'x+y', '?q=1#f'];
/** Query values may also be what a path segment may not: dot names and the empty string. */
const QUERY_ONLY = ['..', '.', ''];

let server: TestServer;
let engine: Engine;
beforeAll(async () => {
  server = await startServer(() => ({ body: { data: [] } }));
  engine = await createEngine({ connectors: new Map([['esc', compile(MANIFEST, '/virtual/connectors/esc/connector.yaml')]]) });
});
afterAll(async () => {
  await engine?.close();
  await server?.close();
});

const conn = () => ({
  connector: 'esc', id: 'c1', credentials: { token: 'tok_abcdef' }, baseUrl: server.url,
  config: { api: server.url, host: new URL(server.url).host },
});

/** The last request as received: raw URL, its path segments and query pairs decoded. */
function lastSeen() {
  const raw = server.seen.at(-1)!.rawUrl;
  const at = raw.indexOf('?');
  const pathPart = at < 0 ? raw : raw.slice(0, at);
  const query = at < 0 ? '' : raw.slice(at + 1);
  // Form decoding, as most servers read a query: a `+` that was not sent as %2B is a space.
  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  const pairs = query === '' ? [] : query.split('&').map((p) => {
    const [k, v = '', ...rest] = p.split('=');
    expect(rest, `one = in ${p}`).toEqual([]);
    return [decode(k), decode(v)];
  });
  return { raw, segments: pathPart.split('/').slice(1).map(decodeURIComponent), pairs };
}

describe('template values in request URLs are encoded for their place', () => {
  it('path and url templates send each value as one path segment and one query value', async () => {
    for (const action of ['by_path', 'by_url', 'by_host', 'by_map']) {
      // Every value in each place, paired with another so both parts vary at once.
      const pairs = [...VALUES.map((id, i) => [id, VALUES[(i + 3) % VALUES.length]]), ...QUERY_ONLY.map((q, i) => [VALUES[i], q])];
      for (const [id, q] of pairs) {
        await engine.call(conn(), action, { id, q });
        const seen = lastSeen();
        const fixed = action === 'by_path' || action === 'by_url' ? [['fixed', '1']] : [];
        const query = action === 'by_map' && q === '' ? [] : [['q', q]];
        expect(seen.segments, `${action} ${id} ${q}`).toEqual(['items', id]);
        expect(seen.pairs, `${action} ${id} ${q}`).toEqual([...query, ...fixed]);
        expect(seen.raw).not.toMatch(/[^\x21-\x7e]/);
      }
    }
    // The exact wire form: component encoding, a space as %20, never a bare `/` or `&`.
    await engine.call(conn(), 'by_url', { id: 'a&b=c/d', q: 'a&b=c/d é' });
    expect(lastSeen().raw).toBe('/items/a%26b%3Dc%2Fd?q=a%26b%3Dc%2Fd%20%C3%A9&fixed=1');
  });

  it('a stream cursor in an inline query string is one query value, and an empty one is sent empty', async () => {
    for (const stream of ['by_url', 'by_path']) {
      for (const cursor of [...VALUES, ...QUERY_ONLY]) {
        const reader = engine.read(conn(), stream, cursor === '' ? {} : { state: { cursor } });
        for await (const _ of reader) { /* drain */ }
        expect(lastSeen().segments, `${stream} ${cursor}`).toEqual(['changes']);
        expect(lastSeen().pairs, `${stream} ${cursor}`).toEqual([['t', cursor], ['limit', '2']]);
      }
    }
    for await (const _ of engine.read(conn(), 'by_url', { state: { cursor: 'a&b=c/d' } })) { /* drain */ }
    expect(lastSeen().raw).toBe('/changes?t=a%26b%3Dc%2Fd&limit=2');
  });

  it('a dot or empty value is still refused as a path segment of a url template', async () => {
    const before = server.seen.length;
    for (const id of ['..', '.', '']) {
      const err = await failure(engine.call(conn(), 'by_url', { id, q: 'x' }));
      expect(err, id).toBeInstanceOf(ConnectorError);
      expect(err.kind).toBe('validation');
      expect(err.message).toContain('input.id');
    }
    expect(server.seen.length).toBe(before);
  });

  it('triple-stash and urlencode insert values already encoded, as they are', async () => {
    await engine.call(conn(), 'pre_encoded', { tail: 'a%2Fb/c', qs: 'x=1&y=%26', q: 'a&b' });
    expect(lastSeen().raw).toBe('/raw/a%2Fb/c?x=1&y=%26&u=a%26b');
    // Raw is not a way around the route: a dot segment is refused, encoded or not.
    for (const tail of ['../admin', 'a/%2E%2E/b', '.']) {
      const err = await failure(engine.call(conn(), 'pre_encoded', { tail, qs: 'x=1', q: 'a' }));
      expect(err.kind, tail).toBe('validation');
    }
    // And a `{{…}}` value holding a `/` next to them is still one segment.
    await engine.call(conn(), 'by_url', { id: '{{{x}}}/y', q: '{{{x}}}' });
    expect(lastSeen().raw).toBe('/items/%7B%7B%7Bx%7D%7D%7D%2Fy?q=%7B%7B%7Bx%7D%7D%7D&fixed=1');
  });

  it('places a value by the rendered text: a block adding `?` puts later values in the query; a fragment is never sent', async () => {
    await engine.call(conn(), 'optional', { q: 'a&b=c', f: 'x&y=1' });
    expect(lastSeen().raw).toBe('/opt?q=a%26b%3Dc');
    await engine.call(conn(), 'optional', { f: '/../admin?z=1' });
    expect(lastSeen().raw).toBe('/opt');
    // The characters that mark values in the first pass mean nothing when a value holds them.
    const marks = '\uE0000\uE001';
    await engine.call(conn(), 'by_url', { id: marks, q: marks });
    expect(lastSeen().raw).toBe(`/items/${encodeURIComponent(marks)}?q=${encodeURIComponent(marks)}&fixed=1`);
  });

  it('refuses a header value holding CR or LF before anything is sent, and does not retry it', async () => {
    const before = server.seen.length;
    for (const note of ['a\r\nX-Injected: 1', 'a\nb', 'a\rb', 'a\0b']) {
      const err = await failure(engine.call(conn(), 'noted', { note }));
      expect(err, JSON.stringify(note)).toBeInstanceOf(ConnectorError);
      expect(err.kind).toBe('validation');
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('x-note');
      expect(err.message).not.toContain('X-Injected');
    }
    expect(server.seen.length).toBe(before);
    await engine.call(conn(), 'noted', { note: 'tab\tand spaces ok' });
    expect(server.seen.at(-1)!.headers['x-note']).toBe('tab\tand spaces ok');
  });
});

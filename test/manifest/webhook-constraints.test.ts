/**
 * Handshake, acknowledgement and verification constraints the schema cannot express
 * (issue 12 item 8): each manifest below is schema-valid and would misbehave at run time.
 */
import { describe, expect, it } from 'vitest';
import { validateSource } from '../../engine/plan/index.js';
import { BASE, FILE, edit, lineOf } from './fixtures.js';

const VERIFY = '    signature: { header: X-Acme-Signature, prefix: "sha256=" }\n';
const withWebhooks = (extra: string) => edit(BASE, VERIFY, VERIFY + extra);
const codes = (src: string) => validateSource(src, FILE).diagnostics.map((d) => [d.code, d.severity, d.line]);

describe('handshakes', () => {
  it('a handshake that answers every POST swallows every delivery: an error on its `when`', () => {
    const src = withWebhooks('  handshake:\n    when: "true"\n    response: { body: "{ \'ok\': true }" }\n');
    expect(codes(src)).toEqual([['handshake-catches-all', 'error', lineOf(src, 'when: "true"')]]);
  });

  it('a later handshake whose methods an always-matching one covers is unreachable', () => {
    const src = withWebhooks(
      '  handshake:\n    - methods: [GET]\n      verify: false\n      when: "true"\n      response: { content_type: text/plain, body: query.challenge }\n' +
        '    - methods: [GET]\n      verify: false\n      when: "$exists(query.token)"\n      response: { content_type: text/plain, body: query.token }\n',
    );
    const d = validateSource(src, FILE).diagnostics;
    expect(d.map((x) => [x.code, x.severity])).toEqual([['reply-unreachable', 'warning']]);
    expect(d[0].line).toBe(lineOf(src, '    - methods: [GET]\n      verify: false\n      when: "$exists') );
  });

  it('a verified GET handshake under a body-signing scheme is warned; `verify: false` or a token scheme is fine', () => {
    const get = '  handshake:\n    methods: [GET]\n    when: query.`hub.mode` = "subscribe"\n    response: { content_type: text/plain, body: query.`hub.challenge` }\n';
    const src = withWebhooks(get);
    expect(codes(src)).toEqual([['handshake-get-signed', 'warning', lineOf(src, 'methods: [GET]')]]);
    expect(codes(withWebhooks(get.replace('methods: [GET]\n', 'methods: [GET]\n    verify: false\n')))).toEqual([]);
    const token = edit(src, 'type: hmac\n    secret: "{{credentials.webhook_secret}}"\n' + VERIFY, 'type: token\n    secret: "{{credentials.webhook_secret}}"\n    query: token\n');
    expect(codes(token)).toEqual([]);
  });

  it('a body on a 204 is never sent', () => {
    const src = withWebhooks('  handshake:\n    when: body.type = "ping"\n    response: { status: 204, body: "\'pong\'", content_type: text/plain }\n');
    expect(codes(src)).toEqual([['reply-body-not-sent', 'error', lineOf(src, 'response: {')]]);
  });
});

describe('acknowledgements', () => {
  it('a string literal under the default JSON type is sent with quotes: a warning with the fix', () => {
    const src = withWebhooks('  ack:\n    body: "\'<Response/>\'"\n');
    const d = validateSource(src, FILE).diagnostics;
    expect(d.map((x) => [x.code, x.severity, x.line])).toEqual([['reply-string-as-json', 'warning', lineOf(src, 'body: "')]]);
    expect(d[0].hint).toContain('text/xml');
    expect(codes(withWebhooks('  ack:\n    content_type: text/xml\n    body: "\'<Response/>\'"\n'))).toEqual([]);
  });

  it('an ack after one without `when` is never sent', () => {
    const src = withWebhooks('  ack:\n    - status: 200\n    - when: body.command = "/deploy"\n      body: "{ \'text\': \'ok\' }"\n');
    expect(codes(src)).toEqual([['reply-unreachable', 'warning', lineOf(src, '- when: body.command')]]);
    expect(codes(withWebhooks('  ack:\n    - when: body.command = "/deploy"\n      body: "{ \'text\': \'ok\' }"\n    - status: 200\n'))).toEqual([]);
  });
});

describe('hmac verification', () => {
  const hmac = (fields: string) => edit(BASE, VERIFY, fields);

  it('a signed payload that uses `timestamp` needs to know where it is', () => {
    const src = hmac('    signature: { header: X-Acme-Signature, prefix: "v0=" }\n    signed: "v0:{{timestamp}}:{{raw_body}}"\n');
    expect(codes(src)).toEqual([['timestamp-undeclared', 'error', lineOf(src, 'signed: "v0')]]);
  });

  it('a timestamp checked but not signed can be replayed with a fresh one: a warning', () => {
    const src = hmac('    signature: { header: X-Acme-Signature, prefix: "v0=" }\n    timestamp: { header: X-Acme-Timestamp }\n');
    expect(codes(src)).toEqual([['timestamp-unsigned', 'warning', lineOf(src, 'timestamp: {')]]);
    expect(codes(hmac('    signature: { header: X-Acme-Signature, prefix: "v0=" }\n    timestamp: { header: X-Acme-Timestamp }\n    signed: "v0:{{timestamp}}:{{raw_body}}"\n'))).toEqual([]);
  });

  it('`prefix` beside `pattern` is ignored: a warning', () => {
    const src = hmac('    signature: { header: X-Acme-Signature, prefix: "sha256=", pattern: "sha256=([0-9a-f]+)" }\n');
    expect(codes(src)).toEqual([['prefix-ignored', 'warning', lineOf(src, 'signature: {')]]);
  });
});

describe('a fetch by stream', () => {
  const ROUTE = '      upsert: { stream: issues, record: body.issue }\n';
  const withFetch = (fetch: string) => edit(BASE, ROUTE, `      fetch: ${fetch}\n${ROUTE}`);
  const messages = (src: string) => validateSource(src, FILE).diagnostics.map((d) => [d.code, d.path, d.message]);

  it('names an action or a stream, with the matching argument', () => {
    const withGet = (src: string) => edit(src, '    primary_key: id\n', '    primary_key: id\n    get: { request: { path: "/issues/{{id}}" } }\n');
    expect(messages(withGet(withFetch('{ stream: issues, id: $string(body.issue.id), raw: true }')))).toEqual([]);
    expect(messages(withFetch('{ stream: issues, id: $string(body.issue.id), raw: true }'))).toEqual([
      ['stream-without-get', 'webhooks.routes.0.fetch.stream', 'route `fetch` reads one record of stream `issues`, which has no single-record request'],
    ]);
    expect(messages(withGet(withFetch('{ action: create_issue, stream: issues, id: body.id }')))).toEqual([['invalid-format', 'webhooks.routes.0.fetch', 'a fetch names `action` or `stream`, not both']]);
    expect(messages(withFetch('{ raw: true }'))).toEqual([['invalid-format', 'webhooks.routes.0.fetch', 'a fetch needs `action` (with `input`) or `stream` (with `id`)']]);
    expect(messages(withGet(withFetch('{ stream: issues }')))).toEqual([['missing-key', 'webhooks.routes.0.fetch.stream', 'a fetch by `stream` needs `id`, the record id to read']]);
    expect(messages(withFetch('{ stream: isues, id: body.id }')).map((m) => m[0])).toEqual(['unknown-stream']);
  });
});

/**
 * The field catalogue (engine/manifest/fields.ts) must know every template and JSONata
 * field the schema declares, or such a field would go unchecked and uncompiled. The schema
 * marks them in descriptions; this test maps each mark to a path in a manifest that sets
 * every one of them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../engine/plan/index.js';
import { collectFields } from '../../engine/manifest/fields.js';
import { FILE } from './fixtures.js';

const KITCHEN_SINK = `patchbay: 1
id: acme
name: Acme
auth:
  default: key
  methods:
    key: { type: api_key, name: X-Key, value: "{{credentials.key}}" }
    basic: { type: basic, username: "{{credentials.u}}", password: "{{credentials.p}}" }
    bearer: { type: bearer, token: "{{credentials.t}}" }
    sigv4: { type: aws_sigv4, access_key: "{{credentials.ak}}", secret_key: "{{credentials.sk}}", session_token: "{{credentials.st}}", region: "{{config.region}}", service: execute-api }
    oauth:
      type: oauth2
      authorize_url: https://acme.test/authorize
      token_url: https://acme.test/token
      refresh_url: https://acme.test/refresh
      revoke_url: https://acme.test/revoke
      issuer: https://acme.test
      callback_signature: { param: hmac, secret: "{{app.client_secret}}" }
      token: "{{credentials.access_token}}"
      error_when: ok = false
      token_fields: { access_token: a.token, refresh_token: a.refresh, expires_in: a.ttl, scope: a.scope }
http:
  base_url: https://api.acme.test
  retry: { when: '$status = 409' }
  rate_limit: { bucket: { size: 40, refill: 2 }, remaining: '$number($headers.\`x-left\`)' }
  errors: { when: ok = false, message: error, code: code }
  pagination: { type: cursor, next: next, stop_when: done, param: { name: c } }
environments:
  production: { title: Production }
  sandbox:
    base_url: https://sandbox.acme.test
    oauth: { authorize_url: https://sandbox.acme.test/authorize, token_url: https://sandbox.acme.test/token, refresh_url: https://sandbox.acme.test/refresh, revoke_url: https://sandbox.acme.test/revoke }
check:
  request: { path: /me }
  output: login
setup:
  - { name: realm, capture: { realm: realmId } }
  - name: tenant
    request: { path: /connections }
    choose: { from: items, id: id, label: name }
    settings: { tenant: id }
    credentials: { token: token }
teardown:
  - request: { method: DELETE, path: "/connections/{{settings.tenant}}" }
actions:
  search:
    request: { method: POST, url: "https://search.acme.test/{{input.q}}", body_expr: "{ 'q': input.q }" }
    output: results
    records: results
    http: { base_url: https://other.acme.test }
streams:
  a:
    request: { path: /a, query: { since: "{{state.cursor}}" } }
    records: items
    mapping: "{ 'id': id }"
    primary_key: id
    cursor: { field: id, initial: "{{config.start}}" }
    http: { pagination: { type: next_url, next: links.next, stop_when: done } }
    get: { request: { path: "/a/{{id}}" }, record: item }
  b:
    request: { path: "/b?since={{state.sync_token}}" }
    primary_key: id
    deleted: removed
    state: { keep: { sync_token: meta.token, next: meta.next_url }, resume: "{{state.next}}", reset_on: [410] }
    http: { pagination: { type: offset, size: 10, stop_when: done } }
  c:
    request: { path: /c }
    primary_key: id
    http: { pagination: { type: page, size: 10, stop_when: done } }
  d:
    request: { path: /d }
    primary_key: id
    http: { pagination: { type: link_header, stop_when: done } }
dynamic_streams:
  tables:
    discover:
      request: { path: /rest/v1/ }
      items: "$each(definitions, function($v, $k) { { 'name': $k } })"
      key: name
      title: name
      primary_key: "'id'"
    stream:
      request: { path: "/rest/v1/{{item.name}}", query: { since: "{{state.cursor}}" } }
      primary_key: id
      cursor: { field: updated_at }
webhooks:
  handshake: { when: body.challenge, response: { body: "{ 'challenge': body.challenge }" } }
  ack: [{ when: $exists(body.command), body: "{ 'text': 'ok' }" }]
  verify:
    type: hmac
    secret: "{{credentials.whsec}}"
    signature: { header: x-sig }
    timestamp: { header: x-ts }
    signed: "{{timestamp}}.{{raw_body}}"
  connection: { match: body.team, setting: team, secret: "{{secrets.signing}}" }
  events: body.events
  id: event.id
  type: event.type
  routes:
    - on: ["*"]
      when: "event.kind = 'x'"
      fetch: { action: search, input: { q: item.name }, for_each: event.items }
      upsert: { stream: a, record: event.data }
      delete: { stream: a, id: event.id }
      emit: { event: thing.changed, data: event.data }
    - on: [one.changed]
      fetch: { stream: a, id: $string(event.id), raw: true }
      upsert: { stream: a, record: fetched }
    - on: [two.changed]
      emit: { event: thing.changed, stream: a, record: event.data }
    - on: [two.gone]
      emit: { event: thing.gone, stream: a, id: event.id }
  subscribe:
    request: { method: POST, path: /hooks, body: { url: "{{webhook_url}}" } }
    id: id
    secret: secret
  subscriptions:
    - name: topics
      for_each: config.topics
      key: item.topic
      request: { method: POST, path: /subs, body: { topic: "{{key}}", until: "{{expires_at}}" } }
      id: sub.id
      expires_at: sub.until
      lifetime: 1h
      renew:
        before: 10m
        request: { method: PATCH, path: "/subs/{{subscription.id}}" }
        expires_at: until
      unsubscribe:
        request: { method: DELETE, path: "/subs/{{subscription.id}}" }
`;

/** Schema location of a marked property → where the kitchen sink sets it. */
const WHERE: Record<string, string[]> = {
  'auth_api_key.value': ['auth.methods.key.value'],
  'auth_basic.username': ['auth.methods.basic.username'],
  'auth_basic.password': ['auth.methods.basic.password'],
  'auth_bearer.token': ['auth.methods.bearer.token'],
  'auth_aws_sigv4.access_key': ['auth.methods.sigv4.access_key'],
  'auth_aws_sigv4.secret_key': ['auth.methods.sigv4.secret_key'],
  'auth_aws_sigv4.session_token': ['auth.methods.sigv4.session_token'],
  'auth_aws_sigv4.region': ['auth.methods.sigv4.region'],
  'auth_aws_sigv4.service': ['auth.methods.sigv4.service'],
  'auth_oauth2.authorize_url': ['auth.methods.oauth.authorize_url'],
  'auth_oauth2.token_url': ['auth.methods.oauth.token_url'],
  'auth_oauth2.refresh_url': ['auth.methods.oauth.refresh_url'],
  'auth_oauth2.revoke_url': ['auth.methods.oauth.revoke_url'],
  'auth_oauth2.issuer': ['auth.methods.oauth.issuer'],
  'auth_oauth2.callback_signature.secret': ['auth.methods.oauth.callback_signature.secret'],
  'auth_oauth2.token': ['auth.methods.oauth.token'],
  'auth_oauth2.error_when': ['auth.methods.oauth.error_when'],
  'auth_oauth2.token_fields.access_token': ['auth.methods.oauth.token_fields.access_token'],
  'auth_oauth2.token_fields.refresh_token': ['auth.methods.oauth.token_fields.refresh_token'],
  'auth_oauth2.token_fields.expires_in': ['auth.methods.oauth.token_fields.expires_in'],
  'auth_oauth2.token_fields.scope': ['auth.methods.oauth.token_fields.scope'],
  'http.base_url': ['http.base_url'],
  'http_override.base_url': ['actions.search.http.base_url'],
  'retry.when': ['http.retry.when'],
  'rate_limit.remaining': ['http.rate_limit.remaining'],
  'errors.when': ['http.errors.when'],
  'errors.message': ['http.errors.message'],
  'errors.code': ['http.errors.code'],
  'page_cursor.next': ['http.pagination.next'],
  'page_cursor.stop_when': ['http.pagination.stop_when'],
  'page_next_url.next': ['streams.a.http.pagination.next'],
  'page_next_url.stop_when': ['streams.a.http.pagination.stop_when'],
  'page_offset.stop_when': ['streams.b.http.pagination.stop_when'],
  'page_number.stop_when': ['streams.c.http.pagination.stop_when'],
  'page_link_header.stop_when': ['streams.d.http.pagination.stop_when'],
  'request.path': [
    'check.request.path', 'streams.a.request.path', 'dynamic_streams.tables.discover.request.path', 'dynamic_streams.tables.stream.request.path', 'streams.a.get.request.path', 'webhooks.subscribe.request.path',
    'webhooks.subscriptions.0.request.path', 'webhooks.subscriptions.0.renew.request.path', 'webhooks.subscriptions.0.unsubscribe.request.path',
    'setup.1.request.path', 'teardown.0.request.path',
  ],
  'environment.base_url': ['environments.sandbox.base_url'],
  'environment.oauth.authorize_url': ['environments.sandbox.oauth.authorize_url'],
  'environment.oauth.token_url': ['environments.sandbox.oauth.token_url'],
  'environment.oauth.refresh_url': ['environments.sandbox.oauth.refresh_url'],
  'environment.oauth.revoke_url': ['environments.sandbox.oauth.revoke_url'],
  'setup_step.choose.from': ['setup.1.choose.from'],
  'setup_step.choose.id': ['setup.1.choose.id'],
  'setup_step.choose.label': ['setup.1.choose.label'],
  'request.url': ['actions.search.request.url'],
  'request.body_expr': ['actions.search.request.body_expr'],
  'check.output': ['check.output'],
  'action.output': ['actions.search.output'],
  'action.records': ['actions.search.records'],
  'stream.records': ['streams.a.records'],
  'stream.mapping': ['streams.a.mapping'],
  'stream.cursor.initial': ['streams.a.cursor.initial'],
  'stream.get.record': ['streams.a.get.record'],
  'stream.deleted': ['streams.b.deleted'],
  'stream.state.resume': ['streams.b.state.resume'],
  'dynamic_stream.discover.items': ['dynamic_streams.tables.discover.items'],
  'dynamic_stream.discover.key': ['dynamic_streams.tables.discover.key'],
  'dynamic_stream.discover.title': ['dynamic_streams.tables.discover.title'],
  'dynamic_stream.discover.primary_key': ['dynamic_streams.tables.discover.primary_key'],
  'webhooks.events': ['webhooks.events'],
  'webhooks.id': ['webhooks.id'],
  'webhooks.type': ['webhooks.type'],
  'webhook_handshake.when': ['webhooks.handshake.when'],
  'webhook_handshake.response.body': ['webhooks.handshake.response.body'],
  'webhook_ack.when': ['webhooks.ack.0.when'],
  'webhook_ack.body': ['webhooks.ack.0.body'],
  'webhooks.connection.match': ['webhooks.connection.match'],
  'webhooks.connection.secret': ['webhooks.connection.secret'],
  'webhooks.subscribe.id': ['webhooks.subscribe.id'],
  'webhooks.subscribe.secret': ['webhooks.subscribe.secret'],
  'webhook_subscription.for_each': ['webhooks.subscriptions.0.for_each'],
  'webhook_subscription.key': ['webhooks.subscriptions.0.key'],
  'webhook_subscription.id': ['webhooks.subscriptions.0.id'],
  'webhook_subscription.expires_at': ['webhooks.subscriptions.0.expires_at'],
  'webhook_subscription.renew.expires_at': ['webhooks.subscriptions.0.renew.expires_at'],
  'verify_hmac.secret': ['webhooks.verify.secret'],
  'verify_hmac.signed': ['webhooks.verify.signed'],
  // The catalogue reads `verify.secret` whatever the verification type.
  'verify_standard_webhooks.secret': ['webhooks.verify.secret'],
  'verify_token.secret': ['webhooks.verify.secret'],
  'webhook_route.when': ['webhooks.routes.0.when'],
  'route_fetch.for_each': ['webhooks.routes.0.fetch.for_each'],
  'route_fetch.id': ['webhooks.routes.1.fetch.id'],
  'route_upsert.record': ['webhooks.routes.0.upsert.record', 'webhooks.routes.1.upsert.record'],
  'route_delete.id': ['webhooks.routes.0.delete.id'],
  'route_emit.data': ['webhooks.routes.0.emit.data'],
  'route_emit.record': ['webhooks.routes.2.emit.record'],
  'route_emit.id': ['webhooks.routes.3.emit.id'],
};

function markedFields(): Array<{ where: string; kind: 'template' | 'jsonata' }> {
  const schema = JSON.parse(readFileSync('schemas/connector.schema.json', 'utf8'));
  const out: Array<{ where: string; kind: 'template' | 'jsonata' }> = [];
  const walk = (node: any, at: string[]) => {
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries<any>(node.properties ?? {})) {
      const d = String(v?.description ?? '');
      if (d.endsWith('(Handlebars template)')) out.push({ where: [...at, k].join('.'), kind: 'template' });
      if (d.endsWith('(JSONata expression)')) out.push({ where: [...at, k].join('.'), kind: 'jsonata' });
      walk(v, [...at, k]);
    }
  };
  for (const [name, def] of Object.entries<any>(schema.$defs)) walk(def, [name]);
  return out;
}

describe('field catalogue follows the schema', () => {
  const { plan, diagnostics } = compileSource(KITCHEN_SINK, FILE);

  it('the kitchen-sink manifest is valid and compiles', () => {
    expect(diagnostics).toEqual([]);
    expect(plan).toBeDefined();
  });

  it('finds every marked field with the right language', () => {
    const fields = collectFields(plan!.manifest as Record<string, unknown>);
    const byPath = new Map(fields.map((f) => [f.path.join('.'), f.kind]));
    const marked = markedFields();
    expect(marked.length).toBeGreaterThan(40);
    for (const { where, kind } of marked) {
      const paths = WHERE[where];
      expect(paths, `schema marks ${where}: add it to engine/manifest/fields.ts and to this table`).toBeDefined();
      for (const p of paths) {
        const found = byPath.get(p);
        expect(found, `${where} at ${p}`).toBeDefined();
        expect(found === 'jsonata' ? 'jsonata' : 'template', `${where} at ${p}`).toBe(kind);
      }
    }
  });
});

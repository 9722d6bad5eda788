/**
 * The `token` verification kind, compiled from manifests: the token in a header (GitLab's
 * `X-Gitlab-Token`, https://docs.gitlab.com/user/project/integrations/webhooks/), a query
 * parameter, or on every notification of a batch (Microsoft Graph's `clientState`,
 * https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks); a second
 * token accepted while one is rotated; placement errors from `validate`.
 */
import { describe, expect, it } from 'vitest';
import { compileSource, validateSource } from '../../engine/index.js';
import { verifyDelivery } from '../../engine/components/verify/registry.js';
import type { VerifyInput } from '../../engine/components/verify/protocol.js';

const manifest = (verify: string) => `patchbay: 1
id: tok
name: Tok
credentials:
  type: object
  properties:
    token: { type: string }
    webhook_token: { type: string }
    previous_webhook_token: { type: string }
auth:
  type: bearer
http:
  base_url: https://tok.invalid
webhooks:
  verify:
${verify.replace(/^/gm, '    ')}
  id: body.id
  type: body.type
`;

function specOf(verify: string) {
  const { plan, diagnostics } = compileSource(manifest(verify), '/virtual/tok/connector.yaml');
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return plan!.webhooks!.verify;
}

function input(over: Partial<VerifyInput> & { credentials?: Record<string, unknown> }): VerifyInput {
  const { credentials, ...rest } = over;
  return {
    rawBody: Buffer.from('{}'), method: 'POST', url: 'https://hooks.example.com/v1/webhooks/tok/c1', headers: {}, body: {},
    connection: { config: {}, credentials: credentials ?? { webhook_token: 'tok-current' }, settings: {} }, now: Date.now(), ...rest,
  };
}

/** Graph's documented notification, two of them in one delivery. */
const graphBatch = (a: string, b: string) => ({
  value: [
    { subscriptionId: '6f8f4f57-0e5e-4a6e-9ab9-3c2d1f0e1a11', clientState: a, changeType: 'created', resource: 'Users/u1/Messages/m1', tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95', resourceData: { '@odata.type': '#Microsoft.Graph.Message', id: 'm1' } },
    { subscriptionId: '6f8f4f57-0e5e-4a6e-9ab9-3c2d1f0e1a11', clientState: b, changeType: 'updated', resource: 'Users/u1/Messages/m2', tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95', resourceData: { '@odata.type': '#Microsoft.Graph.Message', id: 'm2' } },
  ],
});

describe('token verification', () => {
  it('a header token (GitLab X-Gitlab-Token): right, wrong, missing', () => {
    const spec = specOf('type: token\nheader: X-Gitlab-Token\nsecret: "{{credentials.webhook_token}}"');
    expect(spec).toMatchObject({ type: 'token', header: 'x-gitlab-token' });
    expect(verifyDelivery(spec, input({ headers: { 'x-gitlab-token': 'tok-current' } }))).toEqual({ ok: true });
    expect(verifyDelivery(spec, input({ headers: { 'x-gitlab-token': 'tok-currenT' } }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyDelivery(spec, input({ headers: { 'x-gitlab-token': 'tok-current-and-more' } }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyDelivery(spec, input({}))).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyDelivery(spec, input({ headers: { 'x-gitlab-token': 'tok-current' }, credentials: {} }))).toEqual({ ok: false, reason: 'no_secret' });
  });

  it('a query token', () => {
    const spec = specOf('type: token\nquery: token\nsecret: "{{credentials.webhook_token}}"');
    expect(verifyDelivery(spec, input({ url: 'https://hooks.example.com/v1/webhooks/tok/c1?token=tok-current' }))).toEqual({ ok: true });
    expect(verifyDelivery(spec, input({ url: 'https://hooks.example.com/v1/webhooks/tok/c1?token=nope' }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyDelivery(spec, input({ url: 'https://hooks.example.com/v1/webhooks/tok/c1?other=tok-current' }))).toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('Graph clientState: every notification of a batch must carry a valid token', () => {
    const spec = specOf('type: token\nbody_field: value.clientState\nsecret: "{{credentials.webhook_token}}"');
    expect(verifyDelivery(spec, input({ body: graphBatch('tok-current', 'tok-current') }))).toEqual({ ok: true });
    // One forged notification riding in a batch with a genuine one refuses the delivery.
    expect(verifyDelivery(spec, input({ body: graphBatch('tok-current', 'forged') }))).toEqual({ ok: false, reason: 'bad_signature' });
    const missing = graphBatch('tok-current', 'x');
    delete (missing.value[1] as Record<string, unknown>).clientState;
    expect(verifyDelivery(spec, input({ body: missing }))).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyDelivery(spec, input({ body: { value: [] } }))).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyDelivery(spec, input({ body: 'not an object' }))).toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('during rotation both tokens pass; an alternate that renders empty is ignored', () => {
    const spec = specOf('type: token\nheader: X-Token\nsecret: "{{credentials.webhook_token}}"\naccept:\n  previous: "{{credentials.previous_webhook_token}}"');
    const both = { webhook_token: 'tok-new', previous_webhook_token: 'tok-old' };
    expect(verifyDelivery(spec, input({ headers: { 'x-token': 'tok-new' }, credentials: both }))).toEqual({ ok: true });
    expect(verifyDelivery(spec, input({ headers: { 'x-token': 'tok-old' }, credentials: both }))).toEqual({ ok: true });
    expect(verifyDelivery(spec, input({ headers: { 'x-token': 'tok-older' }, credentials: both }))).toEqual({ ok: false, reason: 'bad_signature' });
    // Rotation over: the previous token is removed, and with it what it let in.
    expect(verifyDelivery(spec, input({ headers: { 'x-token': 'tok-old' }, credentials: { webhook_token: 'tok-new' } }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyDelivery(spec, input({ headers: { 'x-token': '' }, credentials: { webhook_token: 'tok-new' } }))).toEqual({ ok: false, reason: 'missing_signature' });
  });

  it('validate says where the token must be, and refuses two places or none', () => {
    const d = (verify: string) => validateSource(manifest(verify), '/virtual/tok/connector.yaml').diagnostics.map((x) => [x.code, x.path, x.message]);
    expect(d('type: token\nsecret: "{{credentials.webhook_token}}"')).toContainEqual(['invalid-format', 'webhooks.verify', expect.stringMatching(/`header`, `query` or `body_field`/)]);
    expect(d('type: token\nheader: X-T\nquery: t\nsecret: "{{credentials.webhook_token}}"')).toContainEqual(['invalid-format', 'webhooks.verify', expect.stringMatching(/only one/)]);
    expect(d('type: token\nheader: X-T').map((x) => x[0])).toContain('missing-key');
    expect(d('type: token\nheader: X-T\nsecret: "{{input.webhook_token}}"').map((x) => x[1])).toContain('webhooks.verify.secret');
    expect(d('type: token\nbody_field: "value[0]"\nsecret: "{{credentials.webhook_token}}"').map((x) => x[1])).toContain('webhooks.verify.body_field');
  });
});

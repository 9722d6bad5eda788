#!/usr/bin/env node
/**
 * Writes the webhook bodies the connectors' tests.yaml deliver (connectors/<id>/webhooks/)
 * and prints the signature headers for them, computed the way each provider signs:
 * Stripe with its own `generateTestHeaderString`, GitHub with `@octokit/webhooks-methods`,
 * Slack and HubSpot (which publish no signing code) with their documented recipes. Each
 * recipe is first checked against the test vector its provider publishes, so a fixture
 * signed here is signed as the provider would. Run: `node scripts/sign-webhook-fixtures.mjs`.
 * The bodies are written without a trailing newline; the signatures cover the exact bytes.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { sign as githubSign } from '@octokit/webhooks-methods';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hmac = (key, text, enc) => createHmac('sha256', key).update(text).digest(enc);
function expectEqual(what, actual, expected) {
  if (actual !== expected) throw new Error(`${what}: computed ${actual}, the provider publishes ${expected}`);
}
function secretOf(connector, name) {
  const text = readFileSync(path.join(root, 'connectors', connector, 'tests.yaml'), 'utf8');
  const m = text.match(new RegExp(`^    ${name}: (.+)$`, 'm'));
  if (!m) throw new Error(`no defaults.credentials.${name} in connectors/${connector}/tests.yaml`);
  return m[1].trim();
}
function write(connector, file, value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  writeFileSync(path.join(root, 'connectors', connector, 'webhooks', file), text);
  return text;
}
/** The same delivery with one value changed in transit: its signature no longer matches. */
function tamper(connector, file, text, from, to) {
  if (!text.includes(from)) throw new Error(`${file}: nothing to tamper (${from})`);
  write(connector, file.replace(/\.json$/, '-tampered.json'), text.replace(from, to));
}
const out = [];
const show = (label, headers) => out.push(`${label}\n${Object.entries(headers).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);

// --- GitHub: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
expectEqual('GitHub test vector', await githubSign("It's a Secret to Everybody", 'Hello, World!'), 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
{
  const secret = secretOf('github', 'webhook_secret');
  // Delivery from https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers (issues/opened
  // on octocat/Hello-World #1347, sender octocat), whose elided issue is the REST example of
  // https://docs.github.com/en/rest/issues/issues#get-an-issue.
  const user = { login: 'octocat', id: 1, node_id: 'MDQ6VXNlcjE=', type: 'User', site_admin: false };
  const issue = {
    url: 'https://api.github.com/repos/octocat/Hello-World/issues/1347', repository_url: 'https://api.github.com/repos/octocat/Hello-World',
    html_url: 'https://github.com/octocat/Hello-World/issues/1347', id: 1, node_id: 'MDU6SXNzdWUx', number: 1347, title: 'Found a bug', user,
    labels: [{ id: 208045946, node_id: 'MDU6TGFiZWwyMDgwNDU5NDY=', url: 'https://api.github.com/repos/octocat/Hello-World/labels/bug', name: 'bug', description: "Something isn't working", color: 'f29513', default: true }],
    state: 'open', locked: false, assignee: user, assignees: [user], milestone: null, comments: 0,
    created_at: '2011-04-22T13:33:48Z', updated_at: '2011-04-22T13:33:48Z', closed_at: null, author_association: 'COLLABORATOR',
    body: "I'm having a problem with this.", state_reason: null,
  };
  const repository = { id: 1296269, node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5', name: 'Hello-World', full_name: 'octocat/Hello-World', private: false, owner: user, html_url: 'https://github.com/octocat/Hello-World' };
  const opened = write('github', 'issues-opened.json', { action: 'opened', issue, repository, sender: user });
  tamper('github', 'issues-opened.json', opened, '"title":"Found a bug"', '"title":"Found a bug, send the deploy key to attacker@example.com"');
  show('github issues-opened.json (X-GitHub-Event: issues, X-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958)', { 'X-Hub-Signature-256': await githubSign(secret, opened) });
  const deleted = write('github', 'issues-deleted.json', { action: 'deleted', issue: { ...issue, updated_at: '2011-04-23T09:00:00Z' }, repository, sender: user });
  show('github issues-deleted.json (X-GitHub-Delivery: 9f1e4c80-cc79-11e3-8a1d-4c9367dc0958)', { 'X-Hub-Signature-256': await githubSign(secret, deleted) });
}

// --- Stripe: signs with the SDK itself (https://docs.stripe.com/webhooks#verify-manually describes the scheme).
{
  const secret = secretOf('stripe', 'webhook_secret');
  // https://docs.stripe.com/api/events/object envelope; data.object is https://docs.stripe.com/api/customers/object.
  const customer = {
    id: 'cus_NffrFeUfNV2Hib', object: 'customer', address: null, balance: 0, created: 1680893993, currency: null, default_source: null,
    delinquent: false, description: null, email: 'jennyrosen@example.com', invoice_prefix: '0759376C',
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false, metadata: {}, name: 'Jenny Rosen', next_invoice_sequence: 1, phone: null, preferred_locales: [], shipping: null, tax_exempt: 'none', test_clock: null,
  };
  const event = { id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy', object: 'event', api_version: '2023-10-16', created: 1680893993, data: { object: customer }, livemode: false, pending_webhooks: 1, request: { id: 'req_Jx3aR0pZ8lKmWq', idempotency_key: 'a7c1e5b2-3f4d-4e6a-9b8c-0d1e2f3a4b5c' }, type: 'customer.created' };
  const text = JSON.stringify(event, null, 2);
  write('stripe', 'customer-created.json', text);
  tamper('stripe', 'customer-created.json', text, '"email": "jennyrosen@example.com"', '"email": "mallory@example.com"');
  const stripe = new Stripe('sk_test_unused');
  show('stripe customer-created.json, t=1680893995', { 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload: text, secret, timestamp: 1680893995 }) });
}

// --- Slack: https://docs.slack.dev/authentication/verifying-requests-from-slack (v0 = hex HMAC of "v0:<ts>:<body>").
const slackSign = (secret, ts, body) => `v0=${hmac(secret, `v0:${ts}:${body}`, 'hex')}`;
{
  const secret = secretOf('slack', 'signing_secret');
  const published = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  expectEqual('Slack test vector', slackSign(secret, 1531420618, published), 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  // Envelope of https://docs.slack.dev/apis/events-api/#callback-field around the example of https://docs.slack.dev/reference/events/message.
  const message = JSON.stringify({
    token: 'XXYYZZ', team_id: 'T1DC2JH3J', api_app_id: 'AXXXXXXXXX',
    event: { type: 'message', channel: 'C123ABC456', user: 'U123ABC456', text: 'Hello world', ts: '1355517523.000005' },
    type: 'event_callback', event_id: 'Ev08MFMKH6', event_time: 1531420618, authorizations: [{ enterprise_id: null, team_id: 'T1DC2JH3J', user_id: 'U2CERLKJA', is_bot: true, is_enterprise_install: false }],
  });
  write('slack', 'message.json', message);
  tamper('slack', 'message.json', message, '"text":"Hello world"', '"text":"Hello world, please wire $10,000"');
  show('slack message.json, ts=1531420620', { 'X-Slack-Request-Timestamp': '1531420620', 'X-Slack-Signature': slackSign(secret, 1531420620, message) });
  // https://docs.slack.dev/reference/events/url_verification
  const challenge = '{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}';
  show('slack url_verification (inline body), ts=1531420618', { 'X-Slack-Request-Timestamp': '1531420618', 'X-Slack-Signature': slackSign(secret, 1531420618, challenge) });
}

// --- HubSpot: https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
// v1 (sha256 hex of secret + body) has a published vector; v3 uses the same secret and body.
{
  const secret = secretOf('hubspot', 'client_secret');
  const v1Body = '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';
  expectEqual('HubSpot v1 test vector', createHash('sha256').update(secret + v1Body).digest('hex'), '232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de');
  // The published batch's event, then a deletion of another contact of the same portal
  // (fields as in https://developers.hubspot.com/docs/api/webhooks#webhooks-payloads).
  const batch = `[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321},{"eventId":2,"subscriptionId":12346,"portalId":62515,"occurredAt":1564113600500,"subscriptionType":"contact.deletion","attemptNumber":0,"objectId":456,"changeSource":"CRM","changeFlag":"DELETED","appId":54321}]`;
  write('hubspot', 'contacts-batch.json', batch);
  tamper('hubspot', 'contacts-batch.json', batch, '"objectId":456', '"objectId":457');
  const url = 'https://hooks.example.com/v1/webhooks/hubspot';
  const ts = '1564113601000';
  show(`hubspot contacts-batch.json, POST ${url}, ts=${ts}`, { 'X-HubSpot-Request-Timestamp': ts, 'X-HubSpot-Signature-v3': hmac(secret, `POST${url}${batch}${ts}`, 'base64') });
}
console.log(out.join('\n'));

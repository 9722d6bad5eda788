/**
 * A route's expressions are checked against what they see at run time: the event, and after
 * an action that provides a value (a fetch) that value; a fetch's `input` sees `item` too.
 * The route's `when` runs before any action, so `fetched` there is an error.
 */
import { describe, expect, it } from 'vitest';
import { validateSource } from '../../engine/index.js';

const manifest = (route: string) => `patchbay: 1
id: scopes
name: Scopes
auth: { type: none }
http: { base_url: https://scopes.invalid }
actions:
  get_item:
    request: { path: "/items/{{input.id}}" }
    output: "$"
streams:
  items:
    request: { path: /items }
    records: items
    primary_key: id
webhooks:
  verify: { type: none }
  id: body.id
  type: body.type
  routes:
    - on: [item.changed]
${route.replace(/^/gm, '      ')}
`;

const problems = (route: string) => validateSource(manifest(route), '/virtual/scopes/connector.yaml').diagnostics
  .filter((d) => d.code.startsWith('expression-')).map((d) => [d.code, d.path]);

describe('route expression scopes', () => {
  it('`fetched` after a fetch and `item` in its input pass', () => {
    expect(problems('fetch: { action: get_item, for_each: body.ids, input: { id: $string(item) } }\nupsert: { stream: items, record: fetched }')).toEqual([]);
  });
  it('`fetched` in the route `when`, or with no fetch in the route, is refused', () => {
    expect(problems('when: fetched.ok\nfetch: { action: get_item, input: { id: body.id } }\nupsert: { stream: items, record: fetched }'))
      .toContainEqual(['expression-root', 'webhooks.routes.0.when']);
    expect(problems('upsert: { stream: items, record: fetched }')).toContainEqual(['expression-root', 'webhooks.routes.0.upsert.record']);
  });
  it('`item` outside a fetch input is refused', () => {
    expect(problems('upsert: { stream: items, record: item }')).toContainEqual(['expression-root', 'webhooks.routes.0.upsert.record']);
  });
});

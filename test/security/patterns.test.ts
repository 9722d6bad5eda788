/**
 * Item 18: a tenant's subscription pattern (and a manifest's route `on`) used to become a
 * backtracking regex (`*` → `.*`); `*a*a*a*a*a*a*a*a*b` against a 30-character type took
 * 183 ms. Matching is now a linear scan: same answers as the old regex, bounded steps.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { matchesAny } from '../../engine/platform/deliveries/patterns.js';
import { routePattern } from '../../engine/plan/compile-webhooks.js';
import { wildcardMatch, type StepCounter } from '../../engine/core/wildcard.js';
import { event, openDeliveries, startReceiver, type Receiver } from '../deliveries/helpers.js';
import { databaseKinds, type TestDatabase } from '../store/databases.js';

/** The semantics before the fix, kept as the reference. */
function oldRegex(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);
}

function steps(pattern: string, text: string): { matched: boolean; steps: number } {
  const counter: StepCounter = { steps: 0 };
  const matched = wildcardMatch(pattern, text, counter);
  return { matched, steps: counter.steps };
}

describe('wildcard patterns match like the old regex', () => {
  const table: Array<[string, string, boolean]> = [
    ['ticket.*', 'ticket.created', true],
    ['ticket.*', 'ticketing.created', false],
    ['ticket.*', 'x.ticket.created', false],
    ['ticket.*', 'ticket.', true],
    ['*', '', true],
    ['*', 'anything.at.all', true],
    ['**', 'a', true],
    ['customer.*.updated', 'customer.vip.updated', true],
    ['customer.*.updated', 'customer..updated', true],
    ['customer.*.updated', 'customer.updated', false],
    ['a.b', 'aXb', false],
    ['a.b', 'a.b', true],
    ['*.paid', 'invoice.paid', true],
    ['*.paid', 'invoice.paid.x', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['*ab*ab*', 'abab', true],
    ['*ab*ab*', 'aba', false],
    ['*aab', 'aaab', true],
    ['x*y*z', 'x--y--y--z', true],
    ['x*y*z', 'x--z--y', false],
    ['(a+)+', '(a+)+', true],
    ['[a]', 'a', false],
    ['a*b', 'a\nb', false],
    ['a*', 'a\u2028', false],
    ['*\nb', 'a\nb', true],
    ['', '', true],
    ['', 'a', false],
  ];
  it.each(table)('%j against %j → %s', (pattern, text, expected) => {
    expect(oldRegex(pattern).test(text)).toBe(expected);
    expect(wildcardMatch(pattern, text)).toBe(expected);
    expect(routePattern(pattern).test(text)).toBe(expected);
  });

  it('agrees with the old regex on random patterns and types (property)', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '*', '\n', '-', 'é', '\u{1F600}');
    const text = fc.array(fc.constantFrom('a', 'b', '.', '\n', '-', 'é', '\u{1F600}', '*'), { maxLength: 14 }).map((a) => a.join(''));
    const pattern = fc.array(alphabet, { maxLength: 10 }).map((a) => a.join(''));
    fc.assert(fc.property(pattern, text, (p, t) => wildcardMatch(p, t) === oldRegex(p).test(t)), { numRuns: 5000 });
    // Types built to match part of the pattern exercise the success paths too.
    fc.assert(fc.property(pattern, text, text, (p, pre, post) => {
      const t = pre + p.replaceAll('*', 'ab') + post;
      return wildcardMatch(p, t) === oldRegex(p).test(t);
    }), { numRuns: 5000 });
  });

  it('matchesAny uses the same matcher', () => {
    expect(matchesAny(['invoice.paid', 'customer.*.updated'], 'customer.vip.updated')).toBe(true);
    expect(matchesAny(['invoice.paid'], 'invoice.paidx')).toBe(false);
  });
});

describe('adversarial patterns run in bounded steps', () => {
  const bound = (p: string, t: string) => (p.length + 1) * (t.length + 1);

  it('the reported case: *a*a*a*a*a*a*a*a*b against 30 characters', () => {
    const p = '*a*a*a*a*a*a*a*a*b';
    const t = 'a'.repeat(30);
    const r = steps(p, t);
    expect(r.matched).toBe(false);
    expect(r.steps).toBeLessThanOrEqual(bound(p, t));
    expect(r.steps).toBeLessThan(100);
  });

  it('the largest allowed inputs: a 200-character pattern against a 300-character type', () => {
    const cases: Array<[string, string]> = [
      [`${'*a'.repeat(99)}*b`, 'a'.repeat(300)],
      [`${'*'.repeat(100)}${'a'.repeat(99)}b`, 'a'.repeat(300)],
      [`*${'a'.repeat(98)}b*`, 'a'.repeat(300)],
      [`${'a*'.repeat(100)}`, `${'a'.repeat(299)}\n`],
      [`*${'ab'.repeat(99)}c`, 'ab'.repeat(150)],
    ];
    for (const [p, t] of cases) {
      expect(p.length).toBeLessThanOrEqual(201);
      const r = steps(p, t);
      expect(r.matched).toBe(false);
      expect(r.steps).toBeLessThanOrEqual(bound(p, t));
    }
    // A matching type costs no more.
    const p = `${'*a'.repeat(99)}*b`;
    const r = steps(p, `${'a'.repeat(299)}b`);
    expect(r.matched).toBe(true);
    expect(r.steps).toBeLessThanOrEqual(bound(p, 'x'.repeat(300)));
  });
});

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`a subscription with an adversarial pattern on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let receiver: Receiver;
    let env: Awaited<ReturnType<typeof openDeliveries>>;
    beforeEach(async () => {
      db = await kind.create('secpatterns');
      receiver = await startReceiver();
      env = await openDeliveries(db.url, { schedule: [40], timeoutMs: 2000 });
    });
    afterEach(async () => {
      await env?.close();
      await receiver?.close();
      await db?.cleanup();
    });

    it('is accepted, skips a long non-matching type and delivers a matching one', async () => {
      const pattern = `${'*a'.repeat(99)}*b`;
      const sub = await env.deliveries.createSubscription('acme', { url: receiver.url, events: [pattern] });
      expect(await env.deliveries.enqueue(event({ type: 'a'.repeat(300) }))).toBe(0);
      const hit = event({ type: `${'a'.repeat(299)}b` });
      expect(await env.deliveries.enqueue(hit)).toBe(1);
      expect(await env.deliveries.runOnce()).toBe(1);
      expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([hit.id]);
      expect((await env.deliveries.listDeliveries('acme', sub.id)).items.map((d) => d.eventId)).toEqual([hit.id]);
    });
  });
}

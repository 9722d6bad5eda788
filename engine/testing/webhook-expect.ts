/**
 * Compares what a delivery left behind with a webhook case's `expect` block. The routed
 * outcome is compared whole: `upserted`, `deleted` and `emitted` left out mean "nothing",
 * so a rejected delivery's case also proves that nothing was written or announced.
 */
import { diff, show } from './compare.js';
import type { CaseExpectation, ExpectedWebhookEvent } from './types.js';
import type { WebhookOutcome } from './webhook.js';
import type { WebhookEvent } from '../platform/webhooks/types.js';

/** Why the intake refused a delivery: a verification `reason`, else the problem's `code`. */
export function refusal(outcome: Pick<WebhookOutcome, 'status' | 'body'>): string | undefined {
  if (outcome.status < 400) return undefined;
  try {
    const p = JSON.parse(outcome.body) as { reason?: unknown; code?: unknown };
    if (typeof p.reason === 'string') return p.reason;
    if (typeof p.code === 'string') return p.code;
  } catch {
    // not a problem document; the status says enough
  }
  return `http_${outcome.status}`;
}

function parsedBody(outcome: WebhookOutcome): unknown {
  if (!/\bjson\b/i.test(outcome.contentType)) return outcome.body;
  try {
    return JSON.parse(outcome.body);
  } catch {
    return outcome.body;
  }
}

/**
 * An event with the fields its expectation names (all of them for an event no expectation
 * covers). A rejected row without a sender-claimed id carries its own random row id, shown as absent.
 */
function project(e: WebhookEvent, want: ExpectedWebhookEvent | undefined): Record<string, unknown> {
  const all: Record<string, unknown> = {
    id: e.providerEventId !== e.id ? e.providerEventId : undefined,
    type: e.type ?? null,
    status: e.status,
    reason: e.reason,
    error_contains: want?.error_contains === undefined ? e.error : e.error?.includes(want.error_contains) ? want.error_contains : (e.error ?? null),
  };
  if (!want) return all;
  return Object.fromEntries(Object.keys(want).map((k) => [k, all[k]]));
}

/**
 * An emitted event with the fields its expectation names; `type` always. An event no
 * expectation covers shows `type` and `data`, the rest would only bury the diff.
 */
function projectEmitted(e: WebhookOutcome['emitted'][number], want: { data?: unknown; model?: string; raw?: unknown } | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { type: e.type };
  if (!want || 'data' in want) out.data = e.data;
  if (want && 'model' in want) out.model = e.model ?? null;
  if (want && 'raw' in want) out.raw = e.raw ?? null;
  return out;
}

export function describeWebhookOutcome(o: WebhookOutcome): string {
  const writes = Object.entries(o.upserted).map(([s, l]) => `${l.length} ${s} upserted`)
    .concat(Object.entries(o.deleted).map(([s, l]) => `${l.length} ${s} deleted`));
  return `answered ${o.status} ${show(o.body, 300)}; ${o.events.length} event(s) logged; ${writes.join(', ') || 'no records written'}; ${o.emitted.length} event(s) emitted`;
}

/** Failure lines; empty when the outcome meets every expectation. */
export function checkWebhookExpectation(expect: CaseExpectation, o: WebhookOutcome): string[] {
  const out: string[] = [];
  const why = refusal(o);
  if (expect.verified === true && why !== undefined) out.push(`expected the delivery to verify, but it was refused (${why}): ${show(o.body, 300)}`);
  if (expect.verified === false && why === undefined) out.push(`expected the delivery to be refused, but it was accepted with ${o.status}`);
  if (expect.rejected !== undefined && why !== expect.rejected) {
    out.push(why === undefined ? `expected the delivery to be rejected (${expect.rejected}), but it was accepted with ${o.status} ${show(o.body, 300)}` : `rejected: expected ${show(expect.rejected)}, got ${show(why)}`);
  }
  if (expect.status !== undefined && expect.status !== o.status) out.push(`status: expected ${expect.status}, got ${o.status} ${show(o.body, 300)}`);
  if (expect.response !== undefined) diff(expect.response, parsedBody(o), 'response', out);
  if (expect.content_type !== undefined) {
    const media = o.contentType.split(';')[0].trim().toLowerCase();
    if (media !== expect.content_type.toLowerCase()) out.push(`content_type: expected ${show(expect.content_type)}, got ${show(o.contentType)}`);
  }
  if (expect.events !== undefined) {
    const actual = o.events.map((e, i) => project(e, expect.events![i]));
    diff(expect.events, actual, 'events', out);
  }
  diff(expect.upserted ?? {}, o.upserted, 'upserted', out);
  diff(expect.deleted ?? {}, o.deleted, 'deleted', out);
  const emitted = o.emitted.map((e, i) => projectEmitted(e, expect.emitted?.[i]));
  diff(expect.emitted ?? [], emitted, 'emitted', out);
  return out;
}

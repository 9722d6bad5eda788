/**
 * From a verified delivery to events: split (the manifest's `events`, else the body is one
 * event), then each event's id and type by JSONata over `{ event, body, headers }`. An event
 * without an id gets one from its content, so an identical redelivery still deduplicates.
 * Expression failures are reported, not thrown: the event is kept (without a type, no route
 * runs) rather than lost, since the provider already proved it sent it.
 */
import { createHash } from 'node:crypto';
import type { PlanWebhooks } from '../../plan/plan.js';
import { plain } from '../../lang/plain.js';
import { canonicalJson } from '../store/json.js';

export interface IdentifiedEvent {
  providerEventId: string;
  type?: string;
  event: unknown;
}

const MAX_ID = 500;
const MAX_TYPE = 300;

export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Evaluates, reporting a failure instead of throwing: a verified delivery is never refused for it. */
async function attempt(fn: () => Promise<unknown>, onError: (err: unknown) => void): Promise<unknown> {
  try {
    return await fn();
  } catch (err) {
    onError(err);
    return undefined;
  }
}

export async function splitEvents(spec: PlanWebhooks, body: unknown, headers: Record<string, string>, onError: (err: unknown) => void): Promise<{ events: unknown[]; split: boolean }> {
  if (!spec.events) return { events: [body], split: false };
  const events = spec.events;
  let failed = false;
  const v = plain(await attempt(() => events.evaluate({ body, headers }), (err) => { failed = true; onError(err); }));
  if (failed) return { events: [body], split: false };
  if (v === undefined || v === null) return { events: [], split: true };
  return { events: Array.isArray(v) ? v : [v], split: true };
}

export async function identify(spec: PlanWebhooks, event: unknown, body: unknown, headers: Record<string, string>, onError: (err: unknown) => void): Promise<IdentifiedEvent> {
  const input = { event, body, headers };
  let id = scalarText(await attempt(() => spec.id.evaluate(input), onError));
  if (id === undefined || id.length > MAX_ID) id = `sha256:${createHash('sha256').update(canonicalJson(event)).digest('hex')}`;
  const type = scalarText(await attempt(() => spec.type.evaluate(input), onError));
  return { providerEventId: id, event, ...(type !== undefined ? { type: type.slice(0, MAX_TYPE) } : {}) };
}

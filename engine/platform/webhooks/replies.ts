/**
 * Declared replies: which handshake or acknowledgement applies, and the answer it builds.
 * The answer is the connector's own (any status, type, body, headers), so what an
 * expression returns is checked here rather than trusted: a header value a sender could
 * steer into a line break would otherwise make the HTTP layer throw, and nothing a sender
 * puts in a request may turn into a 500.
 */
import type { CompiledExpr } from '../../lang/expr.js';
import { plain } from '../../lang/plain.js';
import { truthy } from '../../lang/truthy.js';
import type { PlanHandshake, PlanWebhookReply } from '../../plan/plan.js';
import { rawReply } from './reply.js';
import type { WebhookResponse } from './types.js';

/** Evaluates an expression; a failure is logged by the caller and reads as nothing. */
export type SafeEval = (fn: () => Promise<unknown>) => Promise<unknown>;

/** What Node refuses in a header value (its own check), so a bad one is dropped, not thrown. */
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** The first entry whose `when` holds (an entry without one always does). */
export async function firstMatch<T extends { when?: CompiledExpr }>(
  list: readonly T[],
  input: Record<string, unknown>,
  safeEval: SafeEval,
  eligible: (entry: T) => boolean = () => true,
): Promise<T | undefined> {
  for (const entry of list) {
    if (!eligible(entry)) continue;
    if (!entry.when || truthy(await safeEval(() => entry.when!.evaluate(input)))) return entry;
  }
  return undefined;
}

export function handshakeFor(list: readonly PlanHandshake[], method: string, input: Record<string, unknown>, safeEval: SafeEval) {
  return firstMatch(list, input, safeEval, (h) => h.methods.includes(method));
}

/** The methods some handshake answers besides POST, for a 405's `allow`. */
export function allowedMethods(list: readonly PlanHandshake[]): string {
  return [...new Set(['POST', ...list.flatMap((h) => h.methods)])].sort().join(', ');
}

export async function declaredReply(
  r: PlanWebhookReply,
  input: Record<string, unknown>,
  safeEval: SafeEval,
  onDropped: (header: string) => void,
): Promise<WebhookResponse> {
  const value = r.body ? plain(await safeEval(() => r.body!.evaluate(input))) : undefined;
  const out = rawReply(r.status, r.contentType, value);
  for (const [name, expr] of Object.entries(r.headers)) {
    const v = plain(await safeEval(() => expr.evaluate(input)));
    const text = typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
    if (typeof text === 'string' && !BAD_HEADER_VALUE.test(text)) out.headers[name] = text;
    else if (v !== undefined && v !== null) onDropped(name);
  }
  return out;
}

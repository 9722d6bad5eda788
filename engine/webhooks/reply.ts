/** Answers the intake sends, as plain status/headers/body for any HTTP layer to write. */
import type { WebhookResponse } from './types.js';

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

export function reply(status: number, body: Record<string, unknown>): WebhookResponse {
  return { status, headers: { ...JSON_TYPE }, body: JSON.stringify(body) };
}

export const notFound = (message: string) => reply(404, { error: 'not_found', message });

export function rawReply(status: number, contentType: string, value: unknown): WebhookResponse {
  const json = /\bjson\b/i.test(contentType);
  const body = json ? JSON.stringify(value ?? {}) : value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return { status, headers: { 'content-type': contentType }, body };
}

/** JSONata truthiness as the manifest author means it: empty sequences and missing are false. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0 && v.some(truthy);
  return Boolean(v);
}

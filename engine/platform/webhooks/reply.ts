/**
 * Answers the intake sends, as plain status/headers/body for any HTTP layer to write. A
 * refusal is problem+json with the same members as every other runtime error
 * (runtime/problem.ts): `type`, `title`, `status`, `detail`, a stable `code`, and for a
 * failed verification its `reason`.
 */
import { PROBLEM_CONTENT_TYPE, problemType, statusTitle } from '../../core/problem.js';
import type { WebhookResponse } from './types.js';

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

/** `{ error, message, ...extra }` at 4xx/5xx becomes a problem with `code` = error and `detail` = message. */
export function reply(status: number, body: Record<string, unknown>): WebhookResponse {
  if (status >= 400 && typeof body.error === 'string') {
    const { error, message, ...extra } = body;
    const detail = typeof message === 'string' ? message
      : typeof extra.reason === 'string' ? `the delivery failed verification: ${extra.reason.replace(/_/g, ' ')}` : error.replace(/_/g, ' ');
    return problemReply(status, error, detail, extra);
  }
  return { status, headers: { ...JSON_TYPE }, body: JSON.stringify(body) };
}

export function problemReply(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): WebhookResponse {
  const body = { type: problemType(code), title: statusTitle(status), status, detail, code, ...extra };
  return { status, headers: { 'content-type': PROBLEM_CONTENT_TYPE }, body: JSON.stringify(body) };
}

export const notFound = (message: string) => reply(404, { error: 'not_found', message });

export function rawReply(status: number, contentType: string, value: unknown): WebhookResponse {
  const json = /\bjson\b/i.test(contentType);
  const body = json ? JSON.stringify(value ?? {}) : value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return { status, headers: { 'content-type': contentType }, body };
}


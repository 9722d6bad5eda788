/**
 * One attempt on the wire with got. got's own retries and error throwing are off: retrying
 * and classifying are ours, so every status comes back as a response and every transport
 * failure as a ConnectorError of kind `network` or `timeout`.
 */
import type { Got, Response } from 'got';
import { ConnectorError } from '../../core/errors.js';
import { parseJson } from '../../core/json.js';
import { buildUrl, encodeBody } from '../../core/encode.js';
import type { InboundResponse, OutboundRequest } from '../../core/wire.js';

export interface SendOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

const MAX_REDIRECTS = 5;

function looksJson(contentType: string | undefined, text: string): boolean {
  if (contentType && /[/+]json\b/i.test(contentType)) return true;
  const t = text.trimStart();
  return t.startsWith('{') || t.startsWith('[');
}

/** Integers past 2^53 in a JSON body arrive as exact strings (see ../json.ts). */
export function parseBody(contentType: string | undefined, text: string): unknown {
  if (text === '') return undefined;
  if (looksJson(contentType, text)) {
    try {
      return parseJson(text);
    } catch {
      return text;
    }
  }
  return text;
}

function transportError(err: any, signal?: AbortSignal): ConnectorError {
  // A refusal raised while connecting (the outbound guard) is already the error to report.
  if (err instanceof ConnectorError) return err;
  if (err?.cause instanceof ConnectorError) return err.cause;
  const code: string = err?.code ?? 'ERR_UNKNOWN';
  // Only the code and got's short text travel on: got's error holds the request options, headers included.
  const cause = new Error(`${code}: ${String(err?.message ?? err)}`);
  if (signal?.aborted || err?.name === 'AbortError' || code === 'ERR_ABORTED') {
    return new ConnectorError({ kind: 'network', origin: 'caller', message: 'request aborted', retryable: false, cause });
  }
  if (err?.name === 'TimeoutError' || code === 'ETIMEDOUT') {
    return new ConnectorError({ kind: 'timeout', origin: 'provider', message: `no response in time (${String(err?.message ?? code)})`, retryable: true, cause });
  }
  if (code === 'ERR_TOO_MANY_REDIRECTS') {
    return new ConnectorError({ kind: 'network', origin: 'provider', message: `more than ${MAX_REDIRECTS} redirects`, retryable: false, cause });
  }
  return new ConnectorError({ kind: 'network', origin: 'provider', message: `network error ${code}: ${String(err?.message ?? '')}`, retryable: true, cause });
}

/**
 * The got options every attempt uses. An HttpClient bakes them into its got instance once
 * (`got.extend`), so each request merges only what varies.
 */
export const ATTEMPT_DEFAULTS = {
  throwHttpErrors: false,
  retry: { limit: 0 },
  followRedirect: true,
  maxRedirects: MAX_REDIRECTS,
  decompress: true,
  responseType: 'text',
} as const;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// What Node's http module refuses in a header value: CR and LF (which would end the header
// and start another), NUL and the other controls, and anything above Latin-1.
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Refused here rather than by Node mid-request: Node's error would surface as a retryable
 * network failure. The message names the header, never its value (it may be a credential).
 */
function checkHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name) || BAD_HEADER_VALUE.test(value)) {
      throw new ConnectorError({
        kind: 'validation', origin: 'caller',
        message: `header ${HEADER_NAME.test(name) ? name : JSON.stringify(name.slice(0, 64))} holds a character that cannot be sent (CR, LF, another control character, or one outside Latin-1)`,
        retryable: false,
      });
    }
  }
}

/**
 * One attempt. `preset` says `got` already carries ATTEMPT_DEFAULTS (an HttpClient's
 * instance); any other got instance gets them with the request.
 */
export async function send(got: Got, req: OutboundRequest, opts: SendOptions, preset = false): Promise<InboundResponse> {
  const encoded = encodeBody(req);
  const headers: Record<string, string> = { ...req.headers };
  if (encoded.contentType && !headers['content-type']) headers['content-type'] = encoded.contentType;
  if (!headers.accept) headers.accept = 'application/json';
  checkHeaders(headers);
  const perRequest: Record<string, unknown> = { method: req.method, headers, timeout: { request: opts.timeoutMs } };
  if (encoded.body !== undefined) perRequest.body = encoded.body;
  if (opts.signal) perRequest.signal = opts.signal;
  try {
    const res = (await got(buildUrl(req), preset ? perRequest : { ...perRequest, ...ATTEMPT_DEFAULTS })) as Response<string>;
    const rawBody = res.body ?? '';
    const contentType = res.headers['content-type'];
    return {
      status: res.statusCode,
      headers: res.headers,
      body: req.method === 'HEAD' ? undefined : parseBody(contentType, rawBody),
      rawBody,
      url: res.url,
    };
  } catch (err) {
    throw transportError(err, opts.signal);
  }
}

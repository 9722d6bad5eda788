/**
 * Request bodies: read with a size cap (413 before reading when Content-Length already says
 * too much), parsed as JSON only when declared as JSON. Bad input is always a 4xx with a
 * reason, never a 500, and a parse error never quotes the body back (it may hold credentials).
 */
import type { Context } from 'koa';
import { HttpProblem } from './problem.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

function tooLarge(ctx: Context, limit: number): HttpProblem {
  // The rest of an oversized upload is not worth reading: close the connection after replying.
  ctx.set('connection', 'close');
  return new HttpProblem(413, 'body_too_large', `the request body exceeds ${limit} bytes`);
}

/** The raw body, or undefined when there is none. */
export async function readRawBody(ctx: Context, limit: number): Promise<Buffer | undefined> {
  const req = ctx.req;
  const encoding = (ctx.get('content-encoding') || 'identity').toLowerCase();
  if (encoding !== 'identity') throw new HttpProblem(415, 'unsupported_encoding', `Content-Encoding ${encoding.slice(0, 40)} is not accepted; send the body uncompressed`);
  const declared = ctx.get('content-length');
  if (declared !== '' && Number(declared) > limit) throw tooLarge(ctx, limit);
  if (declared === '0') return undefined;
  if (declared === '' && !ctx.get('transfer-encoding')) return undefined;

  return new Promise<Buffer | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err?: unknown, value?: Buffer) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish(tooLarge(ctx, limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined, size === 0 ? undefined : Buffer.concat(chunks, size));
    const onError = (err: Error) => finish(new HttpProblem(400, 'body_unreadable', `the request body could not be read: ${err.message}`));
    const onAborted = () => finish(new HttpProblem(400, 'body_unreadable', 'the client aborted the request body'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function isJsonType(contentType: string): boolean {
  const type = contentType.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Parses a JSON body; undefined when the request had none. */
export function parseJsonBody(ctx: Context, raw: Buffer | undefined): unknown {
  if (raw === undefined) return undefined;
  const type = ctx.get('content-type');
  if (!isJsonType(type)) {
    throw new HttpProblem(415, 'unsupported_media_type', `send the body as application/json${type ? ` (got ${type.split(';')[0].slice(0, 60)})` : ''}`);
  }
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message);
    throw new HttpProblem(400, 'malformed_json', `the request body is not valid JSON${at ? ` (at byte ${at[1]})` : ''}`);
  }
}

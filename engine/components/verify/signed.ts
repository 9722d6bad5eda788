/**
 * The bytes an HMAC is computed over, from the manifest's `signed` template. The raw body
 * must stay byte-exact (a body that is not valid UTF-8 would be changed by a round trip
 * through a JS string), so the template renders a random placeholder in its place and the
 * body's own bytes are spliced in where the placeholder landed.
 */
import { randomBytes } from 'node:crypto';
import type { CompiledTemplate } from '../../lang/template.js';
import type { VerifyInput } from './protocol.js';

// Per process and unguessable, so a sender cannot plant it in a header to move the splice.
const PLACEHOLDER = `\u0000pb-raw-${randomBytes(12).toString('hex')}\u0000`;

export function signedBytes(template: CompiledTemplate | undefined, input: VerifyInput, timestamp: string | undefined): Buffer {
  if (!template || (template.whole && template.source.replace(/\s+/g, '') === '{{raw_body}}')) return input.rawBody;
  const text = template.render({
    ...input.connection,
    raw_body: PLACEHOLDER,
    timestamp: timestamp ?? '',
    method: input.method,
    url: input.url,
    headers: input.headers,
    body: input.body,
  });
  const parts = text.split(PLACEHOLDER);
  const chunks: Buffer[] = [];
  parts.forEach((p, i) => {
    if (i > 0) chunks.push(input.rawBody);
    if (p !== '') chunks.push(Buffer.from(p, 'utf8'));
  });
  return Buffer.concat(chunks);
}

/**
 * The plain-http refusal (issue 10 item 16): the outbound guard raises it for every http URL
 * whose host the operator has not listed in `PATCHBAY_ALLOW_HTTP_HOSTS`, before any
 * connection is attempted, so no credential, client secret or signed delivery crosses the
 * network unencrypted.
 */
import { ConnectorError } from '../../core/errors.js';

/** The stable code of a plain-http refusal (ConnectorError.code, the runtime's problem code). */
export const INSECURE_URL = 'insecure_url';

/** `http://host[:port]` as shown in messages: never a path, query or userinfo, which may carry secrets. */
export function httpOrigin(host: string, port: number): string {
  const h = (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase();
  return `http://${h.includes(':') ? `[${h}]` : h}${port === 80 ? '' : `:${port}`}`;
}

export function insecureUrlError(origin: string): ConnectorError {
  return new ConnectorError({
    kind: 'config', origin: 'connection',
    code: INSECURE_URL,
    message: `outbound connection refused: ${origin} is plain http, which would send credentials and payloads unencrypted; use https, or list the host in PATCHBAY_ALLOW_HTTP_HOSTS (test servers and sandboxes only)`,
    retryable: false,
  });
}

/**
 * The last stop of every error leaving the engine: it names the connector and operation
 * the caller asked for, and carries no secret of the connection in any text field.
 */
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import { redact, redactUrl } from '../../core/redact.js';

export function decorateError(err: unknown, connector: string, operation: string, secrets: readonly string[]): unknown {
  if (!isConnectorError(err)) {
    if (err instanceof Error) {
      err.message = redact(err.message, secrets);
      if (err.stack) err.stack = redact(err.stack, secrets);
    }
    return err;
  }
  const out = new ConnectorError({
    kind: err.kind, origin: err.origin,
    message: redact(err.message, secrets),
    retryable: err.retryable,
    status: err.status,
    providerCode: err.providerCode === undefined ? undefined : redact(err.providerCode, secrets),
    providerMessage: err.providerMessage === undefined ? undefined : redact(err.providerMessage, secrets),
    connector,
    operation,
    request: err.request && { method: err.request.method, url: redactUrl(err.request.url, secrets) },
    location: err.location,
    details: err.details?.map((d) => ({ path: d.path, message: redact(d.message, secrets) })),
    retryAfterMs: err.retryAfterMs,
    code: err.code,
    cause: err.cause,
  });
  if (err.stack) out.stack = redact(err.stack, secrets);
  return out;
}

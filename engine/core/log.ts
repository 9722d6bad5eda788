/**
 * Logging. pino's path redaction covers header fields by name; values we know are secret are
 * removed by `secretSafe`, which every request-path log goes through, because a secret can
 * turn up in any field (a URL, a provider's error text).
 */
import { pino, type DestinationStream, type Level } from 'pino';
import { redact, redactValue } from './redact.js';

/** The few methods the engine calls; a pino logger satisfies it. */
export interface Logger {
  trace(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const SENSITIVE_HEADERS = [
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'x-auth-token', 'x-access-token',
];

/** Header-shaped paths pino censors wherever a log object carries headers. */
export const REDACT_PATHS: string[] = SENSITIVE_HEADERS.flatMap((h) => [
  `headers["${h}"]`,
  `*.headers["${h}"]`,
  `request.headers["${h}"]`,
  `response.headers["${h}"]`,
]).concat(['credentials', '*.credentials', 'password', '*.password', 'client_secret', '*.client_secret']);

export interface LoggerOptions {
  level?: Level | 'silent';
  /** Where lines go; default stdout. Tests pass a stream to capture lines. */
  destination?: DestinationStream | NodeJS.WritableStream;
  name?: string;
}

export function createLogger(opts: LoggerOptions = {}): pino.Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    ...(opts.name ? { name: opts.name } : {}),
  };
  return opts.destination ? pino(options, opts.destination as DestinationStream) : pino(options);
}

/** A logger that discards everything, for callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

/** Wraps a logger so every field and message has the given secrets replaced. */
export function secretSafe(logger: Logger, secrets: () => readonly string[]): Logger {
  const out = {} as Logger;
  for (const level of LEVELS) {
    out[level] = (obj: object, msg?: string) => {
      const s = secrets();
      if (msg === undefined) logger[level](redactValue(obj, s));
      else logger[level](redactValue(obj, s), redact(msg, s));
    };
  }
  return out;
}

/**
 * The validator's output type and its stable codes. Codes are part of the public surface
 * (docs, editor integrations, CI greps), so they only ever get added, never renamed.
 */
export type Severity = 'error' | 'warning';

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  severity: Severity;
  code: string;
  message: string;
  hint?: string;
  /** Dotted manifest path, e.g. `streams.issues.request.path`; empty for the document. */
  path?: string;
}

export type Path = Array<string | number>;

export const DIAGNOSTIC_CODES: Record<string, string> = {
  'yaml-syntax': 'The file is not valid YAML.',
  'duplicate-key': 'A mapping defines the same key twice; YAML would silently keep only the last.',
  'read-error': 'The manifest file could not be read.',
  'not-a-mapping': 'The manifest document must be a YAML mapping (key: value pairs).',
  'unknown-key': 'A key the manifest language does not define here (often a typo).',
  'missing-key': 'A required key is absent.',
  'invalid-type': 'A value has the wrong type (e.g. a list where a mapping belongs).',
  'invalid-value': 'A value is outside the allowed set or range.',
  'invalid-format': 'A string does not have the required form (duration, URI, name pattern).',
  'unknown-definition': '`extends` names a block that is not under top-level `definitions`.',
  'invalid-json-schema': 'A config, credentials, settings or input schema is not valid JSON Schema.',
  'template-syntax': 'A Handlebars template does not compile.',
  'jsonata-syntax': 'A JSONata expression does not compile.',
  'template-variable': 'A template reads a variable that does not exist in its context.',
  'unknown-function': 'An expression calls a `$function` that is not a JSONata built-in nor bound in the expression (e.g. `$strng`).',
  'expression-variable': 'An expression reads a `$variable` the engine does not bind for that field and the expression does not define.',
  'expression-root': 'An expression whose input is a fixed object (a webhook\'s `event`, `body`, `headers` …, a `body_expr`\'s template variables) starts a path with a name that input does not have.',
  'expression-credentials': 'An expression over a response or record reads `credentials.X` or `secrets.X`: a field of that data, since expressions never see the connection\'s credentials.',
  'unknown-config-field': 'A template reads `config.X` or `input.X` that its JSON Schema does not declare.',
  'unknown-stream': 'A route or child stream names a stream that does not exist.',
  'unknown-action': 'A route\'s `fetch` names an action that does not exist.',
  'stream-without-get': 'A route\'s `fetch` names a stream that has no single-record request (`get:`).',
  'unknown-model': 'A stream names a model with no `schemas/models/<model>.schema.json`.',
  'emit-not-unified': 'An event named after a unified model (`contact.updated`) is emitted without a stream of that model, so it carries a provider-shaped object (warning).',
  'emit-model-mismatch': 'An event named after one model is emitted through a stream of another model (or of none).',
  'emit-no-record': 'An `emit` through a stream names neither `record` nor `id`, or also gives `data`.',
  'parent-cycle': 'Child streams form a cycle through `parent`.',
  'dynamic-parent': 'The stream template of a `dynamic_streams` family has a `parent`; a discovered stream is read on its own.',
  'unknown-auth-method': '`auth.default` or a set-up step\'s `auth` names a method that is not under `auth.methods`.',
  'id-mismatch': 'The connector id differs from the name of the folder holding connector.yaml.',
  'duplicate-id': 'Two manifests declare the same connector id.',
  'unsupported-version': '`patchbay` names a manifest language version this engine does not know.',
  'pagination-no-stop': 'A pagination has no rule that ends it (offset/page need `size` or `stop_when`).',
  'secret-in-query': 'A credential is sent in a URL query, where proxies and logs keep it.',
  'insecure-url': 'A URL uses plain http:// for a non-local host.',
  'verify-none': 'Webhooks are accepted without any signature verification.',
  'unprovable-settings': '`check.settings` would route webhooks by an answer from an origin the tenant chooses.',
  'unsafe-regex': 'A regular expression (JSONata literal, JSON Schema `pattern`, signature pattern) could backtrack catastrophically.',
  'forbidden-function': 'An expression calls a JSONata function the engine refuses (`$eval`, which runs unchecked text).',
  'cursor-unused': 'An incremental stream whose request never reads `state`, so every run reads everything.',
  'state-unknown': 'A stream template reads `state.<name>` that the stream never stores (no `cursor`, not under `state.keep`), so it is always empty.',
  'state-reserved': 'A `state.keep` name the engine uses itself (`cursor`, `parents`).',
  'state-unused': 'A stream keeps a value under `state.keep` that no request or `state.resume` reads.',
  'handshake-catches-all': 'A handshake whose `when` is always true answers every POST, so no delivery reaches the routes.',
  'handshake-get-signed': 'A GET handshake is verified by a scheme that signs bodies; providers do not sign GET challenges (set `verify: false` and check a token in `when`).',
  'reply-unreachable': 'A handshake or acknowledgement after one that always matches is never used.',
  'reply-body-not-sent': 'A handshake or acknowledgement declares a body on a status that has none (204, 205, 304).',
  'reply-string-as-json': 'A string literal reply body under a JSON content type is sent JSON-encoded, with quotes.',
  'timestamp-undeclared': 'An HMAC signed payload uses `timestamp` but the verification does not say where the timestamp is.',
  'timestamp-unsigned': 'An HMAC verification checks a timestamp that is not part of the signed payload, so a replay can carry a fresh one.',
  'prefix-ignored': 'An HMAC signature declares both `prefix` and `pattern`; the pattern wins and the prefix is ignored.',
  'setup-step': 'A `setup` step that both captures and sends a request (or neither), reads a response without a request, or a step name or default environment given twice.',
  'compile-error': 'The manifest validated but could not be compiled (an engine bug or a limit).',
};

export function dotted(path: Path): string {
  return path.map(String).join('.');
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort((a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
}

export function hasErrors(list: Diagnostic[]): boolean {
  return list.some((d) => d.severity === 'error');
}

/** Manifest values are user data: show them briefly and never as a dump. */
export function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const s = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

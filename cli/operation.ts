/**
 * What the commands that run a connector share: the connection options (`--config`,
 * `--credentials`, … as JSON or @file), loading a connector's plan, and running an operation
 * with its errors reported and mapped to exit codes (0 ok, 1 the connector failed, 2 usage).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Connection } from '../engine/index.js';
import type { Engine, Plan } from '../engine/index.js';
import { connectorsDir, isDirectory } from './context.js';
import { EXIT, fail, usage } from './exit.js';
import { formatDiagnostic, plural, sortDiagnostics } from './format.js';

export interface ConnectionOptions {
  config?: string;
  credentials?: string;
  settings?: string;
  auth?: string;
  baseUrl?: string;
}

/** Adds --config, --credentials, --settings, --auth, --base-url to a command. */
export function withConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--config <json>', 'connection config, JSON or @file')
    .option('--credentials <json>', 'connection credentials, JSON or @file')
    .option('--settings <json>', 'connection settings, JSON or @file')
    .option('--auth <method>', 'auth method name when the connector offers several')
    .option('--base-url <url>', "replace the manifest's base URL (sandboxes, proxies, local servers)");
}

/**
 * Offset where `text` stops being JSON. V8's own messages do not always carry a position
 * (and sometimes quote the input, which may hold credentials), so a small scanner finds it.
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const stop = (): never => { throw i; };
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const str = () => {
    i++;
    while (i < text.length) {
      const ch = text[i];
      if (ch === '"') { i++; return; }
      if (ch < ' ') stop();
      i += ch === '\\' ? 2 : 1;
    }
    stop();
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++; ws();
      if (text[i] === close) { i++; return; }
      for (;;) {
        if (c === '{') { ws(); if (text[i] !== '"') stop(); str(); ws(); if (text[i] !== ':') stop(); i++; }
        value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === close) { i++; return; }
        stop();
      }
    }
    if (c === '"') return str();
    const m = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null/y;
    m.lastIndex = i;
    if (m.exec(text)) { i = m.lastIndex; return; }
    stop();
  };
  try {
    value(); ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return at as number;
  }
}

/** "line 2, column 5" and, unless the text is secret, the line with a caret under the spot. */
function jsonErrorAt(text: string, err: Error, showText: boolean): string {
  const reason = err.message.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/, '');
  const pos = jsonErrorOffset(text);
  if (pos < 0) return reason;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  const where = `${reason} at line ${line}, column ${column}`;
  if (!showText) return where;
  const lineText = text.split('\n')[line - 1] ?? '';
  return `${where}\n  ${lineText}\n  ${' '.repeat(Math.max(0, column - 1))}^`;
}

/**
 * Reads an option given as inline JSON or `@file`. Bad JSON is a usage error naming the option
 * and where the text breaks (line, column, and the line itself — except for --credentials,
 * whose text is secret).
 */
export function parseJsonOption(cmd: Command, option: string, value: string | undefined): unknown {
  if (value === undefined) return undefined;
  let text = value;
  let source = 'the value';
  if (value.startsWith('@')) {
    source = value.slice(1);
    try {
      text = readFileSync(source, 'utf8');
    } catch (err) {
      usage(cmd, `${option}: cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    usage(cmd, `${option}: invalid JSON in ${source}: ${jsonErrorAt(text, err as Error, option !== '--credentials')}`);
  }
}

export function parseObjectOption(cmd: Command, option: string, value: string | undefined): Record<string, unknown> | undefined {
  const parsed = parseJsonOption(cmd, option, value);
  if (parsed === undefined) return undefined;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) usage(cmd, `${option}: expected a JSON object`);
  return parsed as Record<string, unknown>;
}

export function buildConnection(cmd: Command, connector: string, opts: ConnectionOptions): Connection {
  const conn: Connection = { connector };
  const config = parseObjectOption(cmd, '--config', opts.config);
  const credentials = parseObjectOption(cmd, '--credentials', opts.credentials);
  const settings = parseObjectOption(cmd, '--settings', opts.settings);
  if (config) conn.config = config;
  if (credentials) conn.credentials = credentials;
  if (settings) conn.settings = settings;
  if (opts.auth) conn.auth = opts.auth;
  if (opts.baseUrl) conn.baseUrl = opts.baseUrl;
  return conn;
}

/** Compiles `<connectors>/<id>/connector.yaml`; an unknown id is a usage error. */
export async function loadConnectorPlan(cmd: Command, id: string): Promise<Plan> {
  const dir = connectorsDir(cmd);
  if (!/^[a-z][a-z0-9_-]*$/.test(id) || !isDirectory(join(dir, id))) usage(cmd, `unknown connector "${id}" in ${dir}`);
  const { loadPlan } = await import('../engine/index.js');
  const { plan, diagnostics } = await loadPlan(join(dir, id, 'connector.yaml'));
  if (plan) return plan;
  const errors = sortDiagnostics(diagnostics.filter((d) => d.severity === 'error'));
  process.stderr.write(`${errors.map(formatDiagnostic).join('\n')}\n`);
  fail(cmd, `connector "${id}" does not compile (${plural(errors.length, 'error')}); run \`patchbay validate\` for details`);
}

/** `error [kind] message` plus what the provider said; the message is already secret-free. */
export function reportError(err: unknown): void {
  const { kind, origin, message, status, providerCode, providerMessage, details } = err as {
    kind?: string; origin?: string; message?: string; status?: number; providerCode?: string; providerMessage?: string; details?: Array<{ path: string; message: string }>;
  };
  const lines = [`error [${kind ?? 'internal'}] ${message ?? String(err)}`];
  if (origin !== undefined) lines.push(`  origin: ${origin}`);
  if (status !== undefined) lines.push(`  status: ${status}`);
  if (providerCode !== undefined) lines.push(`  provider code: ${providerCode}`);
  if (providerMessage !== undefined) lines.push(`  provider message: ${providerMessage}`);
  for (const d of details ?? []) lines.push(`  ${d.path || '(input)'}: ${d.message}`);
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** Runs an engine operation; a ConnectorError is reported and becomes exit 1. */
export async function runOperation(work: () => Promise<void>): Promise<void> {
  const { isConnectorError } = await import('../engine/index.js');
  try {
    await work();
  } catch (err) {
    if (!isConnectorError(err)) throw err;
    reportError(err);
    process.exitCode = EXIT.failed;
  }
}

/**
 * A stateless engine over one connector's plan for a one-off command (`call`, `get`),
 * closed afterwards whatever happens; failures are reported as `runOperation` does.
 */
export async function withLocalEngine(cmd: Command, connector: string, work: (engine: Engine) => Promise<void>): Promise<void> {
  await runOperation(async () => {
    const plan = await loadConnectorPlan(cmd, connector);
    const { createEngine } = await import('../engine/index.js');
    const engine = await createEngine({ connectors: [plan] });
    try {
      await work(engine);
    } finally {
      await engine.close();
    }
  });
}

/**
 * Reads a connector's tests.yaml: YAML with positions → schema validation (Ajv, draft
 * 2020-12) → a few semantic checks. Every problem is reported as `file:line:col path:
 * what is wrong`, all of them at once, so an author fixes the file in one pass.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { ConnectorError } from '../core/errors.js';
import type { TestCase, TestSuite } from './types.js';
import { nearest } from '../manifest/suggest.js';
import { packagePath } from '../core/package-root.js';

export interface TestDiagnostic {
  line: number;
  column: number;
  /** Dotted path in the tests file, e.g. `cases[0].exchanges[1].request.query`. */
  path: string;
  message: string;
}


let validator: ValidateFunction | undefined;
async function getValidator(): Promise<ValidateFunction> {
  if (!validator) {
    const schema = JSON.parse(await readFile(packagePath('schemas', 'tests.schema.json'), 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    validator = ajv.compile(schema);
  }
  return validator;
}

function pointerToPath(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function dotted(parts: Array<string | number>): string {
  let out = '';
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(top level)';
}

class Locator {
  constructor(private doc: Document, private lines: LineCounter) {}

  /** Position of the node at `parts`, or of its closest existing ancestor. */
  at(parts: Array<string | number>, key = false): { line: number; column: number } {
    for (let n = parts.length; n >= 0; n--) {
      const sub = parts.slice(0, n);
      const node = sub.length === 0 ? this.doc.contents : this.doc.getIn(sub, true);
      if (isNode(node) && node.range) {
        let offset = node.range[0];
        if (key && n === parts.length) offset = this.keyOffset(sub) ?? offset;
        const { line, col } = this.lines.linePos(offset);
        return { line, column: col };
      }
    }
    return { line: 1, column: 1 };
  }

  /** For unknown keys the key itself is the place to point at, not its value. */
  private keyOffset(parts: Array<string | number>): number | undefined {
    const parent = parts.length > 1 ? this.doc.getIn(parts.slice(0, -1), true) : this.doc.contents;
    const items = (parent as { items?: Array<{ key?: unknown }> } | null)?.items;
    const last = parts[parts.length - 1];
    const pair = items?.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === last);
    return pair && isNode(pair.key) ? pair.key.range?.[0] : undefined;
  }
}

function describeAjvError(err: ErrorObject, schemaProps: (parts: Array<string | number>) => string[]): { parts: Array<string | number>; key: boolean; message: string } {
  const parts = pointerToPath(err.instancePath);
  const p = err.params as Record<string, any>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const extra = String(p.additionalProperty);
      const allowed = schemaProps(parts);
      const guess = nearest(extra, allowed);
      const hint = guess ? ` — did you mean "${guess}"?` : allowed.length ? ` (allowed: ${allowed.join(', ')})` : '';
      return { parts: [...parts, extra], key: true, message: `unknown key "${extra}"${hint}` };
    }
    case 'required':
      return { parts, key: false, message: `missing required key "${p.missingProperty}"` };
    case 'enum':
      return { parts, key: false, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'type':
      return { parts, key: false, message: `must be ${Array.isArray(p.type) ? p.type.join(' or ') : p.type}` };
    case 'minItems':
      return { parts, key: false, message: `must have at least ${p.limit} item(s)` };
    default:
      return { parts, key: false, message: err.message ?? err.keyword };
  }
}

/** The property names the schema allows at an instance path (for "did you mean"). */
function propsAt(schema: any, parts: Array<string | number>): string[] {
  let s = schema;
  for (const p of parts) {
    if (!s) return [];
    if (typeof p === 'number') s = s.items;
    else s = s.properties?.[p] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
  }
  return s?.properties ? Object.keys(s.properties) : [];
}

const WEBHOOK_ONLY_EXPECT = ['status', 'response', 'content_type', 'verified', 'rejected', 'events', 'upserted', 'deleted', 'emitted'];
const WEBHOOK_ONLY_CASE = ['now', 'app', 'records_before'];
const OAUTH_ONLY_EXPECT = ['authorize_url', 'consent', 'settings'];
const OPERATION_EXPECT = ['output', 'records', 'record_count', 'state', 'error'];

type Problem = { parts: Array<string | number>; message: string };

/** A webhook case expects what a delivery leaves behind; an operation's expectations and fields mean nothing there. */
function webhookChecks(c: any, i: number): Problem[] {
  const out: Problem[] = [];
  if (c.webhook === undefined) {
    for (const k of WEBHOOK_ONLY_EXPECT) {
      // A stream read reports deletions too (a change feed's `deleted:`).
      if (k === 'deleted' && c.stream !== undefined) continue;
      if (c.expect?.[k] !== undefined) out.push({ parts: ['cases', i, 'expect', k], message: `\`${k}\` can only be expected from a \`webhook\` delivery or, for \`deleted\`, a \`stream\` read` });
    }
    // A subscribe case runs on a clock too (renewals fall due from it).
    for (const k of WEBHOOK_ONLY_CASE) if (c[k] !== undefined && !(k === 'now' && c.subscribe !== undefined)) out.push({ parts: ['cases', i, k], message: `\`${k}\` only applies to a \`webhook\` case` });
    return out;
  }
  for (const k of [...OPERATION_EXPECT, 'credentials']) {
    if (c.expect?.[k] !== undefined) out.push({ parts: ['cases', i, 'expect', k], message: `a \`webhook\` case does not expect \`${k}\`; expect \`verified\`/\`rejected\`, \`events\`, \`upserted\`, \`deleted\`, \`emitted\`` });
  }
  const w = c.webhook;
  if ((w.body === undefined) === (w.body_file === undefined)) out.push({ parts: ['cases', i, 'webhook'], message: 'a delivery needs exactly one of `body` (the raw text) or `body_file`' });
  if (c.expect?.verified === true && c.expect?.rejected !== undefined) out.push({ parts: ['cases', i, 'expect', 'rejected'], message: 'a delivery cannot be both `verified` and `rejected`' });
  if (c.now !== undefined && Number.isNaN(Date.parse(c.now))) out.push({ parts: ['cases', i, 'now'], message: `"${c.now}" is not an ISO 8601 time` });
  return out;
}

/** An OAuth consent expects an authorize URL, an outcome and what was stored, nothing an operation returns. */
function oauthChecks(c: any, i: number): Problem[] {
  const out: Problem[] = [];
  if (c.oauth === undefined) {
    for (const k of OAUTH_ONLY_EXPECT) if (c.expect?.[k] !== undefined) out.push({ parts: ['cases', i, 'expect', k], message: `\`${k}\` can only be expected from an \`oauth\` consent` });
    return out;
  }
  for (const k of OPERATION_EXPECT) {
    if (c.expect?.[k] !== undefined) out.push({ parts: ['cases', i, 'expect', k], message: `an \`oauth\` case does not expect \`${k}\`; expect \`authorize_url\`, \`consent\`, \`credentials\`, \`settings\`` });
  }
  return out;
}

/** A subscribe case expects the subscriptions it left, nothing an operation returns. */
function subscribeChecks(c: any, i: number): Problem[] {
  const out: Problem[] = [];
  if (c.subscribe === undefined) {
    if (c.expect?.subscriptions !== undefined) out.push({ parts: ['cases', i, 'expect', 'subscriptions'], message: '`subscriptions` can only be expected from a `subscribe` case' });
    return out;
  }
  for (const k of Object.keys(c.expect ?? {})) {
    if (k !== 'subscriptions') out.push({ parts: ['cases', i, 'expect', k], message: `a \`subscribe\` case does not expect \`${k}\`; expect \`subscriptions\` (and the exchanges it sends)` });
  }
  if (c.expect?.subscriptions === undefined) out.push({ parts: ['cases', i, 'expect'], message: 'a `subscribe` case expects `subscriptions`, the provider subscriptions the connection holds afterwards' });
  if (c.subscribe.renew_after !== undefined && !/^[0-9]+(\.[0-9]+)?(ms|s|m|h|d)$/.test(String(c.subscribe.renew_after))) {
    out.push({ parts: ['cases', i, 'subscribe', 'renew_after'], message: `"${c.subscribe.renew_after}" is not a duration (e.g. 50m, 2h, 3d)` });
  }
  return out;
}

/** A `get` reads one record: it has an output or an error, and none of a read's or an action's inputs. */
function getChecks(c: any, i: number): Problem[] {
  if (c.get === undefined) return [];
  return ['input', 'state', 'limit']
    .filter((k) => c[k] !== undefined)
    .map((k) => ({ parts: ['cases', i, k], message: `\`${k}\` means nothing to a \`get\` case; it reads the record \`get.id\` names` }));
}

/** `streams` and `skipped` belong to a discovery, and a discovery expects what it found. */
function discoverChecks(c: any, i: number): Problem[] {
  const out: Problem[] = [];
  const listed = c.expect?.streams !== undefined || c.expect?.skipped !== undefined;
  if (c.discover === undefined && listed) out.push({ parts: ['cases', i, 'expect'], message: '`streams` and `skipped` can only be expected from a `discover` case' });
  if (c.discover !== undefined && c.expect && Object.keys(c.expect).some((k) => ['output', 'records', 'record_count', 'state'].includes(k))) {
    out.push({ parts: ['cases', i, 'expect'], message: 'a `discover` case finds streams; expect `streams`, `skipped` or `error`' });
  }
  return out;
}

/** Checks the schema cannot express: each case runs exactly one operation, names are unique, an expectation says something. */
function semanticChecks(data: any): Problem[] {
  const out: Problem[] = [];
  const seen = new Map<string, number>();
  (data.cases as any[]).forEach((c, i) => {
    const ops = ['check', 'action', 'stream', 'get', 'discover', 'webhook', 'oauth', 'subscribe'].filter((k) => (k === 'check' ? c.check === true : c[k] !== undefined));
    if (ops.length !== 1) {
      out.push({ parts: ['cases', i], message: ops.length === 0 ? 'a case needs one of `check: true`, `action`, `stream`, `get`, `discover`, `webhook`, `oauth` or `subscribe`' : `a case runs one operation, found ${ops.join(' and ')}` });
    }
    out.push(...discoverChecks(c, i));
    // An empty expectation passes whatever happens, so it proves nothing.
    if (c.expect && Object.keys(c.expect).length === 0) {
      out.push({ parts: ['cases', i, 'expect'], message: `\`expect: {}\` checks nothing: say what case "${c.name}" must produce (\`output\`, \`records\`, \`error\`, \`status\`, …)` });
    }
    out.push(...webhookChecks(c, i), ...oauthChecks(c, i), ...subscribeChecks(c, i), ...getChecks(c, i));
    if (c.repeat !== undefined && (c.webhook !== undefined || c.oauth !== undefined || c.subscribe !== undefined)) {
      out.push({ parts: ['cases', i, 'repeat'], message: '`repeat` runs an operation (`check`, `action`, `stream`, `get`) several times; a delivery or consent happens once' });
    }
    if (c.stream === undefined && (c.expect?.records !== undefined || c.expect?.record_count !== undefined || c.expect?.state !== undefined)) {
      out.push({ parts: ['cases', i, 'expect'], message: '`records`, `record_count` and `state` can only be expected from a `stream` read' });
    }
    if (c.stream !== undefined && c.expect && 'output' in c.expect) {
      out.push({ parts: ['cases', i, 'expect', 'output'], message: 'a `stream` read has no output; expect `records`, `record_count` or `state`' });
    }
    if (c.idempotency_key !== undefined && c.action === undefined) {
      out.push({ parts: ['cases', i, 'idempotency_key'], message: '`idempotency_key` is the key a caller gives an `action` call' });
    }
    if (seen.has(c.name)) out.push({ parts: ['cases', i, 'name'], message: `duplicate case name "${c.name}" (also case ${seen.get(c.name)})` });
    else seen.set(c.name, i);
  });
  return out;
}

export function formatDiagnostics(file: string, diagnostics: TestDiagnostic[]): string {
  return diagnostics.map((d) => `${file}:${d.line}:${d.column} ${d.path}: ${d.message}`).join('\n');
}

/**
 * Parses and validates one tests.yaml. Returns the suite, or throws a `config`
 * ConnectorError whose message lists every located problem (and `details` holds them).
 */
export async function loadTestSuite(file: string, connector = path.basename(path.dirname(file))): Promise<TestSuite> {
  const abs = path.resolve(file);
  const text = await readFile(abs, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const diagnostics: TestDiagnostic[] = [];
  for (const e of doc.errors) {
    const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
    diagnostics.push({ line: pos.line, column: pos.col, path: '(yaml)', message: e.message.split('\n')[0] });
  }
  const locator = new Locator(doc, lines);
  let data: any;
  if (diagnostics.length === 0) {
    data = doc.toJS({ maxAliasCount: 100 });
    const validate = await getValidator();
    if (!validate(data)) {
      const schema = validate.schema;
      for (const err of validate.errors ?? []) {
        // if/then wrappers only repeat the real error found beneath them.
        if (err.keyword === 'if') continue;
        const d = describeAjvError(err, (parts) => propsAt(schema, parts));
        diagnostics.push({ ...locator.at(d.parts, d.key), path: dotted(d.parts), message: d.message });
      }
    } else {
      for (const s of semanticChecks(data)) diagnostics.push({ ...locator.at(s.parts), path: dotted(s.parts), message: s.message });
    }
  }
  if (diagnostics.length > 0) {
    const unique = diagnostics
      .filter((d, i) => diagnostics.findIndex((o) => o.line === d.line && o.column === d.column && o.message === d.message) === i)
      .sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ConnectorError({
      kind: 'config', origin: 'manifest',
      message: `invalid tests file ${abs}:\n${formatDiagnostics(abs, unique)}`,
      connector,
      location: { file: abs, line: unique[0].line, column: unique[0].column, path: unique[0].path },
      details: unique.map((d) => ({ path: `${d.line}:${d.column} ${d.path}`, message: d.message })),
    });
  }
  const cases: TestCase[] = (data.cases as TestCase[]).map((c, i) => ({ ...c, line: locator.at(['cases', i]).line }));
  const missing: TestDiagnostic[] = [];
  for (const [i, c] of cases.entries()) {
    const file = c.webhook?.body_file;
    if (file === undefined) continue;
    // Relative to tests.yaml, so a suite runs from any working directory.
    const resolved = path.resolve(path.dirname(abs), file);
    c.webhook = { ...c.webhook!, body_file: resolved };
    if (!existsSync(resolved)) missing.push({ ...locator.at(['cases', i, 'webhook', 'body_file']), path: `cases[${i}].webhook.body_file`, message: `no file ${resolved}` });
  }
  if (missing.length > 0) {
    throw new ConnectorError({
      kind: 'config', origin: 'manifest', connector,
      message: `invalid tests file ${abs}:\n${formatDiagnostics(abs, missing)}`,
      location: { file: abs, line: missing[0].line, column: missing[0].column, path: missing[0].path },
      details: missing.map((d) => ({ path: `${d.line}:${d.column} ${d.path}`, message: d.message })),
    });
  }
  return { connector, file: abs, manifest: path.join(path.dirname(abs), 'connector.yaml'), defaults: data.defaults ?? {}, cases };
}

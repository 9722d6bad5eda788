/**
 * Item 12: `$contains(s, /^(a+)+$/)` on 29 characters blocked the event loop for 17 s past
 * JSONata's 1 s limit — the limit is checked between evaluation steps, never inside a V8
 * match. Regexes that can backtrack catastrophically (JSONata literals, JSON Schema
 * patterns, signature patterns) and `$eval` are refused by validate, placed, and by the
 * compiler for manifests loaded without validation. None of these tests runs an attack
 * regex: each would hang the worker.
 */
import { describe, expect, it } from 'vitest';
import { isConnectorError } from '../../engine/core/errors.js';
import { compileExpr } from '../../engine/lang/expr.js';
import { analyzeFast } from '../../engine/lang/expr-fast/index.js';
import { compileManifest } from '../../engine/plan/compile.js';
import { validateSource } from '../../engine/plan/index.js';
import { loadYaml } from '../../engine/manifest/load.js';
import { compileUserSchema } from '../../engine/manifest/schema.js';
import { unsafeRegex } from '../../engine/lang/regex/safety.js';
import { compile, engineOverServer } from '../engine/helpers.js';
import { BASE, FILE, columnOf, edit, lineOf } from '../manifest/fixtures.js';

const ATTACK = `$contains(s, /^(a+)+$/)`;
const withMapping = (extra: string) => edit(BASE, "'title': title,", `'title': title, ${extra},`);

/** Loads and compiles without validating, as an embedding host may. */
function compileUnchecked(src: string) {
  const loaded = loadYaml(src, FILE);
  return compileManifest(loaded.value as Record<string, unknown>, FILE, loaded.positions);
}

describe('validate refuses backtracking-prone regexes, placed', () => {
  it("refuses the issue's attack in a stream mapping, on the regex's line and column", () => {
    const src = withMapping(`'spam': ${ATTACK}`);
    const { diagnostics } = validateSource(src, FILE);
    expect(diagnostics.map((d) => [d.code, d.severity, d.line, d.column, d.path])).toEqual([
      ['unsafe-regex', 'error', lineOf(src, 'mapping:'), columnOf(src, '(a+)+$/'), 'streams.issues.mapping'],
    ]);
    expect(diagnostics[0].message).toMatch(/\/\^\(a\+\)\+\$\/ repeats a group that itself repeats/);
    expect(diagnostics[0].hint).toMatch(/character class/);
  });

  it('refuses a polynomial regex that only the analyser (recheck) can judge', () => {
    const { diagnostics } = validateSource(withMapping(`'spam': $match(s, /a+b/)`), FILE);
    expect(diagnostics.map((d) => d.code)).toEqual(['unsafe-regex']);
    expect(diagnostics[0].message).toMatch(/\/a\+b\/ can take polynomial time/);
  });

  it('refuses a JSON Schema pattern, at the pattern', () => {
    const src = edit(BASE, '    owner: { type: string }', '    owner: { type: string, pattern: "^(a|a)*$" }');
    const { diagnostics } = validateSource(src, FILE);
    expect(diagnostics.map((d) => [d.code, d.line, d.column, d.path])).toEqual([
      ['unsafe-regex', lineOf(src, 'pattern:'), columnOf(src, '"^(a|a)*$"'), 'config.properties.owner.pattern'],
    ]);
    expect(diagnostics[0].message).toMatch(/exponential/);
  });

  it('refuses a patternProperties key and a signature pattern', () => {
    let src = edit(BASE, '    owner: { type: string }', '    owner: { type: string }\n  patternProperties:\n    "^([a-z]+_?)+$": { type: string }');
    src = edit(src, 'prefix: "sha256=" }', 'pattern: "v1=((?:[0-9a-f]+)+)" }');
    const { diagnostics } = validateSource(src, FILE);
    expect(diagnostics.map((d) => [d.code, d.path, d.line])).toEqual([
      ['unsafe-regex', 'config.patternProperties.^([a-z]+_?)+$', lineOf(src, '"^([a-z]+_?)+$"')],
      ['unsafe-regex', 'webhooks.verify.signature.pattern', lineOf(src, 'pattern: "v1=')],
    ]);
  });

  it('refuses $eval, even taken as a value', () => {
    const src = edit(BASE, `    output: "{ 'id': $string(id) }"`, `    output: "($f := $eval; $f('id'))"`);
    const { diagnostics } = validateSource(src, FILE);
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['forbidden-function', lineOf(src, '$eval;'), columnOf(src, '$eval;')]]);
  });

  it('accepts the shipped kinds of pattern without flagging them', () => {
    for (const p of ['^evt_[a-z0-9]+$', '[0-9]{4}-[0-9]{2}', '(?:^|,)\\s*v1=([0-9a-f]+)', '^(public_channel|private_channel|mpim|im)(,(public_channel|private_channel|mpim|im))*$',
      '^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$', "^[a-z0-9_+'-]+(::skin-tone-[2-6])?$", '^[0-9]{4}-[0-9]{2}-[0-9]{2}(\\.[a-z]+)?$']) {
      expect([p, unsafeRegex(p, 'u')]).toEqual([p, undefined]);
    }
  });
});

describe('safe regexes still validate and run', () => {
  const MANIFEST = `
patchbay: 1
id: events
name: Events
auth: { type: bearer }
http: { base_url: http://unused.invalid, retry: { max_attempts: 1 } }
streams:
  events:
    request: { path: /events }
    records: data
    primary_key: id
    mapping: "{ 'id': id, 'is_event': $contains(id, /^evt_[a-z0-9]+$/), 'month': $match(day, /[0-9]{4}-[0-9]{2}/).match }"
`;
  const fx = engineOverServer(() => new Map([['events', compile(MANIFEST, '/virtual/connectors/events/connector.yaml')]]));

  it('maps records over a real socket, a long near-miss included, quickly', async () => {
    const long = `evt_${'a'.repeat(50_000)}!`;
    const e = await fx.setup(() => ({ body: { data: [{ id: 'evt_1a2b', day: '2024-05-06' }, { id: long, day: 'n/a' }] } }));
    const started = performance.now();
    const records = [];
    for await (const r of e.read({ connector: 'events', id: 'c1', credentials: { token: 'tok_abcdef' }, baseUrl: fx.server.url }, 'events')) records.push(r);
    expect(records).toEqual([{ id: 'evt_1a2b', is_event: true, month: '2024-05' }, { id: long, is_event: false }]);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('the engine refuses what validation would, when validation was skipped', () => {
  it('compileExpr refuses the attack and $eval with a config error, and the fast path never takes a regex', () => {
    for (const [src, text] of [[ATTACK, /refused: regular expression \/\^\(a\+\)\+\$\//], [`$eval('1 + 1')`, /\$eval` is not allowed/]] as const) {
      let err: unknown;
      try {
        compileExpr(src, { path: 'streams.x.mapping' });
      } catch (e) {
        err = e;
      }
      expect(isConnectorError(err) && err.kind).toBe('config');
      expect(String((err as Error).message)).toMatch(text);
    }
    expect(analyzeFast('$contains(s, /^evt_[a-z0-9]+$/)')).toMatchObject({ fast: false });
  });

  it('compiling an unvalidated manifest fails on the mapping, the schema pattern and the signature pattern', () => {
    const mapping = compileUnchecked(withMapping(`'spam': ${ATTACK}`));
    expect(mapping.plan).toBeUndefined();
    expect(mapping.diagnostics[0]).toMatchObject({ code: 'compile-error', path: 'streams.issues.mapping', message: expect.stringMatching(/refused/) });

    const schema = compileUnchecked(edit(BASE, '    owner: { type: string }', '    owner: { type: string, pattern: "^(a|a)*$" }'));
    expect(schema.plan).toBeUndefined();
    expect(schema.diagnostics[0]).toMatchObject({ code: 'compile-error', path: 'config', message: expect.stringMatching(/refused/) });

    const signature = compileUnchecked(edit(BASE, 'prefix: "sha256=" }', 'pattern: "v1=((?:[0-9a-f]+)+)" }'));
    expect(signature.plan).toBeUndefined();
    expect(signature.diagnostics[0]).toMatchObject({ code: 'compile-error', path: 'webhooks.verify.signature.pattern', message: expect.stringMatching(/refused/) });
  });

  it('Ajv refuses the pattern itself, so no schema compiled elsewhere can hold one', () => {
    expect(() => compileUserSchema({ type: 'string', pattern: '^(\\w+\\s?)*$' })).toThrow(/refused/);
    expect(compileUserSchema({ type: 'string', pattern: '^cus_[A-Za-z0-9]+$' })('cus_1')).toBe(true);
  });
});

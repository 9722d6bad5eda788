import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { exprNames, JSONATA_FUNCTIONS, PATCHBAY_FUNCTION_NAMES } from '../../engine/lang/expr-names.js';
import { PATCHBAY_FUNCTIONS } from '../../engine/lang/money.js';
import { collectFields, EXPR_SCOPES } from '../../engine/manifest/fields.js';
import { validateSource } from '../../engine/plan/index.js';
import { BASE, FILE, edit } from './fixtures.js';

const CONNECTORS = resolve('connectors');

describe('the built-in function list', () => {
  it('names only functions the installed JSONata defines', async () => {
    for (const name of JSONATA_FUNCTIONS) expect(await jsonata(`$type($${name})`).evaluate({}), name).toBe('function');
  });

  it('lists exactly the functions Patchbay registers', () => {
    expect([...PATCHBAY_FUNCTION_NAMES].sort()).toEqual(Object.keys(PATCHBAY_FUNCTIONS).sort());
  });

  it('misses none JSONata binds (its own source lists them)', () => {
    const src = readFileSync(resolve('node_modules/jsonata/jsonata.js'), 'utf8');
    const bound = new Set([...src.matchAll(/(?:staticFrame|environment)\.bind\('([A-Za-z0-9]+)'/g)].map((m) => m[1]));
    expect([...bound].filter((n) => !JSONATA_FUNCTIONS.includes(n))).toEqual([]);
  });
});

describe('exprNames', () => {
  const vars = (s: string) => exprNames(s)!.variables.map((v) => v.name);
  const heads = (s: string) => exprNames(s)!.heads.map((h) => h.name);

  it('leaves out what the expression binds itself, wherever it binds it', () => {
    expect(vars('($x := 1; $f := function($a){ $a + $x }; $f($y))')).toEqual(['y']);
    expect(vars('items#$i[$i > 0].id & a@$o.b.$o.id')).toEqual([]);
    expect(vars('$ ~> $keys() and $$.a')).toEqual(['keys']);
  });

  it('marks calls, including through ~>', () => {
    const v = exprNames('$strng(a) & (b ~> $lowr) & $x')!.variables;
    expect(v.map((x) => [x.name, x.call])).toEqual([['strng', true], ['lowr', true], ['x', false]]);
  });

  it('heads are only the names read against the input itself', () => {
    expect(heads('body.items[type = "x"].{ "id": id }')).toEqual(['body']);
    expect(heads('$map(body.items, function($i){ other.x })')).toEqual(['body']);
    expect(heads('{ "a": event.a, "b": [headers.b, -num] }')).toEqual(['event', 'headers', 'num']);
    expect(heads('$.body.x & $$.query.y')).toEqual(['body', 'query']);
    expect(heads('headers.`x-id` ? body.a : event.b')).toEqual(['headers', 'body', 'event']);
    expect(heads('body.issue ~> |labels|{"n": name}|')).toEqual(['body']);
  });

  it('places names on their first character, backticks included', () => {
    const src = 'a & `x-y`.z & $strng(1)';
    const n = exprNames(src)!;
    expect(n.heads.map((h) => src.slice(h.offset)).map((s) => s.slice(0, 5))).toEqual(['a & `', '`x-y`']);
    expect(src.slice(n.variables[0].offset)).toBe('$strng(1)');
  });

  it('answers undefined for text that does not parse', () => {
    expect(exprNames('a[')).toBeUndefined();
  });
});

describe('expression scopes in the field catalogue', () => {
  it('webhook expressions see a fixed input; data expressions do not', () => {
    const fields = collectFields(validateSource(BASE, FILE).manifest ?? {});
    const at = (p: string) => fields.find((f) => f.path.join('.') === p);
    expect(at('webhooks.type')?.inputRoots).toEqual(EXPR_SCOPES.webhookEvent.inputRoots);
    expect(at('webhooks.routes.0.upsert.record')?.inputRoots).toEqual(['event', 'body', 'headers']);
    expect(at('streams.issues.mapping')).toMatchObject({ bindings: EXPR_SCOPES.mapping.bindings });
    expect(at('streams.issues.mapping')?.inputRoots).toBeUndefined();
    expect(at('http.pagination.next')?.bindings).toEqual(['records', 'headers', 'status']);
  });

  it('a child stream mapping may read $parent', () => {
    const src = edit(BASE, '    primary_key: [issue_id, id]', "    primary_key: [issue_id, id]\n    mapping: \"{ 'id': id, 'issue_id': $parent.id }\"");
    expect(validateSource(src, FILE).diagnostics).toEqual([]);
  });

  it('a body_expr reads the request variables as its input', () => {
    const ok = edit(BASE, '      body:\n        title: "{{input.title}}"\n        labels: "{{input.labels}}"\n        draft: false', '      body_expr: "{ \'title\': input.title, \'owner\': config.owner }"');
    expect(validateSource(ok, FILE).diagnostics).toEqual([]);
    const bad = edit(ok, "'owner': config.owner", "'owner': state.owner");
    expect(validateSource(bad, FILE).diagnostics.map((d) => [d.code, d.message])).toEqual([['expression-root', "`state` is not part of this expression's input, so it is always empty"]]);
  });
});

describe('shipped connectors', () => {
  const ids = readdirSync(CONNECTORS, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  it.each(ids)('%s validates with no errors and no warnings', (id) => {
    const file = join(CONNECTORS, id, 'connector.yaml');
    expect(validateSource(readFileSync(file, 'utf8'), file).diagnostics).toEqual([]);
  });
});

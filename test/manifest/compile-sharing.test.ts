/**
 * Work the compiler does once: a connector-level expression inherited by every operation,
 * a template text seen before, a self-contained JSON Schema seen before. Shared results
 * must behave exactly like fresh ones, and keep pointing at the line they came from.
 */
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../engine/plan/index.js';
import type { Plan } from '../../engine/plan/plan.js';
import { BASE, FILE, edit, lineOf } from './fixtures.js';

function plan(src: string, file = FILE): Plan {
  const r = compileSource(src, file);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.plan!;
}

const withDefault = (src: string) =>
  edit(src, '        labels: { type: array, items: { type: string } }', '        labels: { type: array, items: { type: string }, default: [triage] }');

describe('compile: shared work', () => {
  it('compiles an expression inherited from the connector http block once, placed on its line', async () => {
    const p = plan(BASE);
    const fromAction = p.actions.create_issue.http.errors.message!;
    expect(p.streams.issues.http.errors.message).toBe(fromAction);
    expect(p.check!.http.errors.message).toBe(fromAction);
    expect(fromAction.location).toMatchObject({ line: lineOf(BASE, '    message: error.message'), path: 'http.errors.message' });
    expect(await fromAction.evaluate({ error: { message: 'boom' } })).toBe('boom');
  });

  it('an operation that overrides it gets its own, placed on the override', () => {
    const src = edit(BASE, '    records: data\n', '    records: data\n    http:\n      errors: { message: error.detail }\n');
    const p = plan(src);
    const own = p.streams.issues.http.errors.message!;
    expect(own).not.toBe(p.actions.create_issue.http.errors.message);
    expect(own.source).toBe('error.detail');
    expect(own.location).toMatchObject({ line: lineOf(src, 'errors: { message: error.detail }'), path: 'streams.issues.http.errors.message' });
  });

  it('shares templates between manifests', () => {
    const a = plan(BASE);
    const b = plan(edit(BASE, 'name: Acme', 'name: Other'));
    expect(b).not.toBe(a);
    expect(b.http.baseUrl).toBe(a.http.baseUrl);
    expect(b.actions.create_issue.request.path!.render({ config: { owner: 'a/b' } })).toBe('/repos/a%2Fb/issues');
  });

  it('compiles an identical self-contained schema once; defaults still apply on every call', () => {
    const a = plan(withDefault(BASE)).actions.create_issue.validateInput!;
    const b = plan(withDefault(edit(BASE, 'name: Acme', 'name: Acme again'))).actions.create_issue.validateInput!;
    expect(b).toBe(a);
    const first: Record<string, unknown> = { title: 'x' };
    const second: Record<string, unknown> = { title: 'y', labels: ['bug'] };
    expect(a(first)).toBe(true);
    expect(b(second)).toBe(true);
    expect(first.labels).toEqual(['triage']);
    expect(second.labels).toEqual(['bug']);
    expect(a({})).toBe(false);
    expect(a.errors?.[0]).toMatchObject({ keyword: 'required' });
  });

  it('compiles schemas that name or reference others afresh', () => {
    const src = edit(BASE, '      required: [title]', '      $id: https://acme.test/input\n      required: [title]');
    const a = plan(src).actions.create_issue.validateInput!;
    const b = plan(src).actions.create_issue.validateInput!;
    expect(b).not.toBe(a);
    expect(b({ title: 'x' })).toBe(true);
    expect(b({})).toBe(false);
  });
});

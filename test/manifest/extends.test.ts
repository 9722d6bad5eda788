import { describe, expect, it } from 'vitest';
import { compileSource, validateSource } from '../../engine/plan/index.js';
import { BASE, FILE, columnOf, diagnose, edit, lineOf } from './fixtures.js';

const DEFS = `definitions:
  paged:
    records: results
    request:
      headers: { X-Page: "1" }
      query: { limit: "100", sort: asc }
    http:
      pagination: { type: page, size: 100 }
    primary_key: [a, b]
  json:
    request:
      headers: { X-Page: "2", Accept: application/json }
  shared_request: &shared
    method: GET
    headers: { X-Shared: yes }
`;

const withDefs = (src: string) => edit(src, 'check:\n', `${DEFS}check:\n`);

describe('extends', () => {
  const src = withDefs(edit(BASE, '  comments:\n    parent: { stream: issues }\n', '  comments:\n    extends: [paged, json]\n    parent: { stream: issues }\n'));

  it('deep-merges definitions in order beneath the item', () => {
    const { manifest, diagnostics } = validateSource(src, FILE);
    expect(diagnostics).toEqual([]);
    const comments = (manifest!.streams as Record<string, Record<string, any>>).comments;
    expect(comments.records).toBe('results');
    // Later definitions win over earlier ones; the item's own fields win over both.
    expect(comments.request.headers).toEqual({ 'X-Page': '2', Accept: 'application/json' });
    expect(comments.request.query).toEqual({ limit: '100', sort: 'asc' });
    expect(comments.request.path).toBe('/issues/{{parent.id}}/comments');
    // Arrays replace rather than concatenate.
    expect(comments.primary_key).toEqual(['issue_id', 'id']);
  });

  it('compiles the merged item', () => {
    const { plan } = compileSource(src, FILE);
    const s = plan!.streams.comments;
    expect(s.http.pagination).toMatchObject({ type: 'page', size: 100 });
    expect(s.request.headers.map((h) => h.name)).toEqual(['X-Page', 'Accept']);
    expect(plan!.streams.issues.http.pagination.type).toBe('cursor');
  });

  it('locates a problem that came from a definition in the definition', () => {
    const bad = edit(src, '    records: results', '    records: results[');
    const d = diagnose(bad).find((x) => x.code === 'jsonata-syntax');
    expect(d).toMatchObject({ path: 'streams.comments.records', line: lineOf(bad, 'records: results['), column: columnOf(bad, 'results[', 8) });
  });

  it('validates the merged item against the schema', () => {
    const bad = edit(src, '    records: results', '    recrds: results');
    const d = diagnose(bad);
    expect(d.map((x) => x.code)).toEqual(['unknown-key']);
    expect(d[0]).toMatchObject({ path: 'streams.comments.recrds', line: lineOf(bad, 'recrds') });
  });

  it('reports an unknown definition with the nearest name', () => {
    const bad = edit(src, 'extends: [paged, json]', 'extends: [paged, jsn]');
    const d = diagnose(bad);
    expect(d.map((x) => x.code)).toEqual(['unknown-definition']);
    expect(d[0]).toMatchObject({ line: lineOf(bad, 'jsn]'), column: columnOf(bad, 'jsn]'), hint: 'did you mean `json`?' });
  });
});

describe('YAML anchors, aliases and merge keys', () => {
  const src = withDefs(edit(BASE, '  request: { path: /me }', '  request:\n    <<: *shared\n    path: /me'));

  it('merges `<<` keys and keeps own keys over merged ones', () => {
    const { manifest, diagnostics } = validateSource(src, FILE);
    expect(diagnostics).toEqual([]);
    expect((manifest!.check as any).request).toEqual({ method: 'GET', headers: { 'X-Shared': 'yes' }, path: '/me' });
    const { plan } = compileSource(src, FILE);
    expect(plan!.check!.request.headers.map((h) => [h.name, h.template.render({})])).toEqual([['X-Shared', 'yes']]);
  });

  it('places problems in merged content at the anchor', () => {
    const bad = edit(src, 'X-Shared: yes', 'X-Shared: "{{input.x}}"');
    const d = diagnose(bad).filter((x) => x.code === 'template-variable');
    // Once through `definitions` (where it is fine for nothing), once through check.request.
    expect(d.map((x) => x.path)).toContain('check.request.headers.X-Shared');
    expect(d.every((x) => x.line === lineOf(bad, 'X-Shared'))).toBe(true);
  });

  it('places problems through plain aliases at the anchor', () => {
    const aliased = edit(
      BASE,
      '    request:\n      path: "/issues/{{parent.id}}/comments"\n    primary_key: [issue_id, id]\n',
      '    request: &creq\n      path: "/issues/{{parent.id}}/comments"\n      method: GTE\n    primary_key: [issue_id, id]\n  mirror:\n    parent: { stream: issues }\n    request: *creq\n    primary_key: id\n',
    );
    const d = diagnose(aliased);
    expect(d.map((x) => [x.code, x.path])).toEqual([
      ['invalid-value', 'streams.comments.request.method'],
      ['invalid-value', 'streams.mirror.request.method'],
    ]);
    expect(d.every((x) => x.line === lineOf(aliased, 'method: GTE') && x.hint === 'did you mean `GET`?')).toBe(true);
  });
});

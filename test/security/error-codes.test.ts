/**
 * Every problem code the runtime can answer with is in docs/runtime.md's error table. The
 * codes are collected from the source where they are written (HttpProblem, notFound,
 * OAuthFlowError, the webhook intake's replies) and from the engine-error mapping.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kindTable } from '../../engine/runtime/problem.js';
import { packageRoot } from '../../engine/core/package-root.js';

const root = packageRoot();

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the error table of docs/runtime.md', () => {
  it('lists every code the runtime produces', () => {
    const codes = new Set<string>(kindTable().map((r) => r.code));
    for (const c of ['validation_failed', 'not_found', 'conflict', 'internal', 'invalid_params', 'invalid_query', 'invalid_body', 'method_not_allowed', 'route_not_found', 'bad_request']) codes.add(c);
    const patterns = [/new HttpProblem\(\s*\d+,\s*'([a-z_]+)'/g, /notFound\([^)]*?,\s*'([a-z_]+)'\)/g, /new OAuthFlowError\(\s*'([a-z_]+)'/g];
    for (const f of [...files(path.join(root, 'engine/runtime')), ...files(path.join(root, 'engine/platform/oauth'))]) {
      const text = readFileSync(f, 'utf8');
      for (const re of patterns) for (const m of text.matchAll(re)) codes.add(m[1]);
    }
    for (const f of files(path.join(root, 'engine/platform/webhooks'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/reply\(\s*[45]\d\d,\s*\{\s*error:\s*'([a-z_]+)'/g)) codes.add(m[1]);
    }
    const doc = readFileSync(path.join(root, 'docs/runtime.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Errors'), doc.indexOf('\n## ', doc.indexOf('## Errors') + 5));
    const documented = new Set([...table.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]));
    expect([...codes].filter((c) => !documented.has(c)).sort()).toEqual([]);
  });
});

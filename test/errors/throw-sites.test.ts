/**
 * Every place that builds an engine error states its origin in the source, so a reader (and
 * the runtime) never has to infer it. The type makes `origin` required; this also catches a
 * site that smuggles it past the type (a cast, a spread of an untyped object), and checks
 * that a programmer error is never filed as a `config` problem.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_ORIGINS } from '../../engine/core/errors.js';
import { packageRoot } from '../../engine/core/package-root.js';

const root = packageRoot();

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The argument text of the call whose `(` is at `open`, up to its matching `)`. */
function argumentsAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced call at ${open}`);
}

interface Site { where: string; args: string }

function sites(): Site[] {
  const out: Site[] = [];
  const subclasses = ['ConnectorError'];
  for (const dir of ['engine', 'cli']) {
    for (const f of files(path.join(root, dir))) {
      const text = readFileSync(f, 'utf8');
      // A subclass that calls super({ … }) itself states the origin there (scanned below), not at each `new`.
      for (const m of text.matchAll(/class (\w+) extends ConnectorError\b[^]*?\n\}/g)) if (!/\bsuper\(\{/.test(m[0])) subclasses.push(m[1]);
    }
  }
  const call = new RegExp(`new (?:${subclasses.join('|')})\\(|\\bsuper\\(\\{`, 'g');
  for (const dir of ['engine', 'cli']) {
    for (const f of files(path.join(root, dir))) {
      const text = readFileSync(f, 'utf8');
      const isSubclassFile = /extends ConnectorError\b/.test(text);
      for (const m of text.matchAll(call)) {
        if (m[0].startsWith('super') && !isSubclassFile) continue;
        const open = m.index! + m[0].indexOf('(');
        const line = text.slice(0, m.index).split('\n').length;
        out.push({ where: `${path.relative(root, f)}:${line}`, args: argumentsAt(text, open) });
      }
    }
  }
  return out;
}

const originOf = (args: string) => /\borigin: '([a-z]+)'/.exec(args)?.[1];

describe('engine error raise sites', () => {
  const all = sites();

  it('are found (the scan still sees the code)', () => {
    expect(all.length).toBeGreaterThan(140);
  });

  it('each state an origin', () => {
    const missing = all.filter((s) => !/\borigin(:|,|\s*\})/.test(s.args)).map((s) => s.where);
    expect(missing).toEqual([]);
  });

  it('name only known origins, and every origin is used', () => {
    const named = all.map((s) => originOf(s.args)).filter((o): o is string => o !== undefined);
    expect(named.filter((o) => !(ERROR_ORIGINS as readonly string[]).includes(o))).toEqual([]);
    expect([...new Set(named)].sort()).toEqual([...ERROR_ORIGINS].sort());
  });

  it('never file a programmer error as config', () => {
    const wrong = all.filter((s) => originOf(s.args) === 'internal' && /\bkind: 'config'/.test(s.args)).map((s) => s.where);
    expect(wrong).toEqual([]);
  });
});

import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { validateSource } from '../../engine/manifest/index.js';
import { BASE } from './fixtures.js';
const base = parse(BASE);
const codes = new Map<string, number>();
const paths: any[] = [];
(function walk(v: any, at: any[]) { if (at.length) paths.push(at); if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, Array.isArray(v) ? Number(k) : k]); })(base, []);
fc.assert(fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 1 }), (p, val) => {
  const c = structuredClone(base); let o: any = c; for (const s of p.slice(0, -1)) o = o[s]; o[p[p.length - 1]] = val;
  for (const d of validateSource(stringify(c), 'x/acme/connector.yaml').diagnostics) codes.set(d.code, (codes.get(d.code) ?? 0) + 1);
}), { numRuns: 300 });
console.log([...codes]);

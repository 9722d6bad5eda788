import { readFileSync } from 'node:fs';
import { compileSource } from '../../engine/manifest/index.js';
const f = process.argv[2];
const r = compileSource(readFileSync(f, 'utf8'), f);
for (const d of r.diagnostics) console.log(`${d.line}:${d.column} ${d.severity} ${d.code} [${d.path}] ${d.message}${d.hint ? `  -- ${d.hint}` : ''}`);
console.log(JSON.stringify(r.plan, (k, v) => (v && typeof v === 'object' && 'source' in v && 'whole' in v) ? `T:${v.source}` : (v && typeof v === 'object' && 'evaluate' in v) ? `E:${v.source}` : v instanceof RegExp ? String(v) : k === 'manifest' ? '...' : v, 1).slice(0, 6000));
if (r.plan) r.plan.streams.issues.mapPage!.evaluate([{ id: 1, title: 'a', updated_at: 'x', junk: 1 }, { id: 2 }]).then((x) => console.log('mapped', JSON.stringify(x)));

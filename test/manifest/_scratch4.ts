import { loadYaml } from '../../engine/manifest/load.js';
import { schemaDiagnostics } from '../../engine/manifest/schema-check.js';
import { resolveExtends } from '../../engine/manifest/extends.js';
import { CHECKS } from '../../engine/manifest/checks/index.js';
import { collectFields } from '../../engine/manifest/fields.js';
import { BASE } from './fixtures.js';
const srcs = Array.from({ length: 200 }, (_, i) => BASE.replace('id: acme', `id: acme${i}`).replace('limit', `limit${i}`));
const tot: Record<string, number> = {};
const t = (k: string, fn: () => any) => { const s = performance.now(); const r = fn(); tot[k] = (tot[k] ?? 0) + performance.now() - s; return r; };
for (let round = 0; round < 2; round++) {
  for (const k of Object.keys(tot)) tot[k] = 0;
  for (const src of srcs) {
    const l = t('yaml', () => loadYaml(src, '/x/acme/connector.yaml'));
    const m = t('extends', () => resolveExtends(l.value as any, 'x', l.positions).manifest);
    t('schema', () => schemaDiagnostics(m, 'x', l.positions));
    const fields = t('fields', () => collectFields(m));
    for (const c of CHECKS) t(c.name, () => c.run({ file: '/x/acme/connector.yaml', manifest: m, positions: l.positions, fields, earlier: [], report() {} }));
  }
}
console.log(Object.entries(tot).map(([k, v]) => `${k}=${(v / 200).toFixed(3)}`).join(' '));
import { validateSource } from '../../engine/manifest/index.js';
for (let r = 0; r < 3; r++) {
  const s = performance.now();
  for (const src of srcs) validateSource(src, '/x/acme/connector.yaml');
  console.log('validateSource x200', (performance.now() - s).toFixed(0), 'ms');
}
const s2 = performance.now();
for (let i = 0; i < 500; i++) validateSource(srcs[i % 200], `/tmp/mf/acme${i}/connector.yaml`);
console.log('validateSource x500 distinct files', (performance.now() - s2).toFixed(0), 'ms');

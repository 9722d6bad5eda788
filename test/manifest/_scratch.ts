import { readFileSync } from 'node:fs';
import { analyze } from '../../engine/manifest/validate.js';
import { BASE, edit } from './fixtures.js';
const srcs = [edit(BASE, '  timeout: 10s', '  timeout: [10s'), edit(BASE, '  request: { path: /me }', '  request:\n    path: /me/{{x')];
for (const s of srcs) {
  console.log('---');
  for (const d of analyze(s, 'x').diagnostics) console.log(`${d.line}:${d.column} ${d.severity} ${d.code} [${d.path}] ${d.message}${d.hint ? `  -- ${d.hint}` : ''}`);
}

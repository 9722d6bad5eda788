import { analyze } from '../../engine/manifest/validate.js';
const srcs = [
  'patchbay: 1\nid: a\nname: A\nauth: x\nhttp: {}\nstreams: { s: 5 }\nwebhooks: { id: a, type: b, routes: [5, { on: [] }] }\n',
  'patchbay: 1\nid: a\nname: A\nauth: { type: oauth2 }\nhttp: { pagination: { type: cursor } }\n',
  'patchbay: 1\nid: a\nname: A\nauth: { methods: {} }\nhttp: { retry: { statuses: [99] } }\n',
  'patchbay: 1\nid: a\nname: A\nauth: { type: bearer }\nhttp: {}\nactions: { a: { request: { path: "/x/{{input.id}}" }, input: { type: object, properties: { idd: {type: string} } } } }\n',
];
for (const s of srcs) {
  console.log('---');
  for (const d of analyze(s, 'a/connector.yaml').diagnostics) console.log(`${d.line}:${d.column} ${d.severity} ${d.code} [${d.path}] ${d.message}${d.hint ? `  -- ${d.hint}` : ''}`);
}

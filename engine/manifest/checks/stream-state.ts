/**
 * A stream's templates read its state by name (`state.cursor`, `state.delta_link`). A name
 * the stream never stores renders empty on every run, which reads as "start from the
 * beginning" and silently makes an incremental stream a full one; a kept value nobody reads
 * is stored for nothing.
 */
import { isPlainObject } from '../../core/objects.js';
import type { Path } from '../diagnostics.js';
import type { Check } from './types.js';

const RESERVED = new Set(['cursor', 'parents']);
const READ = /\bstate\.([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every stream definition: the declared streams and each dynamic family's template. */
function streamsOf(m: Record<string, unknown>): Array<{ section: 'streams' | 'dynamic_streams'; name: string; s: Record<string, unknown>; base: Path }> {
  const out: ReturnType<typeof streamsOf> = [];
  if (isPlainObject(m.streams)) {
    for (const [name, s] of Object.entries(m.streams)) if (isPlainObject(s)) out.push({ section: 'streams', name, s, base: ['streams', name] });
  }
  if (isPlainObject(m.dynamic_streams)) {
    for (const [name, f] of Object.entries(m.dynamic_streams)) {
      if (isPlainObject(f) && isPlainObject(f.stream)) out.push({ section: 'dynamic_streams', name, s: f.stream, base: ['dynamic_streams', name, 'stream'] });
    }
  }
  return out;
}

export const streamState: Check = {
  name: 'stream-state',
  run(ctx) {
    for (const { section, name, s, base } of streamsOf(ctx.manifest)) {
      const label = section === 'streams' ? `stream \`${name}\`` : `the stream template of dynamic family \`${name}\``;
      const kept = isPlainObject(s.state) && isPlainObject(s.state.keep) ? Object.keys(s.state.keep) : [];
      for (const k of kept.filter((k) => RESERVED.has(k))) {
        ctx.report({
          path: [...base, 'state', 'keep', k], which: 'key', code: 'state-reserved',
          message: `${label} keeps a value named \`${k}\`, a name the engine uses for ${k === 'cursor' ? 'the cursor' : "a child stream's state per parent"}`,
          hint: 'give it a name of its own, e.g. `sync_token` or `delta_link`',
        });
      }
      const known = new Set([...kept, ...(isPlainObject(s.cursor) ? ['cursor'] : [])]);
      const read = new Set<string>();
      for (const f of ctx.fields) {
        if (f.owner?.section !== section || f.owner.name !== name || !f.roots?.includes('state')) continue;
        for (const m of f.source.matchAll(READ)) {
          read.add(m[1]);
          if (known.has(m[1])) continue;
          ctx.report({
            path: f.path, code: 'state-unknown', severity: 'warning',
            message: `${label} reads \`state.${m[1]}\`, which it never stores, so it is always empty`,
            hint: m[1] === 'cursor'
              ? 'declare `cursor: { field: … }` on the stream'
              : `keep it from the responses: \`state: { keep: { ${m[1]}: <expression> } }\`${kept.length ? `, or read one the stream keeps (${kept.map((k) => `\`${k}\``).join(', ')})` : ''}`,
          });
        }
      }
      for (const k of kept) {
        if (read.has(k)) continue;
        ctx.report({
          path: [...base, 'state', 'keep', k], which: 'key', code: 'state-unused', severity: 'warning',
          message: `${label} keeps \`${k}\` but no request or \`state.resume\` reads it, so the next run does not use it`,
          hint: `use it, e.g. \`resume: "{{state.${k}}}"\` or a query value \`"{{state.${k}}}"\``,
        });
      }
    }
  },
};

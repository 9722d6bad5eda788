/**
 * Names that must point at a stream (route targets and `parent`) or at an action (a route's
 * `fetch`). A child stream chain must end, or a sync would recurse until it ran out of memory.
 */
import { isPlainObject } from '../../core/objects.js';
import { declaredValues } from '../fields.js';
import { didYouMean } from '../suggest.js';
import type { Check } from './types.js';

export const streamRefs: Check = {
  name: 'unknown-stream',
  run(ctx) {
    const streams = isPlainObject(ctx.manifest.streams) ? ctx.manifest.streams : {};
    const names = Object.keys(streams);
    const unknown = (path: Array<string | number>, name: string, what: string) =>
      ctx.report({
        path, code: 'unknown-stream', message: `${what} names stream \`${name}\`, which is not under \`streams\``,
        hint: didYouMean(name, names) ?? (names.length ? `streams: ${names.join(', ')}` : 'declare it under `streams`'),
      });

    const actions = isPlainObject(ctx.manifest.actions) ? ctx.manifest.actions : {};
    const actionNames = Object.keys(actions);
    for (const ref of declaredValues(ctx.manifest)) {
      // The section that names it: `route \`upsert\``.
      const section = `route \`${String(ref.path[ref.path.length - 2])}\``;
      if (ref.kind === 'stream' && !Object.hasOwn(streams, ref.value)) unknown(ref.path, ref.value, section);
      else if (ref.kind === 'stream' && section === 'route `fetch`' && !(isPlainObject(streams[ref.value]) && isPlainObject((streams[ref.value] as Record<string, unknown>).get))) {
        ctx.report({
          path: ref.path, code: 'stream-without-get', message: `route \`fetch\` reads one record of stream \`${ref.value}\`, which has no single-record request`,
          hint: `declare it on the stream: \`get: { request: { path: "/…/{{id}}" } }\``,
        });
      }
      if (ref.kind === 'action' && !Object.hasOwn(actions, ref.value)) {
        ctx.report({
          path: ref.path, code: 'unknown-action', message: `${section} names action \`${ref.value}\`, which is not under \`actions\``,
          hint: didYouMean(ref.value, actionNames) ?? (actionNames.length ? `actions: ${actionNames.join(', ')}` : 'declare it under `actions`'),
        });
      }
    }

    const parentOf = new Map<string, string>();
    for (const [name, s] of Object.entries(streams)) {
      const p = isPlainObject(s) && isPlainObject(s.parent) ? s.parent.stream : undefined;
      if (typeof p !== 'string') continue;
      if (!Object.hasOwn(streams, p)) unknown(['streams', name, 'parent', 'stream'], p, `\`${name}.parent\``);
      else parentOf.set(name, p);
    }
    const reported = new Set<string>();
    for (const start of parentOf.keys()) {
      const chain: string[] = [];
      let cur: string | undefined = start;
      while (cur !== undefined && !chain.includes(cur)) {
        chain.push(cur);
        cur = parentOf.get(cur);
      }
      if (cur === undefined) continue;
      const cycle = chain.slice(chain.indexOf(cur));
      const key = [...cycle].sort().join(',');
      if (reported.has(key)) continue;
      reported.add(key);
      const first = [...cycle].sort()[0];
      const ordered = [...cycle.slice(cycle.indexOf(first)), ...cycle.slice(0, cycle.indexOf(first)), first];
      ctx.report({
        path: ['streams', first, 'parent', 'stream'], code: 'parent-cycle',
        message: `child streams form a cycle: ${ordered.join(' → ')}`,
        hint: 'one stream of the chain must have no `parent`',
      });
    }
  },
};

/**
 * An event named after a unified model (`contact.updated`) promises subscribers that model's
 * shape whichever provider sent it, so it must be emitted through a stream of that model
 * (`emit: { stream, record }` maps the provider's object; `id` announces a deletion). A raw
 * provider object under a model's name is the inconsistency the unified events exist to end.
 */
import { isPlainObject } from '../../core/objects.js';
import { knownModels } from './models.js';
import type { Check } from './types.js';

export const emitModels: Check = {
  name: 'emit-models',
  run(ctx) {
    const webhooks = ctx.manifest.webhooks;
    const streams = isPlainObject(ctx.manifest.streams) ? ctx.manifest.streams : {};
    if (!isPlainObject(webhooks) || !Array.isArray(webhooks.routes)) return;
    const models = knownModels(ctx.file);
    webhooks.routes.forEach((route, i) => {
      if (!isPlainObject(route) || !isPlainObject(route.emit)) return;
      const emit = route.emit;
      const path = ['webhooks', 'routes', i, 'emit'];
      if (typeof emit.stream === 'string') {
        if (emit.record === undefined && emit.id === undefined) {
          ctx.report({ path: [...path, 'stream'], code: 'emit-no-record', message: `emit through stream \`${emit.stream}\` names no \`record\` (the raw object to map) or \`id\` (a deletion)` });
        }
        if (emit.data !== undefined) {
          ctx.report({ path: [...path, 'data'], code: 'emit-no-record', message: 'emit has both `stream` and `data`: with a stream the data is the mapped `record`' });
        }
      }
      if (typeof emit.event !== 'string') return;
      const model = emit.event.split('.')[0];
      if (!models.includes(model)) return;
      const s = typeof emit.stream === 'string' && isPlainObject(streams[emit.stream]) ? streams[emit.stream] as Record<string, unknown> : undefined;
      if (emit.stream === undefined) {
        ctx.report({
          path: [...path, 'event'], code: 'emit-not-unified', severity: 'warning',
          message: `event \`${emit.event}\` is named after the ${model} model but carries what the route chose, not a unified ${model} record`,
          hint: `emit it through a stream of model ${model}: \`emit: { event: ${emit.event}, stream: <stream>, record: <raw object> }\` (or \`id:\` for a deletion)`,
        });
      } else if (s && s.model !== model) {
        ctx.report({
          path: [...path, 'stream'], code: 'emit-model-mismatch',
          message: `event \`${emit.event}\` is named after the ${model} model, but stream \`${emit.stream}\` maps to ${typeof s.model === 'string' ? `model ${s.model}` : 'no model'}`,
        });
      }
    });
  },
};

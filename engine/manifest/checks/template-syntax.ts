import type { Check } from './types.js';
import { innerPosition } from './inner.js';
import { templateInfo } from './syntax-cache.js';

/** Handlebars parse errors arrive as prose with a caret under a possibly truncated snippet. */
export function templateErrorOffset(source: string, err: unknown): number | undefined {
  const e = err as { lineNumber?: number; column?: number; message?: string };
  if (e?.lineNumber === 1 && typeof e.column === 'number') return e.column;
  const m = /Parse error on line (\d+):\n(.*)\n(-*)\^/.exec(String(e?.message ?? ''));
  if (!m || m[1] !== '1') return undefined;
  const caret = m[3].length;
  if (!m[2].startsWith('...')) return caret;
  const before = m[2].slice(3, caret);
  const at = source.indexOf(before);
  return at < 0 ? undefined : at + before.length;
}

export function templateErrorMessage(err: unknown): string {
  const msg = String((err as Error)?.message ?? err);
  const got = /got '([^']+)'/.exec(msg)?.[1];
  if (got === 'EOF') return 'template ends inside `{{ }}` or an open block';
  if (got === 'INVALID') return 'unexpected character inside `{{ }}`';
  if (got === 'CLOSE') return 'empty or incomplete `{{ }}`';
  if (got) return `unexpected ${got} in template`;
  return msg.split('\n')[0] ?? msg;
}

export const templateSyntax: Check = {
  name: 'template-syntax',
  run(ctx) {
    for (const f of ctx.fields) {
      if (f.kind === 'jsonata') continue;
      const err = templateInfo(f.source).error;
      if (err !== undefined) {
        const offset = templateErrorOffset(f.source, err);
        ctx.report({
          path: f.path,
          code: 'template-syntax',
          message: `Handlebars: ${templateErrorMessage(err)}`,
          hint: 'templates use `{{variable.path}}` or `{{helper arg}}`; a literal `{{` is written `\\{{`',
          at: offset === undefined ? undefined : innerPosition(ctx.positions, f.path, f.source, offset),
        });
      }
    }
  },
};

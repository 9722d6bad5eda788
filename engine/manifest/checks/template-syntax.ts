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
  if (got === 'CLOSE_UNESCAPED') return '`}}}` closes an expression opened with `{{`';
  if (got === 'CLOSE' && /Expecting 'CLOSE_UNESCAPED'/.test(msg)) return '`}}` closes an expression opened with `{{{`';
  if (got === 'CLOSE') return 'empty or incomplete `{{ }}`';
  if (got) return `unexpected ${got} in template`;
  return msg.split('\n')[0] ?? msg;
}

const HINT = 'templates use `{{variable.path}}` or `{{helper arg}}`; a literal `{{` is written `\\{{`';

/** Braces that do not pair up are the common slip; say which two spellings were meant. */
export function templateErrorHint(source: string, err: unknown, offset: number | undefined): string {
  const msg = String((err as Error)?.message ?? err);
  const unbalanced = /got 'CLOSE_UNESCAPED'/.test(msg) || /Expecting 'CLOSE_UNESCAPED'.*got 'CLOSE'/.test(msg);
  if (!unbalanced || offset === undefined) return HINT;
  const open = source.lastIndexOf('{{', offset);
  const inner = open < 0 ? '' : source.slice(open, offset).replace(/^\{+/, '').trim();
  if (!inner) return 'the braces around an expression must pair up: `{{x}}`, or `{{{x}}}` for a value inserted as it is';
  return `one brace too many or too few: \`{{${inner}}}\` inserts the value (encoded in a URL), \`{{{${inner}}}}\` inserts it as it is`;
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
          hint: templateErrorHint(f.source, err, offset),
          at: offset === undefined ? undefined : innerPosition(ctx.positions, f.path, f.source, offset),
        });
      }
    }
  },
};

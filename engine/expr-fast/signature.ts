/**
 * JSONata's function signatures (`<s-s?:s>`), ported so argument matching, context
 * substitution (`-`) and array wrapping (`a`) happen exactly as in JSONata. Where JSONata
 * would raise a type error (T0410/T0411/T0412) the fast path bails instead.
 */
import { bail, isFunction } from './values.js';

interface Param {
  regex: string;
  type: string;
  subtype?: string;
  context?: boolean;
  contextRegex?: RegExp;
}

export interface Signature {
  validate(args: unknown[], context: unknown): unknown[];
}

function closing(sig: string, start: number, open: string, close: string): number {
  let depth = 1;
  let pos = start;
  while (pos < sig.length) {
    pos++;
    const c = sig.charAt(pos);
    if (c === close) {
      depth--;
      if (depth === 0) break;
    } else if (c === open) depth++;
  }
  return pos;
}

export function symbolOf(value: unknown): string {
  if (isFunction(value)) return 'f';
  switch (typeof value) {
    case 'string': return 's';
    case 'number': return 'n';
    case 'boolean': return 'b';
    case 'object': return value === null ? 'l' : Array.isArray(value) ? 'a' : 'o';
    default: return 'm';
  }
}

export function parseSignature(signature: string): Signature {
  const params: Param[] = [];
  let param = {} as Param;
  let prev = param;
  const next = () => {
    params.push(param);
    prev = param;
    param = {} as Param;
  };
  for (let pos = 1; pos < signature.length; pos++) {
    const symbol = signature.charAt(pos);
    if (symbol === ':') break;
    switch (symbol) {
      case 's': case 'n': case 'b': case 'l': case 'o':
        param.regex = `[${symbol}m]`;
        param.type = symbol;
        next();
        break;
      case 'a':
        param.regex = '[asnblfom]';
        param.type = symbol;
        next();
        break;
      case 'f':
        param.regex = 'f';
        param.type = symbol;
        next();
        break;
      case 'j':
        param.regex = '[asnblom]';
        param.type = symbol;
        next();
        break;
      case 'x':
        param.regex = '[asnblfom]';
        param.type = symbol;
        next();
        break;
      case '-':
        prev.context = true;
        prev.contextRegex = new RegExp(prev.regex);
        prev.regex += '?';
        break;
      case '?': case '+':
        prev.regex += symbol;
        break;
      case '(': {
        const end = closing(signature, pos, '(', ')');
        const choice = signature.substring(pos + 1, end);
        param.regex = `[${choice}m]`;
        param.type = `(${choice})`;
        pos = end;
        next();
        break;
      }
      case '<': {
        const end = closing(signature, pos, '<', '>');
        prev.subtype = signature.substring(pos + 1, end);
        pos = end;
        break;
      }
    }
  }
  const regex = new RegExp(`^${params.map((p) => `(${p.regex})`).join('')}$`);

  return {
    validate(args, context) {
      let supplied = '';
      for (const a of args) supplied += symbolOf(a);
      const matched = regex.exec(supplied);
      if (!matched) bail('T0410 argument types do not match the signature');
      const out: unknown[] = [];
      let argIndex = 0;
      params.forEach((p, index) => {
        const match = matched[index + 1];
        if (match === '') {
          if (p.context && p.contextRegex) {
            if (!p.contextRegex.test(symbolOf(context))) bail('T0411 context value has the wrong type');
            out.push(context);
          } else {
            out.push(args[argIndex]);
            argIndex++;
          }
          return;
        }
        for (const single of match.split('')) {
          let arg = args[argIndex];
          if (p.type === 'a') {
            if (single === 'm') arg = undefined;
            else {
              if (p.subtype !== undefined) {
                let ok = true;
                if (single !== 'a' && match !== p.subtype) ok = false;
                else if (single === 'a' && (arg as unknown[]).length > 0) {
                  const items = arg as unknown[];
                  const itemType = symbolOf(items[0]);
                  ok = itemType === p.subtype.charAt(0) && items.every((v) => symbolOf(v) === itemType);
                }
                if (!ok) bail('T0412 array items have the wrong type');
              }
              if (single !== 'a') arg = [arg];
            }
          }
          out.push(arg);
          argIndex++;
        }
      });
      return out;
    },
  };
}

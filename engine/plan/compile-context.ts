/**
 * What every compile step needs: where a path is in the file, and compilers that attach
 * that location to each template and expression so runtime errors can name the line.
 *
 * The connector-level `http` block is merged into every action and stream, so the same
 * field would otherwise be compiled once per operation: expressions are compiled once per
 * (path, source) in a manifest. Compiled templates carry no location and are immutable, so
 * they are shared by source across manifests.
 */
import { ConnectorError } from '../core/errors.js';
import { compileExpr, type CompiledExpr } from '../lang/expr.js';
import { compileTemplate, type CompiledTemplate, type TemplateKind } from '../lang/template.js';
import { unsafeRegex } from '../lang/regex/safety.js';
import { dotted, type Path } from '../manifest/diagnostics.js';
import type { SourceLoc } from './plan.js';
import type { Positions, Which } from '../manifest/positions.js';

const TEMPLATE_CACHE_LIMIT = 20_000;
const templates = new Map<string, CompiledTemplate>();

function sharedTemplate(source: string, kind: TemplateKind): CompiledTemplate {
  const key = `${kind}\0${source}`;
  let t = templates.get(key);
  if (!t) {
    t = compileTemplate(source, kind);
    if (templates.size >= TEMPLATE_CACHE_LIMIT) templates.clear();
    templates.set(key, t);
  }
  return t;
}

export class CompileContext {
  private readonly exprs = new Map<string, CompiledExpr>();

  constructor(readonly file: string, private readonly positions: Pick<Positions, 'locate'>) {}

  /** Values by default; blocks (an action, a request) read better at the key that names them. */
  loc(path: Path, which: Which = 'value'): SourceLoc {
    const { line, column } = this.positions.locate(path, which);
    return { file: this.file, line, column, path: dotted(path) };
  }

  template(path: Path, source: string, kind: TemplateKind = 'string'): CompiledTemplate {
    try {
      return sharedTemplate(source, kind);
    } catch (err) {
      const location = this.loc(path);
      throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `template at ${location.path} does not compile`, location, cause: err });
    }
  }

  /** Patterns read sender text before anything is verified: only a linear-time one compiles. */
  pattern(path: Path, source: string): RegExp {
    const refusal = unsafeRegex(source);
    if (refusal) {
      const location = this.loc(path);
      throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `pattern at ${location.path} refused: /${source}/ ${refusal.message}`, location });
    }
    try {
      return new RegExp(source);
    } catch (err) {
      const location = this.loc(path);
      throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `pattern at ${location.path} is not a regular expression`, location, cause: err });
    }
  }

  expr(path: Path, source: string): CompiledExpr {
    const key = `${JSON.stringify(path)}\0${source}`;
    let e = this.exprs.get(key);
    if (!e) {
      e = compileExpr(source, this.loc(path));
      this.exprs.set(key, e);
    }
    return e;
  }

  /** Compile when present (a string), else undefined. */
  optTemplate(path: Path, source: unknown, kind: TemplateKind = 'string'): CompiledTemplate | undefined {
    return typeof source === 'string' ? this.template(path, source, kind) : undefined;
  }

  optExpr(path: Path, source: unknown): CompiledExpr | undefined {
    return typeof source === 'string' ? this.expr(path, source) : undefined;
  }
}

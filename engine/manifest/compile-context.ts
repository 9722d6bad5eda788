/**
 * What every compile step needs: where a path is in the file, and compilers that attach
 * that location to each template and expression so runtime errors can name the line.
 */
import { ConnectorError } from '../errors.js';
import { compileExpr, type CompiledExpr } from '../expr.js';
import { compileTemplate, type CompiledTemplate, type TemplateKind } from '../template.js';
import { dotted, type Path } from './diagnostics.js';
import type { SourceLoc } from './plan.js';
import type { Positions, Which } from './positions.js';

export class CompileContext {
  constructor(readonly file: string, private readonly positions: Positions) {}

  /** Values by default; blocks (an action, a request) read better at the key that names them. */
  loc(path: Path, which: Which = 'value'): SourceLoc {
    const { line, column } = this.positions.locate(path, which);
    return { file: this.file, line, column, path: dotted(path) };
  }

  template(path: Path, source: string, kind: TemplateKind = 'string'): CompiledTemplate {
    try {
      return compileTemplate(source, kind);
    } catch (err) {
      const location = this.loc(path);
      throw new ConnectorError({ kind: 'config', message: `template at ${location.path} does not compile`, location, cause: err });
    }
  }

  expr(path: Path, source: string): CompiledExpr {
    return compileExpr(source, this.loc(path));
  }

  /** Compile when present (a string), else undefined. */
  optTemplate(path: Path, source: unknown, kind: TemplateKind = 'string'): CompiledTemplate | undefined {
    return typeof source === 'string' ? this.template(path, source, kind) : undefined;
  }

  optExpr(path: Path, source: unknown): CompiledExpr | undefined {
    return typeof source === 'string' ? this.expr(path, source) : undefined;
  }
}

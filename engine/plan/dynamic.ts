/**
 * Families of streams discovered at run time (`dynamic_streams.<family>`): one request lists
 * the items, and each item is read as the family's `template` named `<family>.<key>`, with
 * the item in its templates' context.
 */
import type { CompiledExpr } from '../lang/expr.js';
import type { Plan, PlanHttp, PlanRequest, PlanStream, SourceLoc } from './plan.js';

export interface PlanDynamicFamily {
  name: string;
  title?: string;
  description?: string;
  discover: {
    request: PlanRequest;
    /** The family's http with paging off: discovery is one request. */
    http: PlanHttp;
    /** Over the body (`$headers`, `$status` bound): the discovered items. */
    items: CompiledExpr;
    /** Over one item: its key. */
    key: CompiledExpr;
    title?: CompiledExpr;
    /** Over one item: a field name or a list of them. */
    primaryKey?: CompiledExpr;
  };
  /** The stream template; its name is the family's, replaced by each discovered stream's. */
  template: PlanStream;
  loc: SourceLoc;
}

/** A family by name, own properties only (see planAction in plan.ts). */
export function planFamily(plan: Pick<Plan, 'dynamicStreams'>, name: string): PlanDynamicFamily | undefined {
  const families = plan.dynamicStreams ?? {};
  return Object.hasOwn(families, name) ? families[name] : undefined;
}

/** What a discovered stream may be keyed by: its name is `<family>.<key>`. */
export const DYNAMIC_KEY = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$/;

/**
 * A stream name split into family and key when it names a discovered stream of a declared
 * family (`tables.todos`); undefined for any other name. Declared stream names have no dot.
 */
export function dynamicName(plan: Pick<Plan, 'dynamicStreams'>, name: string): { family: PlanDynamicFamily; key: string } | undefined {
  const dot = name.indexOf('.');
  if (dot <= 0) return undefined;
  const family = planFamily(plan, name.slice(0, dot));
  return family ? { family, key: name.slice(dot + 1) } : undefined;
}

/**
 * The route action family: the fields every route shares (`on`, `when`), the built-in
 * actions, and `registerRouteKind` for hosts. Within one route, actions that provide a value
 * (`fetch`) run first, then the rest in registration order (write, then sync, then tell); a
 * host's action runs after the built-in ones of its group. The schema, docs, field
 * catalogue, checks and compiler read this registry.
 */
import { expression, Family, literal, schemaOf } from '../kit.js';
import { deleteAction } from './delete.js';
import { emitAction } from './emit.js';
import { fetchAction } from './fetch.js';
import type { RouteActionKind } from './protocol.js';
import { syncAction } from './sync.js';
import { upsertAction } from './upsert.js';

export const routeActions = new Family<RouteActionKind<any, any>>({
  name: 'route',
  unionDef: 'webhook_route',
  prefix: 'route_',
  description: 'A route: which event types, and what to do. Every action the route names runs, in the order fetch, writes, syncs, emits.',
  typeDescription: (type) => type,
  sharedPosition: 'before',
  shared: {
    on: literal({
      schema: schemaOf<string[]>({ type: 'array', items: { type: 'string' }, minItems: 1 }),
      description: 'Event types; `*` matches any run of characters, e.g. `issues.*`.',
      required: true,
    }),
    when: expression({ description: 'Extra condition over `event`, `body`, `headers`' }),
  },
  roots: [],
  context: 'webhook route',
  keyed: true,
});

export const BUILTIN_ROUTE_ACTIONS = [fetchAction, upsertAction, deleteAction, syncAction, emitAction] as const;

type ConfigOf<K> = K extends RouteActionKind<infer C, any> ? C : never;
/** The plan configs of the built-in actions, as a union discriminated by `type`. */
export type BuiltinRouteAction = ConfigOf<(typeof BUILTIN_ROUTE_ACTIONS)[number]>;

for (const k of BUILTIN_ROUTE_ACTIONS) routeActions.register(k, { builtin: true });

/** Registers a route action from its definition (replacing a kind of the same name in place). */
export function registerRouteKind(kind: RouteActionKind<any, any>): void {
  routeActions.register(kind);
}

/** The order a route's actions run in: those that provide a value first, each group in registration order. */
export function routeActionOrder(): Array<RouteActionKind<any, any>> {
  const kinds = routeActions.kinds();
  return [...kinds.filter((k) => k.provides), ...kinds.filter((k) => !k.provides)];
}

/** Route kinds in the order they run within one route (write, then sync, then tell). */
import type { PlanRoute } from '../../../plan/plan.js';
import { deleteRoute } from './delete.js';
import { emitRoute } from './emit.js';
import { syncRoute } from './sync.js';
import type { RouteKind } from './types.js';
import { upsertRoute } from './upsert.js';

const kinds: RouteKind[] = [];

export function registerRouteKind(kind: RouteKind): void {
  const at = kinds.findIndex((k) => k.kind === kind.kind);
  if (at >= 0) kinds[at] = kind;
  else kinds.push(kind);
}

export function kindsFor(route: PlanRoute): RouteKind[] {
  return kinds.filter((k) => k.applies(route));
}

for (const k of [upsertRoute, deleteRoute, syncRoute, emitRoute]) registerRouteKind(k);

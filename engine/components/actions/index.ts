/** Webhook route actions: what a route does with a matched event. */
export { registerRouteKind, routeActions } from './registry.js';
export { defineRouteAction } from './protocol.js';
export type { RouteActionKind, RouteActionBase, RouteContext, RouteInput, RouteServices, Provided, SyncOutcome } from './protocol.js';

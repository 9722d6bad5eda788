/**
 * Every route module of the runtime, in documentation order. A new resource is a new file
 * exporting `routes: RouteDef[]`, listed here.
 */
import type { RouteDef } from '../route.js';
import { routes as system } from './system.js';
import { routes as connectors } from './connectors.js';
import { routes as connections } from './connections.js';
import { routes as actions } from './actions.js';
import { routes as records } from './records.js';
import { routes as recordFetch } from './record-fetch.js';
import { routes as syncs } from './syncs.js';
import { routes as discover } from './discover.js';
import { routes as schedules } from './schedules.js';
import { routes as keys } from './keys.js';
import { routes as oauth } from './oauth.js';
import { routes as webhooks } from './webhooks.js';
import { routes as webhookEvents } from './webhook-events.js';
import { routes as subscriptions } from './subscriptions.js';

export const ROUTE_MODULES: ReadonlyArray<readonly RouteDef[]> = [system, connectors, connections, actions, records, recordFetch, syncs, discover, schedules, keys, oauth, webhooks, webhookEvents, subscriptions];

export function builtinRoutes(): RouteDef[] {
  return ROUTE_MODULES.flat();
}

/**
 * Processing one stored event: every route whose `on` matches the event's type (and whose
 * `when` holds, judged on the event alone, before anything is fetched) runs its kinds in
 * order. A kind that provides a value (`fetch`) binds it for the route's later kinds, or
 * ends the route when there is nothing to act on. A throw fails the event as a whole; the
 * worker retries it, and every kind is safe to repeat (fetches read, upserts by content
 * hash, deletes by key, emits with stable ids).
 */
import { ConnectorError } from '../../core/errors.js';
import type { ConnectionService } from '../connections/service.js';
import type { Plan } from '../../plan/plan.js';
import type { ClaimedEvent } from '../store/webhook-events.js';
import { truthy } from '../../lang/truthy.js';
import { routeActions } from '../../components/actions/registry.js';
import type { RouteInput, RouteServices } from '../../components/actions/protocol.js';

/** A failure no retry can fix (the connection is gone): the event fails at once. */
export class PermanentFailure extends ConnectorError {}

export interface ProcessDeps {
  plan(connector: string): Plan | undefined;
  connections: ConnectionService;
  /** The services bound to one event's tenant and connection. */
  services(tenant: string, connectionId: string): RouteServices;
}

export async function processEvent(d: ProcessDeps, ev: ClaimedEvent): Promise<{ routes: number }> {
  const plan = d.plan(ev.connector);
  if (!plan?.webhooks) throw new PermanentFailure({ kind: 'config', origin: 'manifest', connector: ev.connector, message: `connector ${ev.connector} is not loaded or has no webhooks` });
  if (!ev.connectionId) throw new PermanentFailure({ kind: 'config', origin: 'connection', connector: ev.connector, message: 'the event belongs to no connection' });
  const info = await d.connections.get({ tenant: ev.tenant, id: ev.connectionId });
  if (!info || info.status === 'disconnected') {
    throw new PermanentFailure({ kind: 'not_found', origin: 'connection', connector: ev.connector, message: `connection ${ev.connectionId} is ${info ? 'disconnected' : 'gone'}` });
  }
  if (info.status === 'needs_choice') {
    // Its set-up waits for a pick (a tenant, a page): a route would act for no account. Not a
    // permanent failure: retried with backoff, the events sent meanwhile run once it is chosen.
    throw new ConnectorError({
      kind: 'conflict', origin: 'connection', connector: ev.connector, code: 'connection_needs_choice', retryable: true,
      message: `connection ${info.id} waits for a choice of its set-up; the event is retried once it is made`,
    });
  }
  const type = ev.type;
  if (type === undefined) return { routes: 0 };
  const services = d.services(ev.tenant, info.id);
  const eventInput: RouteInput = { event: ev.payload, body: ev.body, headers: ev.headers };
  let ran = 0;
  for (const [routeIndex, route] of plan.webhooks.routes.entries()) {
    if (!route.matchers.some((m) => m.test(type))) continue;
    if (route.when && !truthy(await route.when.evaluate(eventInput))) continue;
    // Each route's own: what one route fetched is not another's.
    let input = eventInput;
    for (const config of route.actions) {
      const kind = routeActions.require(config.type);
      const out = await kind.run({ plan, config, routeIndex, event: ev, tenant: ev.tenant, connectionId: info.id, input, services });
      if (!kind.provides || !out) continue;
      if ('skip' in out) break;
      input = { ...input, [kind.provides]: out.value };
    }
    ran++;
  }
  return { routes: ran };
}

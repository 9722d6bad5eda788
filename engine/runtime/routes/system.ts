/** Liveness, readiness and the API's own description. No key needed: they reveal no tenant data. */
import { pendingMigrations, ping } from '../../platform/store/health.js';
import { HttpProblem } from '../problem.js';
import { defineRoute, type RouteDef } from '../route.js';
import type { RuntimeServices } from '../services.js';

const PROBE_TIMEOUT_MS = 2000;

/** A probe that cannot hang: a database that does not answer in time is as good as down. */
function bounded<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function readiness(services: RuntimeServices): Promise<void> {
  if (services.lifecycle.draining) throw new HttpProblem(503, 'shutting_down', 'the server is shutting down');
  const { store } = services.platform;
  try {
    await bounded(ping(store));
  } catch {
    throw new HttpProblem(503, 'database_unreachable', `database ${store.display} is not reachable`);
  }
  const pending = await bounded(pendingMigrations(store));
  if (pending > 0) throw new HttpProblem(503, 'migrations_pending', `${pending} database migration(s) not applied`);
}

export const routes: RouteDef[] = [
  defineRoute({
    id: 'healthz',
    method: 'GET',
    path: '/healthz',
    summary: 'Liveness: the process answers',
    tags: ['system'],
    access: 'public',
    responses: { 200: { description: 'Alive', schema: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } } } },
    handler: () => ({ body: { status: 'ok' } }),
  }),
  defineRoute({
    id: 'readyz',
    method: 'GET',
    path: '/readyz',
    summary: 'Readiness: the database is reachable and migrated, and the server is not shutting down',
    tags: ['system'],
    access: 'public',
    responses: { 200: { description: 'Ready', schema: { type: 'object', required: ['status'], properties: { status: { const: 'ready' } } } } },
    problems: [503],
    handler: async (req) => {
      await readiness(req.services);
      return { body: { status: 'ready' } };
    },
  }),
  defineRoute({
    id: 'openapi',
    method: 'GET',
    path: '/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document',
    tags: ['system'],
    access: 'public',
    responses: { 200: { description: 'The OpenAPI document', schema: { type: 'object', required: ['openapi', 'paths'] } } },
    handler: (req) => ({ body: req.services.openapi() }),
  }),
];

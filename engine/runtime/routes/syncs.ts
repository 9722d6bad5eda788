/**
 * Syncs and their history. A sync started over HTTP runs in the background (202 with the
 * run) unless `?wait=true`; it belongs to the server, not to the request, so a client that
 * disconnects does not stop it, and shutdown waits for it (it checkpoints every page).
 */
import type { SyncRun } from '../../platform/store/runs.js';
import { notFound } from '../problem.js';
import { presentPage, presentRun, presentStreamState } from '../present.js';
import { LIMITS } from '../../platform/store/paging.js';
import { defineRoute, type RouteDef, type RouteRequest } from '../route.js';
import { Id, pageOf, pageQuery, RunSchema } from '../schemas.js';
import type { RuntimeServices } from '../services.js';
import { ConnectionParams, requireConnection, requireStreamName, requireUsable, StreamParams } from './common.js';

const POLL_MS = 5;
const MAX_WAIT_FOR_RUN_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The run row a just-started sync created. The runner reports it only when it ends, so look
 * for it: the stream lease allows one running run per stream, which makes the match exact.
 */
async function startedRun(services: RuntimeServices, ref: { tenant: string; id: string }, stream: string, since: number, done: Promise<SyncRun>): Promise<SyncRun> {
  let finished: SyncRun | undefined;
  let failed: { err: unknown } | undefined;
  done.then((r) => { finished = r; }, (err) => { failed = { err }; });
  const deadline = Date.now() + MAX_WAIT_FOR_RUN_MS;
  while (Date.now() < deadline) {
    if (failed) throw failed.err;
    if (finished) return finished;
    const [run] = (await services.platform.runs.list({ connection: ref, stream, status: 'running', limit: 1 })).items;
    if (run && Date.parse(run.startedAt) >= since) return run;
    await sleep(POLL_MS);
  }
  return done;
}

async function startSync(req: RouteRequest<{ id: string; stream: string }, { wait: boolean; full: boolean }>) {
  const { services } = req;
  const info = await requireConnection(req);
  requireUsable(services, info);
  requireStreamName(services, info, req.params.stream);
  const ref = { tenant: req.tenant, id: info.id };
  const since = Date.now();
  const done = services.background.track(
    services.platform.sync(ref, req.params.stream, { trigger: 'manual', reset: req.query.full, signal: services.background.signal }),
  );
  if (req.query.wait) return { status: 200, body: presentRun(await done) };
  const run = await startedRun(services, ref, req.params.stream, since, done);
  return { status: 202, body: presentRun(run), headers: { location: `/v1/runs/${run.id}` } };
}

export const routes: RouteDef[] = [
  defineRoute({
    id: 'startSync',
    method: 'POST',
    path: '/v1/connections/:id/streams/:stream/sync',
    summary: 'Sync a stream into the store (incremental from the stored state)',
    description: 'Answers 202 with the running run; poll GET /v1/runs/{id}. With `wait=true` answers 200 when the run has ended (a failed run is still 200: read its `status`).',
    tags: ['syncs'],
    params: StreamParams,
    query: {
      type: 'object',
      additionalProperties: false,
      properties: {
        wait: { type: 'boolean', default: false, description: 'Answer when the run has ended.' },
        full: { type: 'boolean', default: false, description: 'Ignore the stored state and read the stream from its beginning.' },
      },
    },
    responses: {
      200: { description: 'The finished run (wait=true)', schema: RunSchema },
      202: { description: 'The run, started', schema: RunSchema, headers: { location: { description: 'The run URL' } } },
    },
    problems: [404, 409, 422],
    handler: startSync,
  }),
  defineRoute({
    id: 'listRuns',
    method: 'GET',
    path: '/v1/connections/:id/runs',
    summary: "A connection's sync runs, newest first",
    tags: ['syncs'],
    params: ConnectionParams,
    query: pageQuery(LIMITS.runs, { stream: { type: 'string', maxLength: 200 }, status: { enum: ['running', 'success', 'partial', 'failed'] } }),
    responses: { 200: { description: 'A page of runs', schema: pageOf('runs', RunSchema) } },
    problems: [400, 404],
    handler: async (req) => {
      const info = await requireConnection(req);
      const page = await req.services.platform.runs.list({
        connection: { tenant: req.tenant, id: info.id },
        stream: req.query.stream as string | undefined,
        status: req.query.status as SyncRun['status'] | undefined,
        limit: req.query.limit as number,
        cursor: req.query.cursor as string | undefined,
        param: 'query.cursor',
      });
      return { body: presentPage('runs', page, presentRun) };
    },
  }),
  defineRoute({
    id: 'getStreamState',
    method: 'GET',
    path: '/v1/connections/:id/streams/:stream/state',
    summary: 'What the next sync of a stream resumes from',
    description: 'The stored state: `cursor` (a stream with a `cursor`), the values `state.keep` takes from responses (sync tokens, delta links), and for a child stream `parents`, one such state per parent record. Empty before the first sync and after a reset. A sync with `full=true` ignores it.',
    tags: ['syncs'],
    params: StreamParams,
    responses: {
      200: {
        description: 'The state',
        schema: {
          type: 'object',
          required: ['stream', 'state'],
          properties: {
            stream: { type: 'string' },
            state: { type: 'object', additionalProperties: true },
            updated_at: { type: ['string', 'null'], format: 'date-time' },
          },
        },
      },
    },
    problems: [404],
    handler: async (req) => {
      const info = await requireConnection(req);
      requireStreamName(req.services, info, req.params.stream);
      const rows = await req.services.platform.state.list({ tenant: req.tenant, id: info.id });
      return { body: presentStreamState(req.params.stream, rows.find((r) => r.stream === req.params.stream)) };
    },
  }),
  defineRoute({
    id: 'getRun',
    method: 'GET',
    path: '/v1/runs/:id',
    summary: 'One sync run',
    tags: ['syncs'],
    params: { type: 'object', required: ['id'], properties: { id: { ...Id, description: 'Run id.' } } },
    responses: { 200: { description: 'The run', schema: RunSchema } },
    problems: [404],
    handler: async (req) => {
      const run = await req.services.platform.runs.get(req.params.id, req.tenant);
      if (!run) throw notFound('run', 'run_not_found');
      return { body: presentRun(run) };
    },
  }),
];

/** Running one action: validate input, render, send (following pages if asked), build output. */
import { ConnectorError } from '../../core/errors.js';
import { renderRequest } from '../http/render.js';
import { isIdempotent } from '../http/retry.js';
import type { InboundResponse } from '../../core/wire.js';
import { planAction, type PlanAction } from '../../plan/plan.js';
import { drivePages } from '../../components/pagination/drive.js';
import type { ResolvedConnection } from './context.js';
import { renderOptions, validateWith } from './context.js';
import { plain } from '../../lang/plain.js';
import { selectRecords } from './records.js';
import type { OperationRuntime } from './runtime.js';
import { unknownName } from './suggest.js';

export interface CallStats {
  pages: number;
  records?: number;
}

export function findAction(rc: ResolvedConnection, name: string): PlanAction {
  const action = planAction(rc.plan, name);
  if (!action) throw new ConnectorError({ kind: 'config', origin: 'caller', message: `Connector ${rc.plan.id}: ${unknownName('action', name, Object.keys(rc.plan.actions))}` });
  return action;
}

export async function call(
  rt: OperationRuntime,
  rc: ResolvedConnection,
  actionName: string,
  input: unknown = {},
  stats: CallStats = { pages: 0 },
  signal?: AbortSignal,
  idempotencyKey?: string,
  raw = false,
): Promise<unknown> {
  const action = findAction(rc, actionName);
  validateWith(action.validateInput, input, { prefix: 'input', kind: 'validation', origin: 'caller', label: `input for action ${actionName}` });
  const render = (page?: Record<string, unknown>) => renderRequest(action.request, action.http, { ...rc.base, input, ...(page ? { page } : {}) }, renderOptions(rc));
  const request = await render(action.request.usesPage ? {} : undefined);
  const header = action.http.retry.idempotencyHeader;
  // The caller's key, so the provider dedupes the caller's retries too, not only ours (a page-following read needs none).
  const queryKey = action.http.retry.idempotencyQuery;
  if (idempotencyKey !== undefined && !action.paginate && !isIdempotent(request.method)) {
    if (header) request.headers[header.toLowerCase()] = idempotencyKey;
    else if (queryKey && !request.query.some(([k]) => k === queryKey)) request.query.push([queryKey, idempotencyKey]);
  }
  const sendOpts = { http: action.http, operation: `action:${actionName}`, signal };

  let body: unknown;
  let last: InboundResponse;
  if (action.paginate) {
    // The caller asked for every page as one result, so here (unlike a read) they are kept.
    const all: unknown[] = [];
    let lastPage: InboundResponse | undefined;
    if (action.request.usesPage) request.page = {};
    for await (const page of drivePages({
      pagination: action.http.pagination,
      request,
      render,
      send: (req) => rt.send(rc, req, sendOpts),
      select: (res) => selectRecords(action.records, res),
      signal,
    })) {
      stats.pages++;
      for (const r of page.records) all.push(r);
      lastPage = page.response;
    }
    body = all;
    last = lastPage as InboundResponse;
    stats.records = all.length;
  } else {
    last = await rt.send(rc, request, sendOpts);
    stats.pages = 1;
    body = last.body;
  }
  if (!action.output || raw) return body;
  return plain(await action.output.evaluate(body, { input, headers: last.headers, status: last.status }));
}

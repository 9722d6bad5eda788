/**
 * The one loop every paginated operation runs: send, select records, hand the page out,
 * then ask the strategy for the next request. Pages are produced lazily, so a consumer that
 * stops (a read `limit`) causes no further requests, and nothing is held between pages
 * except one fingerprint per request for loop detection.
 */
import { createHash } from 'node:crypto';
import type { InboundResponse, OutboundRequest } from '../../core/wire.js';
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import { pageBindings, type Page, type PaginationPlanBase, type Paginator } from './protocol.js';
import { createPaginator } from './registry.js';
import { truthy } from '../../lang/truthy.js';

export interface DriveOptions {
  /** Any registered kind's config: the loop reads only what every kind shares. */
  pagination: PaginationPlanBase;
  /** The rendered request; the strategy adds its first-page parameters. */
  request: OutboundRequest;
  send(req: OutboundRequest): Promise<InboundResponse>;
  /** Raw records of one response (the operation's `records` selection). */
  select(res: InboundResponse): Promise<unknown[]>;
  signal?: AbortSignal;
  /** Reuse a paginator (child streams run once per parent record). */
  paginator?: Paginator;
  /**
   * Renders the operation's request again with paging variables, for requests whose own
   * templates place them (`request.page` is set); the paginator then only sets the variables.
   */
  render?: (page: Record<string, unknown>) => Promise<OutboundRequest>;
}

async function placed(req: OutboundRequest | undefined, render: DriveOptions['render']): Promise<OutboundRequest | undefined> {
  if (!req?.page || !render || Object.keys(req.page).length === 0) return req;
  return { ...(await render(req.page)), page: req.page };
}

function fingerprint(req: OutboundRequest): string {
  const headers = Object.entries(req.headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([req.method, req.url, req.query, headers, req.body ?? null]))
    .digest('base64url');
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  if (isConnectorError(signal.reason)) throw signal.reason;
  throw new ConnectorError({ kind: 'client', origin: 'caller', message: 'Operation aborted', cause: signal.reason });
}

async function stopRequested(pagination: PaginationPlanBase, page: Page): Promise<boolean> {
  if (!pagination.stopWhen) return false;
  return truthy(await pagination.stopWhen.evaluate(page.response.body, pageBindings(page)));
}

export async function* drivePages(opts: DriveOptions): AsyncGenerator<Page, void, undefined> {
  const { pagination } = opts;
  const paginator = opts.paginator ?? createPaginator(pagination);
  const seen = new Map<string, number>();
  let req: OutboundRequest | undefined = await placed(paginator.first(opts.request), opts.render);
  let pages = 0;
  while (req) {
    checkAborted(opts.signal);
    const fp = fingerprint(req);
    const earlier = seen.get(fp);
    if (earlier !== undefined) {
      throw new ConnectorError({
        kind: 'client', origin: 'provider',
        message: `Pagination loop: page ${pages + 1} would repeat the request for page ${earlier} (${paginator.describe(req)}); the API returned the same position twice`,
        request: { method: req.method, url: req.url },
      });
    }
    if (pages >= pagination.maxPages) {
      throw new ConnectorError({
        kind: 'client', origin: 'manifest',
        message: `Pagination stopped after max_pages (${pagination.maxPages}) pages with more still to fetch (next: ${paginator.describe(req)}); raise max_pages or narrow the request`,
        request: { method: req.method, url: req.url },
      });
    }
    seen.set(fp, pages + 1);
    // Sent as a copy: auth and retries may decorate what they send, and the page must keep
    // the request exactly as paginated so the next one derives from it.
    const { page: _vars, ...wire } = req;
    const response = await opts.send({ ...wire, query: [...req.query], headers: { ...req.headers } });
    const records = await opts.select(response);
    pages++;
    const page: Page = { request: req, response, records };
    yield page;
    if (await stopRequested(pagination, page)) return;
    req = await placed(await paginator.next(page), opts.render);
  }
}

/** Raw records from a body: the selection (default the body itself), arrays kept, scalars wrapped. */
export function asRecords(selected: unknown): unknown[] {
  if (selected === undefined || selected === null) return [];
  return Array.isArray(selected) ? selected : [selected];
}

/**
 * Local stand-ins for two change feeds, each in its provider's documented wire format:
 * a Graph-style delta query (rounds of `@odata.nextLink` pages ending in an
 * `@odata.deltaLink`, removals as `@removed`) and a Calendar-style list with sync tokens
 * (`nextPageToken`, `nextSyncToken` on the last page, `status: cancelled`, 410 for a token
 * that is no longer valid). Both keep a change log so a token names a point in it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  authorization?: string;
  prefer?: string;
}

interface Item {
  id: string;
  data: Record<string, unknown>;
  /** Change number of the last change (create, update or delete). */
  version: number;
  deleted: boolean;
}

/** A collection with a change log: `since(v)` is what changed after change number v. */
class ChangeLog {
  version = 0;
  readonly items = new Map<string, Item>();

  put(id: string, data: Record<string, unknown>): void {
    this.items.set(id, { id, data, version: ++this.version, deleted: false });
  }

  remove(id: string): void {
    const it = this.items.get(id);
    if (it) this.items.set(id, { ...it, version: ++this.version, deleted: true });
  }

  live(): Item[] {
    return [...this.items.values()].filter((i) => !i.deleted).sort((a, b) => a.id.localeCompare(b.id));
  }

  since(v: number): Item[] {
    return [...this.items.values()].filter((i) => i.version > v).sort((a, b) => a.version - b.version);
  }
}

export interface FakeFeed {
  url: string;
  token: string;
  log: ChangeLog;
  requests: Seen[];
  /** Tokens (change numbers) the server no longer accepts: 410. */
  expired: Set<number>;
  /** Answer this status to the nth request from now (1 = the next one). */
  failAt?: { request: number; status: number };
  close(): Promise<void>;
}

async function serve(handler: (feed: FakeFeed, url: URL, res: http.ServerResponse) => void): Promise<FakeFeed> {
  const feed = { token: 'tok-4f9a', log: new ChangeLog(), requests: [] as Seen[], expired: new Set<number>() } as unknown as FakeFeed;
  const server = http.createServer((req, res) => {
    feed.requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, prefer: req.headers.prefer as string | undefined });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${feed.token}`) return send(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } });
    if (feed.failAt && --feed.failAt.request === 0) {
      const status = feed.failAt.status;
      feed.failAt = undefined;
      return send(status, { error: { code: 'serviceNotAvailable', message: 'The service is temporarily unavailable.' } });
    }
    handler(feed, new URL(req.url ?? '/', feed.url), res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  feed.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  feed.close = () => new Promise<void>((r) => server.close(() => r()));
  return feed;
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/**
 * Graph: `GET /v1.0/me/contactFolders/{id}/contacts/delta`. A round is a snapshot: the first
 * request of a round fixes its rows, `$skiptoken` pages through them, the last page carries
 * `@odata.deltaLink` with `$deltatoken` = the change number the round saw.
 */
export function startGraphDelta(): Promise<FakeFeed> {
  const rounds = new Map<string, { rows: unknown[]; upTo: number }>();
  return serve((feed, url, res) => {
    const m = /^\/v1\.0\/me\/contactFolders\/([^/]+)\/contacts\/delta$/.exec(url.pathname);
    if (!m) return json(res, 404, { error: { code: 'ResourceNotFound', message: 'Resource not found for the segment.' } });
    const size = Number(/odata\.maxpagesize=(\d+)/.exec(String(feed.requests.at(-1)?.prefer))?.[1] ?? 10);
    const base = `${feed.url}${url.pathname}`;
    let key = url.searchParams.get('$skiptoken');
    let offset = 0;
    if (key) {
      offset = Number(key.split('.')[1]);
      key = key.split('.')[0];
    } else {
      const delta = url.searchParams.get('$deltatoken');
      const from = delta === null ? undefined : Number(delta);
      if (from !== undefined && feed.expired.has(from)) {
        return json(res, 410, { error: { code: 'SyncStateNotFound', message: 'The sync state generation is not found. Restart the sync from the beginning.' } });
      }
      const items = from === undefined ? feed.log.live() : feed.log.since(from);
      const rows = items.map((i) => (i.deleted
        ? { '@odata.type': '#microsoft.graph.contact', id: i.id, '@removed': { reason: 'deleted' } }
        : { '@odata.type': '#microsoft.graph.contact', '@odata.etag': `W/"${i.version}"`, id: i.id, ...i.data }));
      key = `r${rounds.size + 1}`;
      rounds.set(key, { rows, upTo: feed.log.version });
    }
    const round = rounds.get(key)!;
    const page = round.rows.slice(offset, offset + size);
    const body: Record<string, unknown> = { '@odata.context': `${feed.url}/v1.0/$metadata#Collection(contact)`, value: page };
    if (offset + size < round.rows.length) body['@odata.nextLink'] = `${base}?$skiptoken=${key}.${offset + size}`;
    else body['@odata.deltaLink'] = `${base}?$deltatoken=${round.upTo}`;
    json(res, 200, body);
  });
}

/**
 * Calendar: `GET /calendar/v3/calendars/{id}/events`. Without `syncToken`, the live events;
 * with it, every event changed since (cancelled ones as `{ id, status: "cancelled" }`). The
 * last page carries `nextSyncToken`; the others `nextPageToken`.
 */
export function startCalendar(): Promise<FakeFeed> {
  return serve((feed, url, res) => {
    if (!/^\/calendar\/v3\/calendars\/[^/]+\/events$/.test(url.pathname)) return json(res, 404, { error: { code: 404, message: 'Not Found' } });
    const size = Number(url.searchParams.get('maxResults') ?? 250);
    const sync = url.searchParams.get('syncToken');
    const from = sync === null ? undefined : Number(sync.replace(/^sync-/, ''));
    if (from !== undefined && feed.expired.has(from)) {
      const message = 'Sync token is no longer valid, a full sync is required.';
      return json(res, 410, { error: { errors: [{ domain: 'calendar', reason: 'fullSyncRequired', message }], code: 410, message } });
    }
    const items = (from === undefined ? feed.log.live() : feed.log.since(from)).map((i) => (i.deleted
      ? { kind: 'calendar#event', id: i.id, status: 'cancelled' }
      : { kind: 'calendar#event', etag: `"${i.version}"`, id: i.id, status: 'confirmed', ...i.data }));
    const offset = Number(url.searchParams.get('pageToken') ?? 0);
    const body: Record<string, unknown> = { kind: 'calendar#events', summary: 'Team', items: items.slice(offset, offset + size) };
    if (offset + size < items.length) body.nextPageToken = String(offset + size);
    else body.nextSyncToken = `sync-${feed.log.version}`;
    json(res, 200, body);
  });
}

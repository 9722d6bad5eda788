/**
 * Stream state in the engine's read (issue 13 item 1), without a database: values kept from
 * bodies and headers, the resume URL and its origin rule, a page cut by `limit` keeping no
 * token, deletions handed out apart from records, a refused state starting over once, and
 * child streams keeping one slot per parent. test/sync/stream-state.test.ts runs the
 * Graph- and Calendar-shaped feeds through real syncs.
 */
import { describe, expect, it } from 'vitest';
import type { ReadPage } from '../../engine/run/operations/read.js';
import { compile, engineOverServer, failure } from './helpers.js';

const MANIFEST = `
patchbay: 1
id: feed
name: Change feed
auth: { type: bearer }
http:
  base_url: https://unused.invalid
  retry: { max_attempts: 1 }
  pagination: { type: next_url, next: next }
streams:
  changes:
    request: { path: /changes }
    records: items
    primary_key: id
    deleted: removed = true
    state:
      keep:
        link: delta
        # A token some feeds send as a header rather than in the body.
        etag: $headers.etag
      resume: "{{state.link}}"
      reset_on: [410]
    mapping: "{ 'id': id, 'name': name }"
  folders:
    request: { path: /folders }
    records: items
    primary_key: id
  messages:
    parent: { stream: folders }
    request: { path: "/folders/{{parent.id}}/messages", query: { after: "{{state.cursor}}" } }
    records: items
    primary_key: id
    cursor: { field: seq }
`;

const fx = engineOverServer(() => new Map([['feed', compile(MANIFEST, '/virtual/connectors/feed/connector.yaml')]]));
const conn = () => ({ connector: 'feed', id: 'f1', credentials: { token: 't' }, baseUrl: fx.server.url });

async function pages(it: { pagesIterable(): AsyncIterable<ReadPage> }) {
  const out: ReadPage[] = [];
  for await (const p of it.pagesIterable()) out.push(p);
  return out;
}

describe('opaque state', () => {
  it('keeps body and header values from the last page that has them, and hands deletions out apart', async () => {
    const e = await fx.setup((req) => {
      if (req.query.get('since') === '9') return { body: { items: [], delta: `${fx.server.url}/changes?since=10` } };
      if (req.query.get('p') === '2') return { headers: { etag: '"v9"' }, body: { items: [{ id: 'c', name: 'C' }, { id: 'b', removed: true }], delta: `${fx.server.url}/changes?since=9` } };
      return { body: { items: [{ id: 'a', name: 'A' }], next: `${fx.server.url}/changes?p=2` } };
    });
    const reader = e.read(conn(), 'changes');
    const got = await pages(reader);
    expect(got.map((p) => p.records)).toEqual([[{ id: 'a', name: 'A' }], [{ id: 'c', name: 'C' }]]);
    expect(got.map((p) => p.deleted)).toEqual([[], [{ id: 'b' }]]);
    // The first page had neither value: its checkpoint resumes where this read began.
    expect(got.map((p) => p.state)).toEqual([{}, { link: `${fx.server.url}/changes?since=9`, etag: '"v9"' }]);
    expect(reader.records).toBe(2);

    fx.server.seen.length = 0;
    const next = e.read(conn(), 'changes', { state: reader.state });
    const again = await pages(next);
    expect(fx.server.seen.map((s) => `${s.path}?${s.query}`)).toEqual(['/changes?since=9']);
    expect(fx.server.seen[0].headers.authorization).toBe('Bearer t');
    // A value the new round did not send again (the header) stays as stored.
    expect(again.at(-1)?.state).toEqual({ link: `${fx.server.url}/changes?since=10`, etag: '"v9"' });
  });

  it('refuses a stored resume URL on another origin without sending anything there', async () => {
    const e = await fx.setup(() => ({ body: { items: [] } }));
    const err = await failure(pages(e.read(conn(), 'changes', { state: { link: 'https://attacker.example/steal?x=1' } })));
    expect(err).toMatchObject({ kind: 'client', origin: 'provider' });
    expect(err.message).toMatch(/stored resume URL leaves the API origin .* → https:\/\/attacker\.example\); refusing to send credentials there/);
    expect(fx.server.seen).toHaveLength(0);
  });

  it('a page cut short by limit keeps no token from it', async () => {
    const e = await fx.setup(() => ({ body: { items: [{ id: 'a' }, { id: 'b' }], delta: `${fx.server.url}/changes?since=2` } }));
    const reader = e.read(conn(), 'changes', { state: { link: `${fx.server.url}/changes?since=1` }, limit: 1 });
    const got = await pages(reader);
    expect(got.map((p) => p.records.length)).toEqual([1]);
    expect(reader.state).toEqual({ link: `${fx.server.url}/changes?since=1` });
    expect(reader.complete).toBe(false);
  });

  it('a refused state is cleared once and the read starts over from the request', async () => {
    let refused = 0;
    const e = await fx.setup((req) => {
      if (req.query.get('since') === 'old') {
        refused++;
        return { status: 410, body: { error: { code: 'resyncRequired', message: 'Resync required.' } } };
      }
      return { body: { items: [{ id: 'a' }], delta: `${fx.server.url}/changes?since=new` } };
    });
    const reader = e.read(conn(), 'changes', { state: { link: `${fx.server.url}/changes?since=old`, etag: '"v1"' } });
    const got = await pages(reader);
    expect(refused).toBe(1);
    expect(got[0]).toEqual({ records: [], deleted: [], state: {}, reset: true });
    expect(got[1].records).toEqual([{ id: 'a' }]);
    expect(reader.state).toEqual({ link: `${fx.server.url}/changes?since=new` });
    expect(fx.server.seen.map((s) => `${s.path}?${s.query}`)).toEqual(['/changes?since=old', '/changes?']);
  });

  it('a status outside reset_on fails the read and leaves the state alone', async () => {
    const e = await fx.setup(() => ({ status: 404, body: { error: { message: 'gone' } } }));
    const state = { link: `${fx.server.url}/changes?since=x` };
    const reader = e.read(conn(), 'changes', { state });
    expect(await failure(pages(reader))).toMatchObject({ status: 404 });
    expect(reader.state).toEqual(state);
  });
});

describe('child streams keep a cursor per parent', () => {
  const server = (folders: string[], messages: Record<string, Array<{ id: string; seq: number }>>) => (req: { path: string; query: URLSearchParams }) => {
    if (req.path === '/folders') return { body: { items: folders.map((id) => ({ id })) } };
    const folder = /^\/folders\/([^/]+)\/messages$/.exec(req.path)![1];
    const after = Number(req.query.get('after') ?? 0);
    return { body: { items: (messages[folder] ?? []).filter((m) => m.seq > after) } };
  };

  it('reads each parent from its own cursor, starts a new parent from nothing, and drops a parent that is gone', async () => {
    const e = await fx.setup(server(['inbox', 'archive', 'new'], {
      inbox: [{ id: 'i1', seq: 5 }, { id: 'i2', seq: 7 }],
      archive: [{ id: 'a1', seq: 2 }],
      new: [{ id: 'n1', seq: 1 }],
    }));
    const state = { parents: { inbox: { cursor: 5 }, archive: { cursor: 2 }, deleted_folder: { cursor: 40 } } };
    const reader = e.read(conn(), 'messages', { state });
    const got = await pages(reader);
    expect(fx.server.seen.map((s) => `${s.path}?${s.query}`)).toEqual([
      '/folders?', '/folders/inbox/messages?after=5', '/folders/archive/messages?after=2', '/folders/new/messages?',
    ]);
    expect(got.flatMap((p) => p.records).map((r) => r.id)).toEqual(['i2', 'n1']);
    // Mid-read, a parent not reached yet keeps its stored slot.
    expect(got[0].state).toEqual({ parents: { inbox: { cursor: 7 }, archive: { cursor: 2 }, deleted_folder: { cursor: 40 } } });
    expect(reader.state).toEqual({ parents: { inbox: { cursor: 7 }, archive: { cursor: 2 }, new: { cursor: 1 } } });
  });

  it('an older stream-wide cursor is each parent’s starting point until it has its own', async () => {
    const e = await fx.setup(server(['inbox', 'archive'], { inbox: [{ id: 'i2', seq: 7 }], archive: [] }));
    const reader = e.read(conn(), 'messages', { state: { cursor: 6 } });
    await pages(reader);
    expect(fx.server.seen.map((s) => s.query.get('after'))).toEqual([null, '6', '6']);
    expect(reader.state).toEqual({ parents: { inbox: { cursor: 7 }, archive: { cursor: 6 } } });
  });
});

import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { truthy } from '../../engine/lang/truthy.js';
import { compile, engineOverServer } from '../engine/helpers.js';

const VALUES: unknown[] = [
  undefined, null, true, false, 0, 1, -2.5, '', 'x', [], [false], [0, ''], [false, 1], [[]], [[1]], {}, { a: 1 }, [{}],
];

describe('conditions read as JSONata reads them', () => {
  it('agrees with $boolean for every kind of value', async () => {
    const boolean = jsonata('$boolean($v)');
    for (const v of VALUES) {
      const expected = v === undefined ? false : await boolean.evaluate({}, { v });
      expect(truthy(v), JSON.stringify(v)).toBe(expected);
    }
  });

  const fx = engineOverServer(() => new Map([['feed', compile(`
patchbay: 1
id: feed
name: Feed
auth: { type: none }
http:
  base_url: http://unused.invalid
  pagination: { type: page, size: 2, size_param: per_page, stop_when: "warnings" }
streams:
  items:
    request: { path: /items }
    records: data
    primary_key: id
`, '/virtual/connectors/feed/connector.yaml')]]));

  it('an empty list does not stop the paging; a non-empty one does', async () => {
    // Providers that always send the list, empty when all is well.
    const pages = [
      { data: [{ id: 1 }, { id: 2 }], warnings: [] },
      { data: [{ id: 3 }, { id: 4 }], warnings: ['export truncated'] },
      { data: [{ id: 5 }, { id: 6 }], warnings: [] },
    ];
    const e = await fx.setup((req) => ({ body: pages[Number(req.query.get('page')) - 1] ?? { data: [] } }));
    const ids: unknown[] = [];
    for await (const r of e.read({ connector: 'feed', id: 'f1', baseUrl: fx.server.url }, 'items')) ids.push((r as { id: number }).id);
    // Page 1's [] is false, page 2's list is true: its records are kept, then paging stops.
    expect(ids).toEqual([1, 2, 3, 4]);
    expect(fx.server.seen.map((s) => s.query.get('page'))).toEqual(['1', '2']);
  });
});

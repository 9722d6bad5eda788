/**
 * A local fake API: `total` issue-like records in pages, paged by `page`/`per_page` with an
 * RFC 8288 Link header, as GitHub does. Pages are rendered once and cached so the server's
 * own cost is the same small constant for every client being measured.
 */
import http from 'node:http';

function record(i) {
  const ts = new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
  return {
    id: 1_000_000 + i, number: i + 1, title: `Issue number ${i + 1}`, state: i % 3 ? 'open' : 'closed',
    body: `Body of issue ${i + 1}. `.repeat(4), user: { login: `user${i % 97}`, id: 5000 + (i % 97) },
    labels: [{ name: 'bug' }, { name: `area-${i % 7}` }], comments: i % 11,
    created_at: ts, updated_at: ts, html_url: `https://example.test/o/r/issues/${i + 1}`,
    locked: false, assignee: null,
  };
}

export function startFakeApi({ total, perPage = 100 }) {
  const pages = new Map();
  const lastPage = Math.ceil(total / perPage);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const page = Number(url.searchParams.get('page') ?? '1');
    const size = Math.min(Number(url.searchParams.get('per_page') ?? perPage), 100);
    const key = `${page}:${size}`;
    let body = pages.get(key);
    if (!body) {
      const start = (page - 1) * size;
      const items = [];
      for (let i = start; i < Math.min(start + size, total); i++) items.push(record(i));
      body = JSON.stringify(items);
      pages.set(key, body);
    }
    const base = `http://127.0.0.1:${server.address().port}${url.pathname}`;
    const links = [];
    if (page < lastPage) links.push(`<${base}?per_page=${size}&page=${page + 1}>; rel="next"`);
    links.push(`<${base}?per_page=${size}&page=${lastPage}>; rel="last"`);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', link: links.join(', '), 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

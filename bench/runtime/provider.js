/**
 * The fake provider for the runtime benchmark, in its own process so it does not share an
 * event loop with the server being measured: POST /items echoes a small JSON object.
 * Prints `{"url": …}` on stdout once listening.
 */
import http from 'node:http';

let next = 1;
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/items' || req.headers.authorization !== 'Bearer bench-token') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"message":"not found"}');
      return;
    }
    let name = null;
    try {
      name = JSON.parse(body).name ?? null;
    } catch {
      /* echo null */
    }
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: `item_${next++}`, name, created_at: '2026-01-01T00:00:00Z', status: 'open' }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

/**
 * What lossless parsing of provider bodies costs: parseJson (engine/core/json.ts) against
 * JSON.parse on the same text in the same process, for a page of 100 Shopify-shaped orders
 * whose ids are all safe (the common case: the gate says no, JSON.parse alone), the same
 * page with 64-bit ids (the lossless parser runs), and a page whose only long digit runs
 * are safe 16-digit integers (microsecond timestamps: the gate says yes, JSON.parse and a
 * walk find nothing to redo). The gate alone (the regex) is timed too: on a shared machine
 * it is the steadier figure for what the common case adds. Short rounds alternate between
 * the parsers so drift from a shared machine hits both; each figure is the median.
 * Run: npx tsx bench/json-parse.ts
 */
import { mayHoldUnsafeInteger, parseJson } from '../engine/core/json.js';

function order(i: number, id: (i: number) => string | number, extra: Record<string, unknown> = {}) {
  const n = id(i);
  return `{"id":${n},"admin_graphql_api_id":"gid://shopify/Order/${n}","email":"bob.norman${i}@mail.example.com",`
    + `"created_at":"2024-01-0${(i % 9) + 1}T12:34:56-05:00","updated_at":"2024-02-0${(i % 9) + 1}T08:00:00-05:00",`
    + `"number":${1000 + i},"order_number":${2000 + i},"currency":"USD","financial_status":"paid","fulfillment_status":null,`
    + `"total_price":"${(i * 7.31).toFixed(2)}","subtotal_price":"${(i * 6.5).toFixed(2)}","total_tax":"${(i * 0.81).toFixed(2)}",`
    + `"taxes_included":false,"confirmed":true,"test":false,"tags":"vip, wholesale","note":"Leave at the door, ring twice",`
    + `"customer":{"id":${typeof n === 'number' ? 207119551 + i : n},"email":"bob.norman${i}@mail.example.com","first_name":"Bob","last_name":"Norman","orders_count":${i}},`
    + `"line_items":[{"id":${typeof n === 'number' ? 466157049 + i : n},"title":"IPod Nano - 8gb","quantity":1,"price":"199.00","sku":"IPOD2008GREEN","grams":200},`
    + `{"id":${typeof n === 'number' ? 518995019 + i : n},"title":"IPod Nano - 8gb","quantity":1,"price":"199.00","sku":"IPOD2008RED","grams":200}],`
    + `"shipping_address":{"address1":"Chestnut Street 92","city":"Louisville","province":"Kentucky","country":"United States","zip":"40202","latitude":45.41634,"longitude":-75.6868}`
    + Object.entries(extra).map(([k, v]) => `,"${k}":${v}`).join('')
    + '}';
}
const page = (orders: string[]) => `{"orders":[${orders.join(',')}]}`;
const range = [...Array(100).keys()];
const PAGES = {
  'safe ids': page(range.map((i) => order(i, (k) => 450789469 + k))),
  '64-bit ids': page(range.map((i) => order(i, (k) => `8209829119461545${String(k).padStart(2, '0')}`))),
  '16-digit safe integers': page(range.map((i) => order(i, (k) => 450789469 + k, { processed_at_us: 1700000000000000 + i }))),
};

function perOp(fn: (t: string) => unknown, text: string, ms: number): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < 20; k++) fn(text);
    n += 20;
    now = performance.now();
  }
  return ((now - start) * 1e3) / n; // µs per parse
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows: Array<Record<string, string | number>> = [];
for (const [name, text] of Object.entries(PAGES)) {
  for (let w = 0; w < 3; w++) { perOp(JSON.parse, text, 100); perOp(parseJson, text, 100); }
  const base: number[] = [];
  const ours: number[] = [];
  const gate: number[] = [];
  for (let r = 0; r < 61; r++) {
    base.push(perOp(JSON.parse, text, 25));
    ours.push(perOp(parseJson, text, 25));
    gate.push(perOp(mayHoldUnsafeInteger, text, 10));
  }
  const b = median(base);
  const o = median(ours);
  const g = median(gate);
  rows.push({
    page: name, bytes: text.length, gate: mayHoldUnsafeInteger(text) ? 'yes' : 'no',
    'JSON.parse µs': +b.toFixed(1), 'parseJson µs': +o.toFixed(1), ratio: +(o / b).toFixed(3), 'gate alone / JSON.parse': +(g / b).toFixed(3),
  });
}
const sample = parseJson(PAGES['64-bit ids']) as { orders: Array<{ id: unknown }> };
console.table(rows);
console.log(`64-bit ids kept: ${JSON.stringify(sample.orders[8].id)} (JSON.parse: ${(JSON.parse(PAGES['64-bit ids']) as typeof sample).orders[8].id})`);

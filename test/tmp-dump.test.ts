import { it } from 'vitest';
import { loadTestSuite, planFor } from '../engine/testing/index.js';
import { deliverWebhook } from '../engine/testing/webhook.js';
it('dump', async () => {
  const suite = await loadTestSuite(`connectors/${process.env.C}/tests.yaml`, process.env.C);
  const plan = await planFor(suite.manifest);
  for (const c of suite.cases.filter((x) => x.webhook && x.name.includes(process.env.N ?? ''))) {
    const o = await deliverWebhook(plan, suite, c, 'http://127.0.0.1:9');
    console.log(c.name, JSON.stringify({ ...o, events: o.events.map((e) => ({ id: e.providerEventId, type: e.type, status: e.status, reason: e.reason, error: e.error })) }, null, 1));
  }
}, 60000);

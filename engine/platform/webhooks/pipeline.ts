/**
 * Intake of one delivery, each step driven by the manifest: handshake → parse → split into
 * events → find each event's connection → verify → identify → dedupe and store durably →
 * answer (the declared acknowledgement, else a JSON receipt). A handshake comes before the
 * body must be JSON (a validation may be an empty POST, or a GET) and is verified
 * first unless it says otherwise; it never stores anything. GET reaches only handshakes. Verification applies to the delivery as a whole; the connection is found per
 * event, so a batch carrying several accounts is split across their connections, and an
 * event whose connection is unknown is refused while the others are stored. The answer is
 * 2xx only once the transactions holding the events have committed. A refused delivery
 * never reaches a tenant's log with its body: on a per-connection URL it leaves a metadata
 * row on that connection (within a budget), on the connector-level URL only an operator
 * count. Hostile input is answered (400/401/404/413), never thrown.
 */
import type { Logger } from '../../core/log.js';
import type { Plan, PlanHandshake, PlanWebhooks } from '../../plan/plan.js';
import { newId } from '../store/ids.js';
import { toJson } from '../store/json.js';
import type { GroupCommitter } from './commit.js';
import type { NewDelivery, NewEvent, WebhookEventsRepo } from '../store/webhook-events.js';
import { identify, scalarText, splitEvents, type IdentifiedEvent } from './identify.js';
import { fullUrl, handshakeBody, normaliseHeaders, parseBody, queryOf, storableHeaders } from './request.js';
import type { ConnectorContext, ConnectorSecrets } from './connector-secrets.js';
import { REJECTED_LOG_BUDGET, type RejectionCounter } from './rejections.js';
import type { ConnectionResolver, Resolved } from './resolve.js';
import { notFound, problemReply, reply } from './reply.js';
import { allowedMethods, declaredReply, firstMatch, handshakeFor } from './replies.js';
import type { RejectReason, VerifyResult, WebhookRequest, WebhookResponse } from './types.js';
import { verifyDelivery } from '../../components/verify/registry.js';
import type { VerifyInput } from '../../components/verify/protocol.js';
import { templateVariables } from '../../lang/template.js';

const CONNECTION_ROOTS = new Set(['credentials', 'config', 'settings']);
const connectorLevel = new WeakMap<PlanWebhooks, boolean>();

/** True when the per-connection secret reads only connector-level values (one secret for every connection). */
function sharedSecret(spec: PlanWebhooks): boolean {
  let v = connectorLevel.get(spec);
  if (v === undefined) {
    const src = spec.verify.secret?.source;
    v = src !== undefined && !templateVariables(src).some((name) => CONNECTION_ROOTS.has(name.split('.')[0]));
    connectorLevel.set(spec, v);
  }
  return v;
}

export interface PipelineDeps {
  plan(connector: string): Plan | undefined;
  resolver: ConnectionResolver;
  repo: WebhookEventsRepo;
  rejections: RejectionCounter;
  connectorSecrets: ConnectorSecrets;
  committer: GroupCommitter;
  logger: Logger;
  publicUrl?: string;
  maxBodyBytes: number;
  now(): number;
  /** Told the ids of newly stored events, after their commit. */
  onStored(ids: string[]): void;
}

interface Delivery {
  req: WebhookRequest;
  plan: Plan;
  spec: PlanWebhooks;
  headers: Record<string, string>;
  method: string;
  url: string;
  /** Parsed; for a handshake, possibly the raw text or null (see handshakeBody). */
  body: unknown;
  /** What match expressions see. */
  exprInput: Record<string, unknown>;
  /** Operator-set values of the connector (`secrets`, `app`). */
  connector: ConnectorContext;
}

/** The events of one delivery that go to one connection. */
interface Group {
  target: Resolved;
  events: IdentifiedEvent[];
}

export class Pipeline {
  constructor(private readonly d: PipelineDeps) {}

  async receive(req: WebhookRequest): Promise<WebhookResponse> {
    try {
      return await this.run(req);
    } catch (err) {
      // Only the store failing gets here: the provider should try again later.
      this.d.logger.error({ connector: req.connectorId, connection: req.connectionId, err: { message: (err as Error).message } }, 'webhook intake failed');
      return reply(503, { error: 'unavailable', message: 'the event could not be stored; try again later' });
    }
  }

  private async run(req: WebhookRequest): Promise<WebhookResponse> {
    const plan = this.d.plan(req.connectorId);
    const spec = plan?.webhooks;
    if (!plan || !spec) return notFound(`connector "${req.connectorId}" does not receive webhooks`);
    if (req.rawBody.length > this.d.maxBodyBytes) {
      return reply(413, { error: 'payload_too_large', message: `the body exceeds ${this.d.maxBodyBytes} bytes` });
    }
    const headers = normaliseHeaders(req.headers);
    const own = req.connectionId ? await this.d.resolver.byId(plan.id, req.connectionId) : undefined;
    if (req.connectionId && !own) return notFound(`no ${plan.id} connection "${req.connectionId}"`);
    if (!own && !spec.connection) return notFound(`connector "${plan.id}" has no connector-level webhook URL; use the connection's own URL`);
    const parsed = parseBody(req.rawBody, headers['content-type']);
    const method = req.method.toUpperCase();
    const query = queryOf(req);
    const d: Delivery = {
      req, plan, spec, headers, method,
      url: fullUrl(req.url, this.d.publicUrl),
      body: parsed.ok ? parsed.body : handshakeBody(req.rawBody, parsed),
      exprInput: { body: parsed.ok ? parsed.body : undefined, headers, query, method },
      connector: await this.d.connectorSecrets.context(plan.id),
    };
    if (spec.handshakes.length) {
      // The connection's values on its own URL; the connector-level URL has chosen none yet.
      const t = own?.info;
      const input = {
        method, query, headers, body: handshakeBody(req.rawBody, parsed),
        config: t?.config ?? {}, credentials: own?.connection.credentials ?? {}, settings: t?.settings ?? {},
        ...d.connector,
      };
      const hs = await handshakeFor(spec.handshakes, method, input, (fn) => this.safeEval(fn, plan.id));
      if (hs) return this.handshake(d, hs, own, input);
    }
    if (method !== 'POST') {
      const r = problemReply(405, 'method_not_allowed', `${method} reaches a webhook URL only as a handshake the connector declares, and none matches`);
      r.headers.allow = allowedMethods(spec.handshakes);
      return r;
    }
    if (!parsed.ok) {
      await this.reject(plan.id, own, 'invalid_json', req, headers, undefined, parsed.message);
      return reply(400, { error: 'invalid_json', message: parsed.message });
    }
    return own ? this.forConnection(d, own) : this.forConnector(d);
  }

  /** A per-connection URL: the connection named in it, verified with its own secret. */
  private async forConnection(d: Delivery, own: Resolved): Promise<WebhookResponse> {
    const targets = [own];
    const [result] = await this.verifyAll(d, targets);
    if (!result.ok) {
      await this.reject(d.plan.id, targets[0], result.reason, d.req, d.headers, d.body);
      return reply(401, { error: 'unauthorized', reason: result.reason });
    }
    let events = await this.events(d);
    let refused = 0;
    // A secret shared by every connection proves the provider sent it, not to whom: a delivery
    // replayed to another tenant's URL keeps only the events of accounts this connection proved.
    if (d.spec.connection && sharedSecret(d.spec)) {
      const conn = d.spec.connection;
      const proven = (await this.d.resolver.proven(targets[0].info.id))[conn.setting];
      const own: IdentifiedEvent[] = [];
      for (const e of events) {
        const value = scalarText(await this.safeEval(() => conn.match.evaluate({ ...d.exprInput, event: e.event }), d.plan.id));
        if (proven !== undefined && value === proven) own.push(e);
      }
      refused = events.length - own.length;
      if (own.length === 0 && refused > 0) return notFound(`no event of this delivery belongs to ${d.plan.id} connection "${targets[0].info.id}"`);
      events = own;
    }
    return this.store(d, [{ target: targets[0], events }], events.length + refused, refused);
  }

  /**
   * The connector-level URL: each event's connection is found from the values connections
   * proved; the delivery must verify with the secret of a connection it is attributed to.
   */
  private async forConnector(d: Delivery): Promise<WebhookResponse> {
    // With a connector-level secret set, the delivery is proven (or refused) before anyone is chosen.
    const operator = this.verifyConnectorLevel(d);
    if (operator && !operator.ok) {
      await this.reject(d.plan.id, undefined, operator.reason, d.req, d.headers);
      return reply(401, { error: 'unauthorized', reason: operator.reason });
    }
    const { events } = await splitEvents(d.spec, d.body, d.headers, () => undefined);
    const { candidates, perEvent } = await this.attribute(d, events);
    if (candidates.size === 0) return notFound(`no ${d.plan.id} connection matches this delivery`);

    const targets = [...candidates.values()];
    const results = operator ? targets.map((): VerifyResult => ({ ok: true })) : await this.verifyAll(d, targets);
    const verified = new Map(targets.filter((_, i) => results[i].ok).map((t) => [t.info.id, t]));
    if (verified.size === 0) {
      await this.reject(d.plan.id, undefined, (results[0] as { reason: RejectReason }).reason, d.req, d.headers);
      return reply(401, { error: 'unauthorized', reason: (results[0] as { reason: RejectReason }).reason });
    }
    const onError = this.onExprError(d);
    const groups = new Map<string, Group>();
    let refused = 0;
    for (const [i, event] of events.entries()) {
      const owners = perEvent[i].filter((id) => verified.has(id));
      if (owners.length === 0) {
        refused++;
        continue;
      }
      const identified = await identify(d.spec, event, d.body, d.headers, onError);
      for (const id of owners) {
        if (!groups.has(id)) groups.set(id, { target: verified.get(id)!, events: [] });
        groups.get(id)!.events.push(identified);
      }
    }
    if (groups.size === 0 && refused > 0) return notFound(`no ${d.plan.id} connection matches this delivery`);
    if (refused) this.d.logger.info({ connector: d.plan.id, refused }, 'webhook events refused: no connection proved their account');
    return this.store(d, [...groups.values()], events.length, refused);
  }

  /** The connections each event names (by `connection.match`), and all of them together. */
  private async attribute(d: Delivery, events: unknown[]): Promise<{ candidates: Map<string, Resolved>; perEvent: string[][] }> {
    const conn = d.spec.connection!;
    const candidates = new Map<string, Resolved>();
    const perEvent: string[][] = [];
    for (const event of events) {
      const value = scalarText(await this.safeEval(() => conn.match.evaluate({ ...d.exprInput, event }), d.plan.id));
      const found = value === undefined ? [] : await this.d.resolver.byMatch(d.plan.id, conn.setting, value);
      for (const t of found) candidates.set(t.info.id, t);
      perEvent.push(found.map((t) => t.info.id));
    }
    return { candidates, perEvent };
  }

  /** Verifies against each target; one that failed on a reused copy is tried again with a fresh one. */
  private async verifyAll(d: Delivery, targets: Resolved[]): Promise<VerifyResult[]> {
    const results = targets.map((t) => this.verify(d, t));
    for (const [i, t] of targets.entries()) {
      if (results[i].ok || !t.cached) continue;
      const fresh = await this.d.resolver.byId(d.plan.id, t.info.id, { fresh: true });
      if (!fresh) continue;
      targets[i] = fresh;
      results[i] = this.verify(d, fresh);
    }
    return results;
  }

  private verify(d: Delivery, t: Resolved): VerifyResult {
    const input: VerifyInput = {
      rawBody: d.req.rawBody,
      method: d.method,
      url: d.url,
      headers: d.headers,
      body: d.body,
      connection: { config: t.info.config, credentials: t.connection.credentials ?? {}, settings: t.info.settings, ...d.connector },
      now: this.d.now(),
    };
    return verifyDelivery(d.spec.verify, input);
  }

  /** Verification with the connector-level secret alone; undefined when the manifest has none or the operator has not set it. */
  private verifyConnectorLevel(d: Delivery): VerifyResult | undefined {
    const secret = d.spec.connection?.secret;
    if (!secret) return undefined;
    const values = { config: {}, credentials: {}, settings: {}, ...d.connector };
    let rendered = '';
    try {
      rendered = secret.render(values);
    } catch {
      rendered = '';
    }
    if (rendered === '') return undefined;
    return verifyDelivery({ ...d.spec.verify, secret }, {
      rawBody: d.req.rawBody, method: d.method, url: d.url, headers: d.headers, body: d.body, connection: values, now: this.d.now(),
    });
  }

  /**
   * A challenge is answered and nothing is stored. One that must verify and names no account
   * (a URL verification challenge may carry none) is accepted with the connector-level
   * secret, else if it verifies with the secret of any connection it could be for.
   */
  private async handshake(d: Delivery, hs: PlanHandshake, own: Resolved | undefined, input: Record<string, unknown>): Promise<WebhookResponse> {
    if (hs.verify) {
      const operator = own ? undefined : this.verifyConnectorLevel(d);
      let results: VerifyResult[];
      if (own) results = await this.verifyAll(d, [own]);
      else if (operator) results = [operator];
      else {
        const { events } = await splitEvents(d.spec, d.body, d.headers, () => undefined);
        const { candidates } = await this.attribute(d, events);
        const pool = candidates.size ? [...candidates.values()] : await this.d.resolver.candidates(d.plan.id, d.spec.connection!.setting);
        if (pool.length === 0) return notFound(`no ${d.plan.id} connection matches this delivery`);
        results = await this.verifyAll(d, pool);
      }
      if (!results.some((r) => r.ok)) {
        const reason = (results[0] as { reason: RejectReason }).reason;
        await this.reject(d.plan.id, own, reason, d.req, d.headers, d.body);
        return reply(401, { error: 'unauthorized', reason });
      }
    }
    return declaredReply(hs, input, (fn) => this.safeEval(fn, d.plan.id), (name) => this.dropped(d, name));
  }

  private dropped(d: Delivery, header: string): void {
    this.d.logger.warn({ connector: d.plan.id, header }, 'webhook reply header dropped: its value is not a single-line string');
  }

  private onExprError(d: Delivery) {
    return (err: unknown) => this.d.logger.warn({ connector: d.plan.id, err: { message: (err as Error).message } }, 'webhook expression failed; event kept');
  }

  /** A verified delivery's events, identified, all for one connection. */
  private async events(d: Delivery): Promise<IdentifiedEvent[]> {
    const onError = this.onExprError(d);
    const { events } = await splitEvents(d.spec, d.body, d.headers, onError);
    const out: IdentifiedEvent[] = [];
    for (const e of events) out.push(await identify(d.spec, e, d.body, d.headers, onError));
    return out;
  }

  private async store(d: Delivery, groups: Group[], total: number, refused: number): Promise<WebhookResponse> {
    const extra = refused ? { refused } : {};
    if (groups.every((g) => g.events.length === 0)) return this.acknowledge(d, groups, { ok: true, received: 0, duplicates: 0, ...extra });
    const split = Boolean(d.spec.events);
    const headersText = toJson(storableHeaders(d.headers));
    // An unsplit JSON body is stored as sent: no re-serialisation, and large integers keep their digits.
    const sentJson = !/^application\/x-www-form-urlencoded\b/i.test(d.headers['content-type'] ?? '');
    const wholeText = split ? toJson(d.body) : sentJson ? d.req.rawBody.toString('utf8') : toJson(d.body);
    const deliveries: NewDelivery[] = groups.filter((g) => g.events.length).map(({ target: t, events }) => {
      const bodyId = split ? newId('whp') : undefined;
      // A connection sees the whole delivery only if every event in it is its own; otherwise
      // other accounts' events are in it, and it gets the list of its own events instead.
      const bodyText = !split || events.length === total ? wholeText : toJson(events.map((e) => e.event));
      const rows: NewEvent[] = events.map((e) => ({
        id: newId('whe'),
        tenant: t.info.tenant,
        connector: d.plan.id,
        connectionId: t.info.id,
        providerEventId: e.providerEventId,
        type: e.type,
        payloadText: split ? toJson(e.event) : bodyText,
        payloadId: bodyId,
        headersText,
      }));
      return { events: rows, ...(bodyId ? { body: { id: bodyId, tenant: t.info.tenant, text: bodyText } } : {}) };
    });
    const results = await Promise.all(deliveries.map((x) => this.d.committer.submit(x)));
    const stored = results.flatMap((r) => r.stored);
    if (stored.length) this.d.onStored(stored);
    return this.acknowledge(d, groups, { ok: true, received: stored.length, duplicates: results.reduce((n, r) => n + r.duplicates, 0), ...extra });
  }

  /** Runs only once the events are committed, so what it answers never precedes durability. */
  private async acknowledge(d: Delivery, groups: Group[], receipt: { received: number; duplicates: number } & Record<string, unknown>): Promise<WebhookResponse> {
    if (d.spec.acks.length === 0) return reply(200, receipt);
    const events = [...new Set(groups.flatMap((g) => g.events.map((e) => e.event)))];
    const input = { ...d.exprInput, event: events[0] ?? null, events, received: receipt.received, duplicates: receipt.duplicates };
    const safe = (fn: () => Promise<unknown>) => this.safeEval(fn, d.plan.id);
    const ack = await firstMatch(d.spec.acks, input, safe);
    return ack ? declaredReply(ack, input, safe, (name) => this.dropped(d, name)) : reply(200, receipt);
  }

  /**
   * Counts a refused delivery for the operator; on a per-connection URL it is also recorded
   * on that connection (metadata only, within budget). A store failure here only logs.
   */
  private async reject(
    connector: string,
    target: Resolved | undefined,
    reason: RejectReason,
    req: WebhookRequest,
    headers: Record<string, string>,
    body?: unknown,
    message?: string,
  ): Promise<void> {
    try {
      const n = await this.d.rejections.count(connector, target?.info.id, reason);
      if (target && n <= REJECTED_LOG_BUDGET) {
        const spec = this.d.plan(connector)?.webhooks;
        const sender = body !== undefined && spec ? scalarText(await this.safeEval(() => spec.id.evaluate({ event: body, body, headers }), connector)) : undefined;
        await this.d.repo.insertRejected(target.scope, {
          connector, connectionId: target.info.id, reason,
          ...(sender !== undefined && sender.length <= 500 ? { senderEventId: sender } : {}),
          bodyBytes: req.rawBody.length,
          headerNames: Object.keys(headers).sort().slice(0, 100),
          error: message ?? `verification failed: ${reason.replace(/_/g, ' ')}`,
        });
      }
    } catch (err) {
      this.d.logger.warn({ connector, connection: target?.info.id, err: { message: (err as Error).message } }, 'could not record a rejected webhook');
    }
    this.d.logger.warn({ connector, connection: target?.info.id, reason }, 'webhook rejected');
  }

  private async safeEval(fn: () => Promise<unknown>, connector: string): Promise<unknown> {
    try {
      return await fn();
    } catch (err) {
      this.d.logger.warn({ connector, err: { message: (err as Error).message } }, 'webhook expression failed');
      return undefined;
    }
  }
}

/**
 * Intake of one delivery, each step driven by the manifest: parse → find the connection →
 * handshake → verify → split and identify → dedupe and store durably → answer. The answer
 * is 2xx only once the transaction holding the events has committed; processing happens
 * later, in the worker. Hostile input is answered (400/401/404/413), never thrown.
 */
import type { Logger } from '../log.js';
import type { Plan, PlanWebhooks } from '../manifest/plan.js';
import { plain } from '../operations/plain.js';
import { newId } from '../store/ids.js';
import { toJson } from '../store/json.js';
import type { GroupCommitter } from './commit.js';
import type { NewDelivery, NewEvent, WebhookEventsRepo } from './events-store.js';
import { identify, scalarText, splitEvents, type IdentifiedEvent } from './identify.js';
import { fullUrl, normaliseHeaders, parseBody, queryOf, storableHeaders } from './request.js';
import type { ConnectionResolver, Resolved } from './resolve.js';
import { notFound, rawReply, reply, truthy } from './reply.js';
import type { RejectReason, VerifyResult, WebhookRequest, WebhookResponse } from './types.js';
import { verifyDelivery } from './verify/registry.js';
import type { VerifyInput } from './verify/types.js';

export interface PipelineDeps {
  plan(connector: string): Plan | undefined;
  resolver: ConnectionResolver;
  repo: WebhookEventsRepo;
  committer: GroupCommitter;
  logger: Logger;
  publicUrl?: string;
  maxBodyBytes: number;
  now(): number;
  /** Told the ids of newly stored events, after their commit. */
  onStored(ids: string[]): void;
}

/** What a rejected delivery keeps of its body: enough to debug a signature, bounded. */
const REJECTED_BODY_BYTES = 64 * 1024;

interface Delivery {
  req: WebhookRequest;
  plan: Plan;
  spec: PlanWebhooks;
  headers: Record<string, string>;
  method: string;
  url: string;
  body: unknown;
  /** What handshake/match expressions see. */
  exprInput: Record<string, unknown>;
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
    const parsed = parseBody(req.rawBody, headers['content-type']);
    if (!parsed.ok) {
      const conn = req.connectionId ? await this.d.resolver.byId(plan.id, req.connectionId) : undefined;
      if (conn) await this.reject(plan.id, [conn], () => 'invalid_json', req, headers, parsed.message);
      return reply(400, { error: 'invalid_json', message: parsed.message });
    }
    const method = req.method.toUpperCase();
    const d: Delivery = {
      req, plan, spec, headers, method,
      url: fullUrl(req.url, this.d.publicUrl),
      body: parsed.body,
      exprInput: { body: parsed.body, headers, query: queryOf(req), method },
    };

    let targets: Resolved[];
    let matchValue: string | undefined;
    if (req.connectionId) {
      const conn = await this.d.resolver.byId(plan.id, req.connectionId);
      if (!conn) return notFound(`no ${plan.id} connection "${req.connectionId}"`);
      targets = [conn];
    } else {
      if (!spec.connection) return notFound(`connector "${plan.id}" has no connector-level webhook URL; use the connection's own URL`);
      matchValue = scalarText(await this.safeEval(() => spec.connection!.match.evaluate(d.exprInput), plan.id));
      targets = matchValue === undefined ? [] : await this.d.resolver.byMatch(plan.id, spec.connection.setting, matchValue);
    }

    if (spec.handshake && truthy(await this.safeEval(() => spec.handshake!.when.evaluate(d.exprInput), plan.id))) {
      return this.handshake(d, targets, matchValue === undefined && !req.connectionId);
    }
    if (targets.length === 0) return notFound(`no ${plan.id} connection matches this delivery`);

    const { results } = await this.verifyAll(d, targets);
    const verified = targets.filter((_, i) => results[i].ok);
    if (verified.length === 0) {
      const reasonOf = (i: number) => (results[i] as { reason: RejectReason }).reason;
      await this.reject(plan.id, targets, reasonOf, req, headers);
      return reply(401, { error: 'unauthorized', reason: reasonOf(0) });
    }
    return this.store(d, verified);
  }

  /** Verifies against each target; one that failed on a reused copy is tried again with a fresh one. */
  private async verifyAll(d: Delivery, targets: Resolved[]): Promise<{ results: VerifyResult[] }> {
    const results = targets.map((t) => this.verify(d, t));
    for (const [i, t] of targets.entries()) {
      if (results[i].ok || !t.cached) continue;
      const fresh = await this.d.resolver.byId(d.plan.id, t.info.id, { fresh: true });
      if (!fresh) continue;
      targets[i] = fresh;
      results[i] = this.verify(d, fresh);
    }
    return { results };
  }

  private verify(d: Delivery, t: Resolved): VerifyResult {
    const input: VerifyInput = {
      rawBody: d.req.rawBody,
      method: d.method,
      url: d.url,
      headers: d.headers,
      body: d.body,
      connection: { config: t.info.config, credentials: t.connection.credentials ?? {}, settings: t.info.settings },
      now: this.d.now(),
    };
    return verifyDelivery(d.spec.verify, input);
  }

  /**
   * A challenge is answered and nothing is stored. One that names no account (a URL
   * verification challenge may carry no account id) is accepted if it verifies with the
   * secret of any of the connector's connections.
   */
  private async handshake(d: Delivery, targets: Resolved[], unnamed: boolean): Promise<WebhookResponse> {
    const hs = d.spec.handshake!;
    const pool = targets.length === 0 && unnamed && d.spec.connection
      ? await this.d.resolver.candidates(d.plan.id, d.spec.connection.setting)
      : targets;
    if (pool.length === 0) return notFound(`no ${d.plan.id} connection matches this delivery`);
    if (hs.verify) {
      const { results } = await this.verifyAll(d, pool);
      if (!results.some((r) => r.ok)) {
        const reason = (results[0] as { reason: RejectReason }).reason;
        await this.reject(d.plan.id, targets, () => reason, d.req, d.headers);
        return reply(401, { error: 'unauthorized', reason });
      }
    }
    const value = hs.body ? plain(await this.safeEval(() => hs.body!.evaluate(d.exprInput), d.plan.id)) : undefined;
    return rawReply(hs.status, hs.contentType, value);
  }

  private async store(d: Delivery, targets: Resolved[]): Promise<WebhookResponse> {
    const onError = (err: unknown) => this.d.logger.warn({ connector: d.plan.id, err: { message: (err as Error).message } }, 'webhook expression failed; event kept');
    const { events, split } = await splitEvents(d.spec, d.body, d.headers, onError);
    const identified: IdentifiedEvent[] = [];
    for (const e of events) identified.push(await identify(d.spec, e, d.body, d.headers, onError));
    if (identified.length === 0) return reply(200, { ok: true, received: 0, duplicates: 0 });

    const headersText = toJson(storableHeaders(d.headers));
    // An unsplit JSON body is stored as sent: no re-serialisation, and large integers keep their digits.
    const sentJson = !/^application\/x-www-form-urlencoded\b/i.test(d.headers['content-type'] ?? '');
    const bodyText = split ? toJson(d.body) : sentJson ? d.req.rawBody.toString('utf8') : toJson(d.body);
    const deliveries: NewDelivery[] = targets.map((t) => {
      const bodyId = split ? newId('whp') : undefined;
      const rows: NewEvent[] = identified.map((e) => ({
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
    return reply(200, { ok: true, received: stored.length, duplicates: results.reduce((n, r) => n + r.duplicates, 0) });
  }

  /** Records a refused delivery on each connection it was meant for; a store failure here only logs. */
  private async reject(
    connector: string,
    targets: Resolved[],
    reasonOf: (i: number) => RejectReason,
    req: WebhookRequest,
    headers: Record<string, string>,
    message?: string,
  ): Promise<void> {
    const payloadText = toJson(req.rawBody.subarray(0, REJECTED_BODY_BYTES).toString('utf8'));
    const headersText = toJson(storableHeaders(headers));
    for (const [i, t] of targets.entries()) {
      const reason = reasonOf(i);
      try {
        await this.d.repo.insertRejected(t.scope, {
          connector, connectionId: t.info.id, reason, payloadText, headersText,
          error: message ?? `verification failed: ${reason.replace(/_/g, ' ')}`,
        });
      } catch (err) {
        this.d.logger.warn({ connector, connection: t.info.id, err: { message: (err as Error).message } }, 'could not record a rejected webhook');
      }
    }
    this.d.logger.warn({ connector, connections: targets.map((t) => t.info.id), reason: reasonOf(0) }, 'webhook rejected');
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

/**
 * Discovering a family's streams: one request, its items selected, and each item keyed,
 * titled and given a primary key. An item that cannot name a stream (a key that is not a
 * safe name, or one already taken) is skipped and reported, never dropped silently: the
 * caller would otherwise wonder where a table went.
 */
import { ConnectorError } from '../../core/errors.js';
import type { CompiledExpr } from '../../lang/expr.js';
import { plain } from '../../lang/plain.js';
import { DYNAMIC_KEY, planFamily, type PlanDynamicFamily, type PlanStream } from '../../plan/plan.js';
import { renderRequest } from '../http/render.js';
import { asRecords } from '../../components/pagination/drive.js';
import { renderOptions, type ResolvedConnection } from './context.js';
import type { OperationRuntime } from './runtime.js';
import { unknownName } from './suggest.js';

export interface DiscoveredStream {
  /** `<family>.<key>` */
  name: string;
  family: string;
  key: string;
  title?: string;
  primaryKey: string[];
  /** The discovered item, as the template's `item`. */
  item: unknown;
}

export interface SkippedItem {
  family: string;
  /** The key the item evaluated to, as text; absent when it had none. */
  key?: string;
  reason: string;
}

export interface DiscoverResult {
  streams: DiscoveredStream[];
  skipped: SkippedItem[];
}

/** `expr` with `$<name>` bound to `value` on every evaluation. */
function withBinding(expr: CompiledExpr, name: string, value: unknown): CompiledExpr {
  return {
    source: expr.source,
    ...(expr.location ? { location: expr.location } : {}),
    fast: expr.fast,
    evaluate: (input, bindings) => expr.evaluate(input, { ...bindings, [name]: value }),
  };
}

/**
 * The stream a discovered one is read as: the family's template under the discovered name,
 * its `records` and `mapping` seeing the item as `$item` (so the read path stays the
 * template's: nothing there needs to know the stream was discovered).
 */
export function discoveredPlanStream(family: PlanDynamicFamily, d: Pick<DiscoveredStream, 'name' | 'title' | 'primaryKey' | 'item'>): PlanStream {
  const t = family.template;
  const title = d.title ?? t.title;
  return {
    ...t,
    name: d.name,
    ...(title !== undefined ? { title } : {}),
    primaryKey: d.primaryKey,
    ...(t.records ? { records: withBinding(t.records, 'item', d.item) } : {}),
    ...(t.mapPage ? { mapPage: withBinding(t.mapPage, 'item', d.item) } : {}),
  };
}

export function familiesOf(rc: ResolvedConnection, name?: string): PlanDynamicFamily[] {
  const all = rc.plan.dynamicStreams ?? {};
  if (name === undefined) return Object.values(all);
  const family = planFamily(rc.plan, name);
  if (family) return [family];
  throw new ConnectorError({ kind: 'not_found', origin: 'caller', connector: rc.plan.id, message: `Connector ${rc.plan.id}: ${unknownName('dynamic stream family', name, Object.keys(all))}` });
}

function primaryKeyOf(v: unknown, fallback: string[]): string[] {
  if (typeof v === 'string' && v !== '') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== '')) return v as string[];
  return fallback;
}

const keyText = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

async function discoverFamily(rt: OperationRuntime, rc: ResolvedConnection, family: PlanDynamicFamily, signal: AbortSignal | undefined, out: DiscoverResult): Promise<void> {
  const spec = family.discover;
  const request = await renderRequest(spec.request, spec.http, { ...rc.base }, renderOptions(rc));
  const res = await rt.send(rc, request, { http: spec.http, operation: `discover:${family.name}`, signal });
  const items = asRecords(plain(await spec.items.evaluate(res.body, { headers: res.headers, status: res.status })));
  const seen = new Set<string>();
  for (const item of items) {
    const raw = await spec.key.evaluate(item);
    const key = keyText(raw);
    const skip = (reason: string) => out.skipped.push({ family: family.name, ...(key !== undefined ? { key } : {}), reason });
    if (key === undefined) {
      skip(raw === undefined ? 'the item has no key' : 'the key is not a string');
      continue;
    }
    if (!DYNAMIC_KEY.test(key)) {
      skip(`the key does not match ${DYNAMIC_KEY.source}`);
      continue;
    }
    if (seen.has(key)) {
      skip('an earlier item has the same key');
      continue;
    }
    seen.add(key);
    const title = spec.title ? plain(await spec.title.evaluate(item)) : undefined;
    const primaryKey = primaryKeyOf(spec.primaryKey ? plain(await spec.primaryKey.evaluate(item)) : undefined, family.template.primaryKey);
    out.streams.push({
      name: `${family.name}.${key}`, family: family.name, key,
      ...(typeof title === 'string' && title !== '' ? { title } : {}),
      primaryKey, item,
    });
  }
}

/** Every family's streams (or the one named), in manifest then discovery order. */
export async function discover(rt: OperationRuntime, rc: ResolvedConnection, familyName: string | undefined, stats: { pages: number }, signal?: AbortSignal): Promise<DiscoverResult> {
  const out: DiscoverResult = { streams: [], skipped: [] };
  for (const family of familiesOf(rc, familyName)) {
    await discoverFamily(rt, rc, family, signal, out);
    stats.pages++;
  }
  return out;
}

/**
 * The discovered stream `name` (`<family>.<key>`) of the connection: from the item given (one
 * stored at the last discovery), else by discovering its family now. A key the provider no
 * longer lists is not_found, naming the keys it does.
 */
export async function discoveredTarget(
  rt: OperationRuntime,
  rc: ResolvedConnection,
  family: PlanDynamicFamily,
  key: string,
  item: unknown,
  signal?: AbortSignal,
): Promise<{ stream: PlanStream; item: unknown }> {
  const name = `${family.name}.${key}`;
  if (item !== undefined) {
    const spec = family.discover;
    const title = spec.title ? plain(await spec.title.evaluate(item)) : undefined;
    const primaryKey = primaryKeyOf(spec.primaryKey ? plain(await spec.primaryKey.evaluate(item)) : undefined, family.template.primaryKey);
    return { stream: discoveredPlanStream(family, { name, primaryKey, item, ...(typeof title === 'string' && title !== '' ? { title } : {}) }), item };
  }
  const found = await discover(rt, rc, family.name, { pages: 0 }, signal);
  const d = found.streams.find((s) => s.key === key);
  if (!d) {
    throw new ConnectorError({ kind: 'not_found', origin: 'caller', code: 'stream_not_found', connector: rc.plan.id, message: `Connector ${rc.plan.id}: ${unknownName(`stream of family ${family.name}`, key, found.streams.map((s) => s.key))}` });
  }
  return { stream: discoveredPlanStream(family, d), item: d.item };
}

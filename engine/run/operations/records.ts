/** Selecting raw records from a response and mapping a whole page of them. */
import { ConnectorError } from '../../core/errors.js';
import type { CompiledExpr } from '../../lang/expr.js';
import type { InboundResponse } from '../../core/wire.js';
import type { PlanStream } from '../../plan/plan.js';
import { asRecords } from '../../components/pagination/drive.js';

export async function selectRecords(expr: CompiledExpr | undefined, res: InboundResponse): Promise<unknown[]> {
  const selected = expr ? await expr.evaluate(res.body, { headers: res.headers, status: res.status }) : res.body;
  return asRecords(selected);
}

/**
 * What every mapping sees besides the record: `$config` and `$settings`, the connection's
 * values (a default currency, an instance URL), never its credentials.
 */
export function mappingValues(values: { config?: Record<string, unknown>; settings?: Record<string, unknown> }): Record<string, unknown> {
  return { config: values.config ?? {}, settings: values.settings ?? {} };
}

/** Whether a stream's mapping reads the connection's values, so a caller without them at hand knows to load them. */
export const readsConnectionValues = (stream: PlanStream): boolean => stream.mapPage !== undefined && /\$(config|settings)\b/.test(stream.mapPage.source);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One JSONata evaluation per page, not per record: the per-record mapping was compiled into
 * a `$map` over the page. `$parent` is bound for child streams, `$config` and `$settings`
 * by the callers that have a connection (mappingValues).
 */
export async function mapPage(stream: PlanStream, raw: unknown[], bindings: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
  if (raw.length === 0) return [];
  // The page mapper (manifest/mapping.ts) already answers plain JSON data: no copy here.
  const mapped = stream.mapPage ? asRecords(await stream.mapPage.evaluate(raw, bindings)) : raw;
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < mapped.length; i++) {
    const r = mapped[i];
    if (!isRecord(r)) {
      throw new ConnectorError({
        kind: 'mapping', origin: 'manifest',
        message: `Stream ${stream.name}: record ${i + 1} of the page is ${Array.isArray(r) ? 'an array' : r === null ? 'null' : `a ${typeof r}`}, not an object${stream.mapPage ? '' : '; add a mapping'}`,
        location: stream.loc,
      });
    }
    out.push(r);
  }
  return out;
}

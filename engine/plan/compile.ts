/**
 * A validated manifest → the frozen Plan. Validation has already proven every template and
 * expression compiles, so a throw here is unexpected; it still becomes a placed diagnostic
 * rather than an exception, because loading a connector directory must not crash a server.
 */
import { resolve } from 'node:path';
import { isConnectorError } from '../core/errors.js';
import { compileAuth } from './compile-auth.js';
import { CompileContext } from './compile-context.js';
import { compileHttp, layersFor } from './compile-http.js';
import { compileAction, compileCheck, compileStream } from './compile-operations.js';
import { compileSchema, mergeObjectSchemas } from './compile-schemas.js';
import { compileWebhooks } from './compile-webhooks.js';
import { compileDynamicStreams } from './compile-dynamic.js';
import { compileEnvironments, compileSteps } from './compile-setup.js';
import type { Diagnostic } from '../manifest/diagnostics.js';
import { isPlainObject } from '../core/objects.js';
import { deepFreeze } from './freeze.js';
import type { Plan, PlanAction, PlanStream } from './plan.js';
import type { Positions } from '../manifest/positions.js';

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function buildPlan(ctx: CompileContext, m: Obj, file: string): Plan {
  // Prototype-less: a name like `toString` or `__proto__` must not find Object's members.
  const actions: Record<string, PlanAction> = Object.create(null);
  if (isPlainObject(m.actions)) for (const [name, a] of Object.entries(m.actions)) if (isPlainObject(a)) actions[name] = compileAction(ctx, m, name, a);
  const streams: Record<string, PlanStream> = Object.create(null);
  if (isPlainObject(m.streams)) for (const [name, s] of Object.entries(m.streams)) if (isPlainObject(s)) streams[name] = compileStream(ctx, m, name, s);
  const configSchema = isPlainObject(m.config) ? m.config : undefined;
  const credentialsSchema = mergeObjectSchemas(m.credentials, undefined);
  const settingsSchema = isPlainObject(m.settings) ? m.settings : undefined;
  const secretsSchema = isPlainObject(m.secrets) ? m.secrets : undefined;
  const validateConfig = compileSchema(ctx, configSchema, ['config']);
  const check = compileCheck(ctx, m);
  const webhooks = compileWebhooks(ctx, m);
  const setup = compileSteps(ctx, m, 'setup');
  const teardown = compileSteps(ctx, m, 'teardown');
  const environments = compileEnvironments(ctx, m);
  const description = str(m.description);
  const docsUrl = str(m.docs_url);
  const icon = str(m.icon);
  return {
    id: String(m.id),
    name: String(m.name),
    ...(description !== undefined ? { description } : {}),
    categories: Array.isArray(m.categories) ? m.categories.map(String) : [],
    ...(docsUrl !== undefined ? { docsUrl } : {}),
    ...(icon !== undefined ? { icon } : {}),
    file: resolve(file),
    ...(configSchema ? { configSchema } : {}),
    ...(validateConfig ? { validateConfig } : {}),
    ...(credentialsSchema ? { credentialsSchema } : {}),
    ...(settingsSchema ? { settingsSchema } : {}),
    ...(secretsSchema ? { secretsSchema } : {}),
    auth: compileAuth(ctx, m),
    http: compileHttp(ctx, layersFor(m, undefined, [])),
    ...(check ? { check } : {}),
    actions,
    streams,
    dynamicStreams: compileDynamicStreams(ctx, m),
    ...(webhooks ? { webhooks } : {}),
    ...(setup ? { setup } : {}),
    ...(teardown ? { teardown } : {}),
    ...(environments ? { environments } : {}),
    manifest: m,
  };
}

export function compileManifest(manifest: Obj, file: string, positions: Positions): { plan?: Plan; diagnostics: Diagnostic[] } {
  const ctx = new CompileContext(file, positions);
  try {
    // The plan shares no mutable state with the caller's manifest object.
    return { plan: deepFreeze(buildPlan(ctx, structuredClone(manifest), file)), diagnostics: [] };
  } catch (err) {
    const loc = isConnectorError(err) ? err.location : undefined;
    return {
      diagnostics: [{
        file,
        line: loc?.line ?? 1,
        column: loc?.column ?? 1,
        severity: 'error',
        code: 'compile-error',
        message: String((err as Error)?.message ?? err).split('\n')[0],
        path: loc?.path ?? '',
      }],
    };
  }
}

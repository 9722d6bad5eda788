/**
 * Who is calling and for which tenant. A tenant key acts for its own tenant only; the admin
 * key names the tenant it acts for on every tenant-scoped request, so no route ever runs
 * without a tenant and no query ever widens past it.
 */
import type { Context } from 'koa';
import { HttpProblem } from '../problem.js';
import type { Principal, RouteAccess } from '../route.js';
import type { ApiKeys } from './keys.js';
import { TENANT_PATTERN } from './keys.js';

export const TENANT_HEADER = 'x-patchbay-tenant';
export const TENANT_QUERY = 'tenant';
const TENANT_RE = new RegExp(TENANT_PATTERN);

export interface Caller {
  principal?: Principal;
  /** Set on tenant routes. */
  tenant?: string;
}

function presentedKey(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new HttpProblem(401, 'unauthorized', 'Authorization must be "Bearer <API key>"', undefined, { 'www-authenticate': 'Bearer' });
  return m[1];
}

function namedTenant(ctx: Context): string | undefined {
  const fromHeader = ctx.get(TENANT_HEADER) || undefined;
  const q = ctx.query[TENANT_QUERY];
  const fromQuery = Array.isArray(q) ? q[0] : q;
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
    throw new HttpProblem(400, 'tenant_ambiguous', `the ${TENANT_HEADER} header and the ?tenant= parameter name different tenants`);
  }
  return fromHeader ?? fromQuery;
}

export async function identifyCaller(ctx: Context, access: RouteAccess, keys: ApiKeys): Promise<Caller> {
  if (access === 'public') return {};
  const key = presentedKey(ctx);
  if (key === undefined) throw new HttpProblem(401, 'unauthorized', 'an API key is required: Authorization: Bearer <key>', undefined, { 'www-authenticate': 'Bearer' });
  const principal = await keys.authenticate(key);
  if (!principal) throw new HttpProblem(401, 'invalid_key', 'the API key is not valid or has been revoked', undefined, { 'www-authenticate': 'Bearer error="invalid_token"' });

  if (access === 'key') return { principal };
  if (access === 'admin') {
    if (!principal.admin) throw new HttpProblem(403, 'admin_required', 'this route needs the admin key');
    return { principal };
  }
  const named = namedTenant(ctx);
  if (!principal.admin) {
    if (named !== undefined && named !== principal.tenant) {
      throw new HttpProblem(403, 'tenant_mismatch', 'a tenant key acts only for its own tenant');
    }
    return { principal, tenant: principal.tenant };
  }
  if (named === undefined) {
    throw new HttpProblem(400, 'tenant_required', `the admin key must name a tenant: ?${TENANT_QUERY}=<tenant> or the ${TENANT_HEADER} header`);
  }
  if (!TENANT_RE.test(named)) throw new HttpProblem(400, 'invalid_tenant', 'the tenant name is not valid', [{ path: 'tenant', message: `must match ${TENANT_PATTERN}` }]);
  return { principal, tenant: named };
}

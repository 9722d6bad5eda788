/**
 * OAuth client registrations ("apps") per connector: client id, sealed client secret, the
 * return URLs the consent flow may redirect to, and optional scopes replacing the manifest's.
 *
 * Sources and precedence:
 * - `PATCHBAY_OAUTH_<CONNECTOR>_CLIENT_ID`, `_CLIENT_SECRET`, `_RETURN_URLS` (comma separated)
 *   `_SCOPES` (space or comma separated) and `_HOSTS` (host patterns beyond the manifest's
 *   the operator's app may be sent to, see engine/components/auth/oauth2-hosts.ts), the connector id upper-cased with every other
 *   character turned into `_`. The environment WINS over the database, field by field: it is
 *   the deployment's configuration (often fed from a secret manager), so rotating a secret
 *   there takes effect on restart and a forgotten database row cannot shadow it.
 * - `patchbay oauth-apps set <connector>` stores the operator-wide app (tenant `*`).
 * - `patchbay oauth-apps set <connector> --tenant T` stores a tenant's own app, which replaces
 *   the operator-wide one (env included) for that tenant only; its return URLs fall back to
 *   the operator-wide ones when it has none.
 */
import type { OAuthAppsRepo, StoredOAuthApp } from '../store/oauth-apps.js';
import { ConnectorError } from '../../core/errors.js';
import { validateReturnUrlPattern } from './return-urls.js';

/** The tenant value of operator-wide apps. */
export const OPERATOR_APP = '*';

export type AppSource = 'env' | 'db';

export interface OAuthAppInput {
  clientId?: string;
  /** `null` removes the stored secret (public clients). */
  clientSecret?: string | null;
  returnUrls?: string[];
  scopes?: string[] | null;
}

/** An app as shown to operators: never the secret, only whether one is set and where from. */
export interface OAuthAppInfo {
  connector: string;
  /** `*` for the operator-wide app. */
  tenant: string;
  clientId?: string;
  hasClientSecret: boolean;
  returnUrls: string[];
  scopes?: string[];
  sources: { clientId?: AppSource; clientSecret?: AppSource; returnUrls?: AppSource; scopes?: AppSource };
  updatedAt?: string;
}

/** An app ready for the flow, secret opened. */
export interface ResolvedOAuthApp {
  connector: string;
  /** Whose app: `*` for the operator's, else the tenant's own. */
  owner: string;
  /** Hosts the operator allows beyond the manifest's (operator's app only; `PATCHBAY_OAUTH_<C>_HOSTS`). */
  hosts: string[];
  clientId: string;
  clientSecret?: string;
  returnUrls: string[];
  scopes?: string[];
}

interface Layer {
  clientId?: string;
  clientSecret?: string;
  returnUrls?: string[];
  scopes?: string[];
}

export function envPrefix(connector: string): string {
  return `PATCHBAY_OAUTH_${connector.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

const list = (text: string | undefined, sep: RegExp) => (text ?? '').split(sep).map((s) => s.trim()).filter(Boolean);

function envLayer(connector: string, env: NodeJS.ProcessEnv): Layer {
  const p = envPrefix(connector);
  const str = (k: string) => (env[`${p}_${k}`]?.trim() ? env[`${p}_${k}`]!.trim() : undefined);
  const returnUrls = list(env[`${p}_RETURN_URLS`], /,/);
  const scopes = list(env[`${p}_SCOPES`], /[\s,]+/);
  return {
    clientId: str('CLIENT_ID'),
    clientSecret: str('CLIENT_SECRET'),
    returnUrls: returnUrls.length ? returnUrls : undefined,
    scopes: scopes.length ? scopes : undefined,
  };
}

/** Field by field, the first layer that has a value wins. */
function merge(layers: Array<[AppSource, Layer | undefined]>): { app: Layer; sources: OAuthAppInfo['sources'] } {
  const app: Layer = {};
  const sources: OAuthAppInfo['sources'] = {};
  for (const field of ['clientId', 'clientSecret', 'returnUrls', 'scopes'] as const) {
    for (const [source, layer] of layers) {
      if (layer?.[field] === undefined) continue;
      (app as Record<string, unknown>)[field] = layer[field];
      sources[field] = source;
      break;
    }
  }
  return { app, sources };
}

export class OAuthApps {
  constructor(
    private readonly repo: OAuthAppsRepo,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private layerOf(r: StoredOAuthApp | undefined): Layer | undefined {
    if (!r) return undefined;
    return {
      clientId: r.clientId || undefined,
      clientSecret: r.clientSecret,
      returnUrls: r.returnUrls.length ? r.returnUrls : undefined,
      scopes: r.scopes ?? undefined,
    };
  }

  /** Creates or changes the stored app; fields not given keep their stored values. */
  async set(connector: string, input: OAuthAppInput, opts: { tenant?: string } = {}): Promise<OAuthAppInfo> {
    for (const u of input.returnUrls ?? []) validateReturnUrlPattern(u);
    if (input.clientId !== undefined && input.clientId.trim() === '') {
      throw new ConnectorError({ kind: 'validation', origin: 'caller', message: 'the client id must not be empty', details: [{ path: 'client_id', message: 'must not be empty' }] });
    }
    // A tenant's app may leave the client id to the operator-wide one only if that exists; checked on use.
    await this.repo.save(opts.tenant ?? OPERATOR_APP, connector, { ...input, clientId: input.clientId?.trim() });
    return (await this.describe(connector, { tenant: opts.tenant, storedOnly: true }))!;
  }

  remove(connector: string, opts: { tenant?: string } = {}): Promise<boolean> {
    return this.repo.remove(opts.tenant ?? OPERATOR_APP, connector);
  }

  /**
   * What applies to `tenant` (or the operator-wide app), without the secret. `storedOnly`
   * shows just the database row of that level.
   */
  async describe(connector: string, opts: { tenant?: string; storedOnly?: boolean } = {}): Promise<OAuthAppInfo | undefined> {
    const tenant = opts.tenant ?? OPERATOR_APP;
    if (opts.storedOnly) {
      const r = await this.repo.find(tenant, connector);
      if (!r) return undefined;
      const { app, sources } = merge([['db', this.layerOf(r)]]);
      return this.info(connector, tenant, app, sources, r);
    }
    const found = await this.layers(tenant, connector);
    if (!found) return undefined;
    return this.info(connector, found.tenant, found.app, found.sources, found.row);
  }

  /** Every stored app, plus operator-wide apps that exist only in the environment for `connectors`. */
  async list(connectors: readonly string[] = []): Promise<OAuthAppInfo[]> {
    const rows = await this.repo.listAll();
    const out: OAuthAppInfo[] = [];
    const seen = new Set<string>();
    for (const r of rows) {
      if (r.tenant === OPERATOR_APP) {
        seen.add(r.connector);
        out.push((await this.describe(r.connector))!);
      } else {
        out.push((await this.describe(r.connector, { tenant: r.tenant, storedOnly: true }))!);
      }
    }
    for (const c of connectors) {
      if (seen.has(c)) continue;
      const info = await this.describe(c);
      if (info) out.push(info);
    }
    return out;
  }

  /** The app the consent flow uses for `tenant`, or undefined when none has a client id. */
  async resolve(tenant: string, connector: string): Promise<ResolvedOAuthApp | undefined> {
    const found = await this.layers(tenant, connector);
    if (!found?.app.clientId) return undefined;
    const { app } = found;
    const hosts = found.tenant === OPERATOR_APP ? list(this.env[`${envPrefix(connector)}_HOSTS`], /[\s,]+/) : [];
    return { connector, owner: found.tenant, hosts, clientId: app.clientId!, clientSecret: app.clientSecret, returnUrls: app.returnUrls ?? [], scopes: app.scopes };
  }

  private async layers(tenant: string, connector: string) {
    const env = envLayer(connector, this.env);
    const operatorRow = await this.repo.find(OPERATOR_APP, connector);
    const operator = merge([['env', env], ['db', this.layerOf(operatorRow)]]);
    if (tenant !== OPERATOR_APP) {
      const own = await this.repo.find(tenant, connector);
      if (own) {
        const layer = this.layerOf(own)!;
        // A tenant's own app brings its own client; only return URLs fall back to the operator's.
        const { app, sources } = merge([['db', layer]]);
        if (app.returnUrls === undefined && operator.app.returnUrls) {
          app.returnUrls = operator.app.returnUrls;
          sources.returnUrls = operator.sources.returnUrls;
        }
        return { tenant, app, sources, row: own };
      }
    }
    if (Object.keys(operator.sources).length === 0) return undefined;
    return { tenant: OPERATOR_APP, app: operator.app, sources: operator.sources, row: operatorRow };
  }

  private info(connector: string, tenant: string, app: Layer, sources: OAuthAppInfo['sources'], r?: StoredOAuthApp): OAuthAppInfo {
    return {
      connector,
      tenant,
      clientId: app.clientId,
      hasClientSecret: app.clientSecret !== undefined,
      returnUrls: app.returnUrls ?? [],
      scopes: app.scopes,
      sources,
      updatedAt: r?.updatedAt,
    };
  }
}

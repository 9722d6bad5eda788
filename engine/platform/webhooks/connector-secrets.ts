/**
 * Connector-level secrets: values the operator sets once per connector (a Connect
 * endpoint's signing secret, an app's signing secret), declared by the manifest's
 * `secrets:` schema, sealed at rest like OAuth apps and never returned. Webhook
 * verification reads them as `secrets.*`, with the operator's OAuth app as `app.*`, so a
 * connector-level delivery is verified before any connection is chosen.
 */
import { ConnectorError } from '../../core/errors.js';
import { isPlainObject } from '../../core/objects.js';
import type { Plan } from '../../plan/plan.js';
import { OPERATOR_APP, type OAuthApps } from '../oauth/apps.js';
import { iso } from '../store/json.js';
import type { ConnectorSecretsRepo } from '../store/connector-secrets.js';

export interface ConnectorSecretsInfo {
  connector: string;
  /** Names that have a value; never the values. */
  set: string[];
  declared: string[];
  updatedAt?: string;
}

/** What verification templates of the connector-level URL see. */
export interface ConnectorContext {
  secrets: Record<string, string>;
  app: { client_id?: string; client_secret?: string };
}

/** How long values are reused; on PostgreSQL a change in any process drops them at once, and the window is a safety net. */
const REUSE_MS = 2000;
const NOTIFIED_REUSE_MS = 30_000;

export class ConnectorSecrets {
  private readonly recent = new Map<string, { at: number; value: Promise<ConnectorContext> }>();

  private readonly reuseMs: number;

  constructor(private readonly repo: ConnectorSecretsRepo, private readonly apps: OAuthApps) {
    this.reuseMs = repo.notified ? NOTIFIED_REUSE_MS : REUSE_MS;
    repo.watch((connector) => {
      if (connector === undefined) this.recent.clear();
      else this.recent.delete(connector);
    });
  }

  private declared(plan: Plan): string[] {
    const s = plan.secretsSchema as { properties?: unknown } | undefined;
    return isPlainObject(s?.properties) ? Object.keys(s!.properties as object) : [];
  }

  private stored(connector: string) {
    return this.repo.get(connector);
  }

  /** Sets (or, with `null`, removes) the named values; others keep theirs. */
  async set(plan: Plan, values: Record<string, unknown>): Promise<ConnectorSecretsInfo> {
    const declared = this.declared(plan);
    const details: Array<{ path: string; message: string }> = [];
    for (const [k, v] of Object.entries(values)) {
      if (!declared.includes(k)) details.push({ path: k, message: declared.length ? `is not a secret of ${plan.id} (declared: ${declared.join(', ')})` : `${plan.id} declares no connector secrets` });
      else if (v !== null && (typeof v !== 'string' || v === '')) details.push({ path: k, message: 'must be a non-empty string, or null to remove it' });
    }
    if (details.length) throw new ConnectorError({ kind: 'validation', origin: 'caller', connector: plan.id, message: `invalid connector secrets: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details });
    const current = (await this.stored(plan.id)).values;
    for (const [k, v] of Object.entries(values)) {
      if (v === null) delete current[k];
      else current[k] = v as string;
    }
    await this.repo.put(plan.id, current);
    this.recent.delete(plan.id);
    return this.describe(plan);
  }

  async describe(plan: Plan): Promise<ConnectorSecretsInfo> {
    const { values, updatedAt } = await this.stored(plan.id);
    return { connector: plan.id, set: Object.keys(values).sort(), declared: this.declared(plan), ...(updatedAt ? { updatedAt: iso(updatedAt) } : {}) };
  }

  /** The values for verification, reused for a moment (one read per burst, not per delivery). */
  context(connector: string): Promise<ConnectorContext> {
    const hit = this.recent.get(connector);
    if (hit && Date.now() - hit.at < this.reuseMs) return hit.value;
    const value = (async () => {
      const app = await this.apps.resolve(OPERATOR_APP, connector);
      return {
        secrets: (await this.stored(connector)).values,
        app: app ? { client_id: app.clientId, ...(app.clientSecret ? { client_secret: app.clientSecret } : {}) } : {},
      };
    })();
    this.recent.set(connector, { at: Date.now(), value });
    value.catch(() => this.recent.delete(connector));
    return value;
  }
}

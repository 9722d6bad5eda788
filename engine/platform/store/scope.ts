/**
 * Tenant scoping that cannot be forgotten. Repositories never see a bare knex: they get a
 * `TenantScope`, whose builders already carry `tenant = ?` and refuse the `or…` methods
 * that could widen a query past it (nest disjunctions inside `.where(qb => …)` instead).
 * Cross-tenant work (id lookup, scheduling, key rotation) goes through `Unscoped`, which
 * must name its reason so such places are easy to find and review.
 */
import type { Knex } from 'knex';
import { ConnectorError } from '../../core/errors.js';
import type { Dialect } from './config.js';
import { upsertSql, type UpsertShape } from './upsert.js';

export type Db = Knex | Knex.Transaction;
type Row = Record<string, unknown>;

const WIDENING = /^or[A-Z]|^clear(Where|Select)$/;

/** Every builder shares one prototype chain; walking it per query would cost each `from()` a scan. */
const wideningNames = new WeakMap<object, readonly string[]>();

function wideningMethodsOf(proto: object): readonly string[] {
  let names = wideningNames.get(proto);
  if (!names) {
    const found = new Set<string>();
    for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const n of Object.getOwnPropertyNames(p)) if (WIDENING.test(n)) found.add(n);
    }
    wideningNames.set(proto, (names = [...found]));
  }
  return names;
}

function guard<T extends Knex.QueryBuilder>(qb: T, table: string): T {
  for (const n of wideningMethodsOf(Object.getPrototypeOf(qb) as object)) {
    Object.defineProperty(qb, n, {
      value: () => {
        throw new ConnectorError({
          kind: 'internal', origin: 'internal',
          message: `${n}() on a tenant-scoped query of ${table} would escape the tenant filter; nest it inside .where(qb => …)`,
        });
      },
    });
  }
  return qb;
}

export class TenantScope {
  constructor(
    private readonly db: Db,
    readonly tenant: string,
    readonly dialect: Dialect,
  ) {
    if (typeof tenant !== 'string' || tenant === '') {
      throw new ConnectorError({ kind: 'validation', origin: 'caller', message: 'a tenant is required' });
    }
  }

  /** A builder over `table` already filtered to this tenant. */
  from(table: string): Knex.QueryBuilder {
    return guard(this.db(table).where(`${table}.tenant`, this.tenant), table);
  }

  /** Insert rows stamped with this tenant (any `tenant` field given is overwritten). */
  insert(table: string, rows: Row | Row[]): Knex.QueryBuilder {
    const list = (Array.isArray(rows) ? rows : [rows]).map((r) => ({ ...r, tenant: this.tenant }));
    return this.db(table).insert(list);
  }

  /**
   * Inserts rows (stamped with this tenant) or, on conflict, overwrites the listed columns
   * when `shape.when` holds and the stored row has the same tenant. Resolves with the
   * number of rows inserted or overwritten. `rows` are value arrays in `shape.columns` order.
   */
  async upsert(shape: UpsertShape, rows: Knex.Value[][]): Promise<number> {
    if (rows.length === 0) return 0;
    const bindings: Knex.Value[] = [];
    for (const r of rows) bindings.push(this.tenant, ...r);
    const res = await this.db.raw(upsertSql(shape, rows.length), bindings);
    return Array.isArray(res) ? res.length : (res as { rows: unknown[] }).rows.length;
  }

  get inTransaction(): boolean {
    return (this.db as Knex.Transaction).isTransaction === true;
  }

  /** Runs `fn` in a transaction (or inside the current one) with the same tenant. */
  async transaction<T>(fn: (scope: TenantScope) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return (this.db as Knex).transaction((trx) => fn(new TenantScope(trx, this.tenant, this.dialect)));
  }
}

export class Unscoped {
  constructor(
    readonly db: Db,
    readonly dialect: Dialect,
    /** Why this code needs every tenant's rows; kept for review and debugging. */
    readonly reason: string,
  ) {}

  from(table: string): Knex.QueryBuilder {
    return this.db(table);
  }

  async transaction<T>(fn: (u: Unscoped) => Promise<T>): Promise<T> {
    if ((this.db as Knex.Transaction).isTransaction) return fn(this);
    return (this.db as Knex).transaction((trx) => fn(new Unscoped(trx, this.dialect, this.reason)));
  }
}

/**
 * A multi-row conditional upsert as plain SQL. knex rebuilds the text of a 1,000-row insert
 * on every call (and on SQLite as a compound SELECT capped at 500 rows); syncs write many
 * such pages, so the text is built once per shape and only the values change. The same
 * statement runs on SQLite (3.35+: upsert with RETURNING; a VALUES list is not subject to
 * the compound-SELECT cap) and PostgreSQL (knex numbers the `?` placeholders).
 */
export interface UpsertShape {
  table: string;
  /** Insert columns, `tenant` excluded (the scope adds it first). */
  columns: readonly string[];
  conflict: readonly string[];
  /** Columns overwritten on conflict. */
  update: readonly string[];
  /** Extra condition for overwriting, in SQL over `<table>.col` and `excluded.col`; trusted text. */
  when?: string;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
const q = (id: string) => {
  if (!IDENT.test(id)) throw new Error(`not a plain identifier: ${id}`);
  return `"${id}"`;
};

const cache = new Map<string, string>();

/**
 * The statement for `rows` rows. The conflict update is also fenced by tenant, so a row can
 * only ever overwrite a row of its own tenant. RETURNING yields the rows written.
 */
export function upsertSql(shape: UpsertShape, rows: number): string {
  const key = `${shape.table}|${shape.columns.join(',')}|${shape.update.join(',')}|${shape.when ?? ''}|${rows}`;
  let sql = cache.get(key);
  if (sql) return sql;
  const cols = ['tenant', ...shape.columns];
  const tuple = `(${cols.map(() => '?').join(',')})`;
  const tuples = new Array<string>(rows).fill(tuple);
  const t = q(shape.table);
  const where = [`${t}."tenant" = excluded."tenant"`, ...(shape.when ? [`(${shape.when})`] : [])].join(' and ');
  sql =
    `insert into ${t} (${cols.map(q).join(',')}) values ${tuples.join(',')} ` +
    `on conflict (${shape.conflict.map(q).join(',')}) do update set ${shape.update.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')} ` +
    `where ${where} returning "id"`;
  if (cache.size > 200) cache.clear();
  cache.set(key, sql);
  return sql;
}

/**
 * Filters on stored records' fields (`filter[email]=…`, `filter[total][gte]=100`), turned
 * into SQL over the JSON each record is stored as. A filter value arrives as text, so its
 * meaning is read off its form and the stored value's JSON type, the same way on SQLite and
 * PostgreSQL: `eq` matches a string equal to it, a number numerically equal to it, `true`,
 * `false` or `null`; a range compares numerically when the value is a number (numbers and
 * decimal strings such as money `"12.50"` alike) and as text otherwise (ISO 8601 times and
 * dates sort as text). Field paths and values are bound, never spliced into the SQL.
 */
import type { Knex } from 'knex';
import { ConnectorError } from '../../core/errors.js';
import type { Dialect } from './config.js';

export const FILTER_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export interface RecordFilter {
  /** Dotted path into the record, e.g. `email` or `address.city`. */
  field: string;
  op: FilterOp;
  value: string;
}

/** At most this many filters in one query: each is a condition per scanned row. */
export const MAX_FILTERS = 10;

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,7}$/;
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const RANGE_SQL: Record<Exclude<FilterOp, 'eq' | 'ne'>, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** The query-string form of filters: `filter[<field>]` (eq) or `filter[<field>][<op>]`. */
export const FILTER_PARAM = /^filter\[([^\][]+)\](?:\[([a-z]+)\])?$/;

function invalid(param: string, message: string): ConnectorError {
  return new ConnectorError({ kind: 'validation', origin: 'caller', code: 'invalid_filter', message: `${param}: ${message}`, details: [{ path: param, message }] });
}

/** One filter from a query-string key and value; `undefined` when the key is not a filter. */
export function parseFilterParam(key: string, value: string): RecordFilter | undefined {
  const m = FILTER_PARAM.exec(key);
  if (!m) return undefined;
  return checkFilter({ field: m[1], op: (m[2] ?? 'eq') as FilterOp, value }, key);
}

/** A filter as the embedded API and the CLI give it, checked like the HTTP form. */
export function checkFilter(f: RecordFilter, where = `filter[${f.field}]`): RecordFilter {
  if (!FIELD.test(f.field)) throw invalid(where, `"${f.field}" is not a field path (letters, digits and _, dotted for nested fields, e.g. address.city)`);
  if (!(FILTER_OPS as readonly string[]).includes(f.op)) throw invalid(where, `unknown operator "${f.op}"; use one of ${FILTER_OPS.join(', ')}`);
  if (typeof f.value !== 'string') throw invalid(where, 'the value must be a string');
  if (f.value.length > 1000) throw invalid(where, 'the value is longer than 1000 characters');
  return f;
}

export function checkFilters(filters: readonly RecordFilter[], where = 'filter'): RecordFilter[] {
  if (filters.length > MAX_FILTERS) throw invalid(where, `at most ${MAX_FILTERS} filters in one query, got ${filters.length}`);
  return filters.map((f) => checkFilter(f));
}

interface Sql {
  sql: string;
  bindings: Array<string | number>;
}

/** SQLite: the JSON path `$.a.b`; the field pattern leaves nothing to quote. */
function sqlite(f: RecordFilter): Sql {
  const p = `$.${f.field}`;
  const v = f.value;
  if (f.op === 'eq' || f.op === 'ne') {
    const alts: Sql[] = [{ sql: "(json_type(data, ?) = 'text' and json_extract(data, ?) = ?)", bindings: [p, p, v] }];
    if (NUMBER.test(v)) alts.push({ sql: "(json_type(data, ?) in ('integer', 'real') and json_extract(data, ?) = ?)", bindings: [p, p, Number(v)] });
    if (v === 'true' || v === 'false' || v === 'null') alts.push({ sql: 'json_type(data, ?) = ?', bindings: [p, v] });
    const eq = { sql: alts.map((a) => a.sql).join(' or '), bindings: alts.flatMap((a) => a.bindings) };
    return f.op === 'eq' ? { sql: `(${eq.sql})`, bindings: eq.bindings } : { sql: `not coalesce((${eq.sql}), 0)`, bindings: eq.bindings };
  }
  const cmp = RANGE_SQL[f.op];
  if (NUMBER.test(v)) {
    // A decimal string counts when it is all digits with at most one point: GLOB has no
    // quantifiers, so "not two points and nothing but digits, a point or a leading minus".
    // Patterns are bound too: a `?` inside a literal would read as a placeholder.
    const numericText = "json_type(data, ?) = 'text' and json_extract(data, ?) glob '*[0-9]*' and not json_extract(data, ?) glob '*[^0-9.-]*' and not json_extract(data, ?) glob '*.*.*' and not json_extract(data, ?) glob ?";
    return {
      sql: `((json_type(data, ?) in ('integer', 'real') and json_extract(data, ?) ${cmp} ?) or (${numericText} and cast(json_extract(data, ?) as real) ${cmp} ?))`,
      bindings: [p, p, Number(v), p, p, p, p, p, '?*-*', p, Number(v)],
    };
  }
  return { sql: `(json_type(data, ?) = 'text' and json_extract(data, ?) ${cmp} ?)`, bindings: [p, p, v] };
}

/** PostgreSQL: the path as a text array for `#>`; `data` is text, read as jsonb. */
function postgres(f: RecordFilter): Sql {
  const path = `{${f.field.split('.').join(',')}}`;
  const e = '(data::jsonb #> ?::text[])';
  const v = f.value;
  if (f.op === 'eq' || f.op === 'ne') {
    const alts: Sql[] = [{ sql: `${e} = to_jsonb(?::text)`, bindings: [path, v] }];
    if (NUMBER.test(v)) alts.push({ sql: `${e} = ?::jsonb`, bindings: [path, v] });
    if (v === 'true' || v === 'false' || v === 'null') alts.push({ sql: `${e} = ?::jsonb`, bindings: [path, v] });
    const eq = { sql: alts.map((a) => a.sql).join(' or '), bindings: alts.flatMap((a) => a.bindings) };
    return f.op === 'eq' ? { sql: `(${eq.sql})`, bindings: eq.bindings } : { sql: `not coalesce((${eq.sql}), false)`, bindings: eq.bindings };
  }
  const cmp = RANGE_SQL[f.op];
  if (NUMBER.test(v)) {
    const num = `(case when jsonb_typeof(${e}) = 'number' then (${e} #>> '{}')::numeric when jsonb_typeof(${e}) = 'string' and (${e} #>> '{}') ~ ? then (${e} #>> '{}')::numeric end)`;
    return { sql: `${num} ${cmp} ?::numeric`, bindings: [path, path, path, path, NUMBER.source, path, v] };
  }
  // Byte order, not the database's collation: ISO times must sort by their characters.
  return { sql: `(jsonb_typeof(${e}) = 'string' and (${e} #>> '{}') collate "C" ${cmp} ?)`, bindings: [path, path, v] };
}

/** Adds the filters to a query over `records`. */
export function applyFilters(q: Knex.QueryBuilder, dialect: Dialect, filters: readonly RecordFilter[]): Knex.QueryBuilder {
  for (const f of filters) {
    const { sql, bindings } = dialect === 'postgres' ? postgres(f) : sqlite(f);
    q.whereRaw(sql, bindings);
  }
  return q;
}

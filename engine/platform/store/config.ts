/**
 * Turns a database URL into a knex configuration. One URL format for the CLI, the
 * environment and embedders: `sqlite:<path>` (or `sqlite::memory:`) and `postgres://…`.
 */
import path from 'node:path';
import type { Knex } from 'knex';
import { ConnectorError } from '../../core/errors.js';
import { redactUrl, SENSITIVE_PARAM } from '../../core/redact.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseTarget {
  dialect: Dialect;
  /** Absolute SQLite file path, or `:memory:`. */
  file?: string;
  /** PostgreSQL schema to use (created when missing); default `public`. */
  schema?: string;
  /** The URL with any password masked, for logs and errors. */
  display: string;
  knex: Knex.Config;
}

export const DEFAULT_DATABASE_URL = 'sqlite:./patchbay.db';

// int8 (counts, epoch-ms timestamps, sequences) as numbers: every value we store fits in 2^53.
// Set per client rather than on pg's global parsers, which an embedding host may rely on.
const INT8_OID = 20;
interface PgClient {
  setTypeParser(oid: number, format: 'text', parse: (v: string) => unknown): void;
}

/** Query parameters of a database URL that hold secrets: libpq's password, sslpassword, sslkey; drivers' pass, pwd, token. */
const DB_SECRET_PARAM = new RegExp(`${SENSITIVE_PARAM.source}|pass|pwd`, 'i');

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The URL safe to print: password and secret-looking query values masked, fragment dropped.
 * A regex over the raw text stops at the first `@` (`u:p@ss@h` showed `ss`), so the URL
 * parser decides what the userinfo is, as the driver does. A URL that does not parse, or
 * whose path still holds an `@` (`u:12/ss@h` parses as host `u`, path `/ss@h`), has no
 * reliable boundary between secret and host and is not shown at all.
 */
export function maskUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '';
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || decoded(parsed.pathname).includes('@')) return `${scheme}//[URL not shown: it does not parse unambiguously]`;
  const secrets: string[] = [];
  for (const [name, value] of parsed.searchParams) if (DB_SECRET_PARAM.test(name) && value) secrets.push(value, encodeURIComponent(value));
  if (parsed.password) {
    secrets.push(parsed.password, decoded(parsed.password));
    parsed.password = '***';
  }
  parsed.hash = '';
  // The fields are masked by position; their values are also replaced wherever else they
  // occur (a password repeated in the path). Values under 4 characters are left to the
  // positional masking: replacing `p` everywhere would mangle the whole line.
  return redactUrl(parsed.toString(), secrets.filter((v) => v.length >= 4), DB_SECRET_PARAM);
}

function sqliteTarget(url: string): DatabaseTarget {
  let rest = url.slice('sqlite:'.length);
  if (rest.startsWith('//')) rest = rest.slice(2);
  if (rest === '') throw new ConnectorError({ kind: 'config', origin: 'caller', message: `database URL ${url} names no file` });
  const file = rest === ':memory:' ? rest : path.resolve(rest);
  return {
    dialect: 'sqlite',
    file,
    display: url,
    knex: {
      client: 'sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
      // One connection: SQLite has one writer anyway, and a single connection keeps
      // transactions from tripping over each other inside a process.
      pool: {
        min: 1,
        max: 1,
        afterCreate: (conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, c: unknown) => void) => {
          conn.exec(
            'PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;',
            (err) => done(err, conn),
          );
        },
      },
    },
  };
}

function postgresTarget(url: string, schemaOpt?: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Node's URL error carries the input; ours names only the masked form.
    throw new ConnectorError({ kind: 'config', origin: 'caller', message: `database URL ${maskUrl(url)} is not a valid URL` });
  }
  const schema = schemaOpt ?? parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConnectorError({ kind: 'config', origin: 'caller', message: `invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and _` });
  }
  return {
    dialect: 'postgres',
    schema,
    display: maskUrl(url),
    knex: {
      client: 'pg',
      connection: { connectionString: parsed.toString() },
      searchPath: schema ? [schema] : undefined,
      pool: {
        min: 0,
        max: 10,
        afterCreate: (conn: PgClient, done: (err: Error | null, c: unknown) => void) => {
          conn.setTypeParser(INT8_OID, 'text', Number);
          done(null, conn);
        },
      },
    },
  };
}

export function databaseTarget(url: string = DEFAULT_DATABASE_URL, opts: { schema?: string } = {}): DatabaseTarget {
  if (url.startsWith('sqlite:')) return sqliteTarget(url);
  if (/^postgres(ql)?:\/\//.test(url)) return postgresTarget(url, opts.schema);
  throw new ConnectorError({
    kind: 'config', origin: 'caller',
    message: `unsupported database URL ${maskUrl(url)}: expected sqlite:<file> or postgres://…`,
  });
}

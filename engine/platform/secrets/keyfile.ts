/**
 * Where keys come from: `PATCHBAY_SECRET_KEYS` (or an explicit list) first; otherwise, for an
 * embedded SQLite store only, a key file beside the database, created on first use. A
 * server database without configured keys is refused: a key file on one host would leave
 * every other host unable to read the credentials.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, chmodSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConnectorError } from '../../core/errors.js';
import { formatKey, makeKeyRing, parseKeyList, type KeyRing } from './keyring.js';

export interface KeySourceOptions {
  /** Explicit key list; wins over the environment. */
  secretKeys?: string;
  env?: NodeJS.ProcessEnv;
  /** SQLite file of the store (`:memory:` for none); undefined for server databases. */
  sqliteFile?: string;
  /** Where warnings go (stderr by default). */
  warn?: (message: string) => void;
}

export function keyFilePath(sqliteFile: string): string {
  return path.join(path.dirname(sqliteFile), '.patchbay', 'secret.key');
}

function createKeyFile(file: string, warn: (m: string) => void): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const kid = `local-${randomBytes(4).toString('hex')}`;
  // `wx`: if another process created it first, we fail here and read theirs below.
  try {
    writeFileSync(file, `${formatKey({ id: kid, key: randomBytes(32) })}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return;
  }
  warn(
    `patchbay: WARNING: no PATCHBAY_SECRET_KEYS set; created a local secret key at ${file}.\n` +
      `patchbay: credentials in the database can only be read with this file: back it up, keep it private,\n` +
      `patchbay: and set PATCHBAY_SECRET_KEYS (kid:base64key, comma separated, first is current) in production.\n`,
  );
}

export function loadKeyRing(opts: KeySourceOptions = {}): KeyRing {
  const env = opts.env ?? process.env;
  const warn = opts.warn ?? ((m: string) => process.stderr.write(m));
  const list = opts.secretKeys ?? env.PATCHBAY_SECRET_KEYS;
  if (list && list.trim() !== '') return makeKeyRing(parseKeyList(list, opts.secretKeys ? 'secretKeys' : 'PATCHBAY_SECRET_KEYS'));

  if (opts.sqliteFile === undefined) {
    throw new ConnectorError({
      kind: 'config', origin: 'caller',
      message: 'PATCHBAY_SECRET_KEYS is required with a PostgreSQL store (kid:base64key, comma separated, first is current)',
    });
  }
  if (opts.sqliteFile === ':memory:') {
    warn('patchbay: WARNING: in-memory database without PATCHBAY_SECRET_KEYS; using a throw-away secret key\n');
    return makeKeyRing([{ id: 'ephemeral', key: randomBytes(32) }]);
  }
  const file = keyFilePath(opts.sqliteFile);
  if (!existsSync(file)) createKeyFile(file, warn);
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return makeKeyRing(parseKeyList(readFileSync(file, 'utf8'), file));
}

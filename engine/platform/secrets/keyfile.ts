/**
 * Where keys come from: `PATCHBAY_SECRET_KEYS` (or an explicit list) first; else a key file
 * named by `PATCHBAY_SECRET_KEYS_FILE`; otherwise, for an embedded SQLite store only, a key
 * file beside the database, created on first use. A server database without configured keys
 * is refused: a key file on one host would leave every other host unable to read the
 * credentials.
 *
 * A source can be read again while the process runs (see live-ring.ts), so an operator can
 * put a new key first in the file without restarting servers.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, chmodSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConnectorError } from '../../core/errors.js';
import { formatKey, makeKeyRing, parseKeyList, type KeyRing } from './keyring.js';

export interface KeySourceOptions {
  /** Explicit key list; wins over the environment. */
  secretKeys?: string;
  /** A key file to read (and re-read) the list from; default `PATCHBAY_SECRET_KEYS_FILE`. */
  secretKeysFile?: string;
  env?: NodeJS.ProcessEnv;
  /** SQLite file of the store (`:memory:` for none); undefined for server databases. */
  sqliteFile?: string;
  /** Where warnings go (stderr by default). */
  warn?: (message: string) => void;
}

/** Something the key ring is read from, and can be read from again. */
export interface KeySource {
  /** What it is, for logs and errors: `PATCHBAY_SECRET_KEYS`, `secretKeys`, `ephemeral` or the file's path. */
  readonly name: string;
  /** Reads the keys now; throws a `config` ConnectorError (naming no key material) when they are unusable. */
  read(): KeyRing;
  /**
   * A cheap token that changes when a file source may have changed (inode, size, times);
   * absent for sources that cannot change under a running process. Never throws.
   */
  stamp?(): string;
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

function fileStamp(file: string): string {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (err) {
    return `unreadable:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/**
 * A key file source. It is never created here: a file that vanished while a server runs must
 * not be replaced by a fresh key, which would seal new values under a key nobody else has.
 */
function fileSource(file: string, opts: { tighten: boolean }): KeySource {
  return {
    name: file,
    read() {
      let text: string;
      try {
        // The local file is ours to keep private; an operator's file may be a mounted secret we cannot chmod.
        if (opts.tighten && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
        text = readFileSync(file, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new ConnectorError({ kind: 'config', origin: 'caller', code: 'key_file_unreadable', message: `cannot read the key file ${file} (${code})`, cause: err });
      }
      return makeKeyRing(parseKeyList(text, file));
    },
    stamp: () => fileStamp(file),
  };
}

function listSource(name: string, list: () => string | undefined): KeySource {
  return {
    name,
    read: () => makeKeyRing(parseKeyList(list() ?? '', name)),
  };
}

/** Picks the source (creating the local key file on first use) without reading it yet. */
export function keySource(opts: KeySourceOptions = {}): KeySource {
  const env = opts.env ?? process.env;
  const warn = opts.warn ?? ((m: string) => process.stderr.write(m));
  if (opts.secretKeys !== undefined && opts.secretKeys.trim() !== '') {
    const list = opts.secretKeys;
    return listSource('secretKeys', () => list);
  }
  const keysFile = opts.secretKeysFile ?? (env.PATCHBAY_SECRET_KEYS_FILE || undefined);
  const envList = env.PATCHBAY_SECRET_KEYS;
  if (envList && envList.trim() !== '') {
    if (keysFile) {
      throw new ConnectorError({ kind: 'config', origin: 'caller', message: 'set PATCHBAY_SECRET_KEYS or PATCHBAY_SECRET_KEYS_FILE, not both' });
    }
    // Read live: an embedding host may change its environment and call reload().
    return listSource('PATCHBAY_SECRET_KEYS', () => env.PATCHBAY_SECRET_KEYS);
  }
  if (keysFile) return fileSource(path.resolve(keysFile), { tighten: false });

  if (opts.sqliteFile === undefined) {
    throw new ConnectorError({
      kind: 'config', origin: 'caller',
      message: 'PATCHBAY_SECRET_KEYS is required with a PostgreSQL store (kid:base64key, comma separated, first is current), or PATCHBAY_SECRET_KEYS_FILE naming a file of them',
    });
  }
  if (opts.sqliteFile === ':memory:') {
    warn('patchbay: WARNING: in-memory database without PATCHBAY_SECRET_KEYS; using a throw-away secret key\n');
    const ring = makeKeyRing([{ id: 'ephemeral', key: randomBytes(32) }]);
    return { name: 'ephemeral', read: () => ring };
  }
  const file = keyFilePath(opts.sqliteFile);
  if (!existsSync(file)) createKeyFile(file, warn);
  return fileSource(file, { tighten: true });
}

export function loadKeyRing(opts: KeySourceOptions = {}): KeyRing {
  return keySource(opts).read();
}

/**
 * A key ring that follows its source while the process runs, so rotating keys needs no
 * restart. Three things re-read the source:
 *
 * - sealing: before every seal the file source is stat'ed, and re-read when it changed, so a
 *   new value is never sealed under a key that is no longer first in the file;
 * - an unknown key id when opening: another process may already seal under a key this one
 *   has not read yet; the source is re-read (when the file changed, or at most once per
 *   `minReloadIntervalMs` otherwise, which bounds the cost of an id that really is gone);
 * - `reload()`, which `serve` calls on SIGHUP.
 *
 * Reading is synchronous (a small file), so two openers in one process can never race two
 * reloads: the first one's result is what the second one sees. A read that fails keeps the
 * previous keys and is reported once per distinct failure, never thrown at the caller of
 * seal/open, whose own error (unknown key) then says what is missing.
 */
import type { KeyRing, SecretKey } from './keyring.js';
import type { KeySource } from './keyfile.js';

export type ReloadCause = 'signal' | 'request' | 'changed' | 'unknown_key';

/** What a reload did; safe to log (ids and counts, never key material). */
export interface KeyRingReload {
  ok: boolean;
  cause: ReloadCause;
  source: string;
  /** The ring in use after the reload (the previous one when it failed). */
  keys: number;
  currentKeyId: string;
  /** Whether the keys differ from before. */
  changed: boolean;
  /** Why the source could not be used. */
  error?: string;
}

export interface LiveKeyRing extends KeyRing {
  readonly source: string;
  /** Re-reads the source now, whatever the rate limit. */
  reload(cause?: ReloadCause): KeyRingReload;
}

export interface LiveKeyRingOptions {
  /** Fewest ms between two re-reads caused by an unknown key id on an unchanged source. Default 1000. */
  minReloadIntervalMs?: number;
  now?: () => number;
  /**
   * Told of reloads worth a log line: every requested one (SIGHUP), every one that changed the
   * keys, and the first of a run of identical failures.
   */
  onReload?: (result: KeyRingReload) => void;
}

function sameKeys(a: KeyRing, b: KeyRing): boolean {
  const ids = a.ids();
  if (ids.join(',') !== b.ids().join(',')) return false;
  return ids.every((id) => (a.get(id) as SecretKey).key.equals((b.get(id) as SecretKey).key));
}

export function liveKeyRing(source: KeySource, opts: LiveKeyRingOptions = {}): LiveKeyRing {
  const now = opts.now ?? Date.now;
  const minInterval = opts.minReloadIntervalMs ?? 1000;
  // Stamped before the first read: a change during it is seen by the next check.
  let stamp = source.stamp?.();
  let ring = source.read();
  let lastRead = now();
  let lastFailure: string | undefined;

  const reload = (cause: ReloadCause = 'request'): KeyRingReload => {
    stamp = source.stamp?.();
    lastRead = now();
    const asked = cause === 'signal' || cause === 'request';
    let result: KeyRingReload;
    let worthTelling: boolean;
    try {
      const next = source.read();
      const changed = !sameKeys(ring, next);
      ring = next;
      result = { ok: true, cause, source: source.name, keys: next.ids().length, currentKeyId: next.current.id, changed };
      worthTelling = asked || changed;
      lastFailure = undefined;
    } catch (err) {
      // The stamp is kept, so a broken file is not re-read on every seal until it changes again.
      const error = (err as Error).message;
      result = { ok: false, cause, source: source.name, keys: ring.ids().length, currentKeyId: ring.current.id, changed: false, error };
      worthTelling = asked || error !== lastFailure;
      lastFailure = error;
    }
    if (worthTelling) opts.onReload?.(result);
    return result;
  };

  const followSource = (): void => {
    if (source.stamp && source.stamp() !== stamp) reload('changed');
  };

  return {
    source: source.name,
    get current() {
      followSource();
      return ring.current;
    },
    get(id) {
      const known = ring.get(id);
      if (known) return known;
      followSource();
      if (!ring.get(id) && now() - lastRead >= minInterval) reload('unknown_key');
      return ring.get(id);
    },
    ids: () => ring.ids(),
    reload,
  };
}

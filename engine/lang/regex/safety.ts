/**
 * Whether a regular expression from a manifest may run against text a sender or tenant
 * controls. V8 matches by backtracking, synchronously: a regex with super-linear worst
 * case (`/^(a+)+$/` on 29 characters: 17 s) blocks the event loop, and no time limit can
 * interrupt a match already running (JSONata's checks its clock between steps, never inside
 * one). So such regexes are refused when a manifest is validated or compiled.
 *
 * The decision, cheapest first (see prove.ts for the structural rules):
 * 1. Star-free or deterministic regexes are linear: accepted without further analysis.
 *    This covers the usual manifest patterns (`^acct_[A-Za-z0-9]+$`), so validation does not
 *    pay for recheck's start-up (~0.4 s) or its analysis (5 ms to 2 s a regex).
 * 2. A repetition of a variable repetition (`(a+)+`, `(\w+\s?)*`) is refused outright: the
 *    classic exponential shape, and the analyser's slowest case.
 * 3. Anything else goes to recheck (automaton theory, then fuzzing). `vulnerable`
 *    (exponential or polynomial) is refused. `unknown` — the analysis timed out, or the
 *    regex uses what recheck does not support — is refused too: it runs against untrusted
 *    text, so a bound must be shown, not assumed. The message says the analysis was
 *    inconclusive, so an author can simplify the regex into a provable shape.
 *
 * Verdicts are cached by source and flags (the same patterns recur across manifests and
 * reloads); `g` and `y` do not change the worst case and are left out of the key.
 */
import { createRequire } from 'node:module';
import { parseRegex } from './parse.js';
import { regexShape } from './prove.js';

export interface RegexRefusal {
  /** Why, in one sentence an author can act on. */
  message: string;
  hint?: string;
  /** Offsets into the regex source of the part to blame, when known. */
  at?: number;
  end?: number;
}

/** recheck's own budget per regex. Small: what it cannot settle quickly is refused (above). */
export const RECHECK_TIMEOUT_MS = 1000;

const LIMIT = 5_000;
const verdicts = new Map<string, RegexRefusal | null>();

interface RecheckResult {
  status: 'safe' | 'vulnerable' | 'unknown';
  complexity?: { type: string; summary: string };
  attack?: { pattern: string };
  hotspot?: Array<{ start: number; end: number }>;
  error?: { kind: string; message?: string };
}
type CheckSync = (source: string, flags: string, params?: Record<string, unknown>) => RecheckResult;

let checkSync: CheckSync | null | undefined;

/** recheck is 3 MB of JavaScript plus a worker: loaded only when a regex needs it. */
function recheck(): CheckSync | null {
  if (checkSync === undefined) {
    try {
      checkSync = (createRequire(import.meta.url)('recheck') as { checkSync: CheckSync }).checkSync;
    } catch {
      checkSync = null;
    }
  }
  return checkSync;
}

const HINT = 'make each repetition start with a character the previous part cannot consume (e.g. `^[a-z]+(,[a-z]+)*$`), or match one character class (`^[a-z,]+$`)';

function decide(source: string, flags: string): RegexRefusal | undefined {
  try {
    new RegExp(source, flags);
  } catch {
    return undefined; // not a regex at all: the caller's syntax check says so
  }
  try {
    const shape = regexShape(parseRegex(source, flags).node, flags);
    if (shape.kind === 'linear') return undefined;
    if (shape.kind === 'nested') {
      return {
        message: `repeats a group that itself repeats (\`${source.slice(shape.at, shape.end)}\`) without one character deciding where each repetition ends: the shape of exponential backtracking, refused without further analysis`,
        hint: HINT,
        at: shape.at,
        end: shape.end,
      };
    }
  } catch {
    // What the parser does not model (NotModelled), recheck judges.
  }
  const check = recheck();
  if (!check) return { message: 'could not be analysed for catastrophic backtracking (the recheck analyser is not installed)', hint: HINT };
  let r: RecheckResult;
  try {
    r = check(source, flags, { timeout: RECHECK_TIMEOUT_MS });
  } catch (err) {
    r = { status: 'unknown', error: { kind: 'unexpected', message: String((err as Error)?.message ?? err) } };
  }
  if (r.status === 'safe') return undefined;
  if (r.status === 'vulnerable') {
    const spot = r.hotspot?.[0];
    const attack = r.attack?.pattern;
    return {
      message: `can take ${r.complexity?.type ?? 'super-linear'} time on some inputs${attack ? ` (for example ${attack.length > 60 ? `${attack.slice(0, 57)}…` : attack})` : ''}`,
      hint: HINT,
      ...(spot ? { at: spot.start, end: spot.end } : {}),
    };
  }
  const why = r.error?.kind === 'timeout' ? `the analysis did not finish within ${RECHECK_TIMEOUT_MS} ms` : `the analyser reports ${r.error?.kind ?? 'an error'}${r.error?.message ? `: ${r.error.message}` : ''}`;
  return { message: `could not be shown free of catastrophic backtracking (${why})`, hint: `simplify it; ${HINT}` };
}

/** Undefined when the regex is safe to run on untrusted text; else why not. Invalid regexes are the caller's to report. */
export function unsafeRegex(source: string, flags = ''): RegexRefusal | undefined {
  const f = [...new Set(flags.replace(/[gyd]/g, ''))].sort().join('');
  const key = `${f}/${source}`;
  const hit = verdicts.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const verdict = decide(source, f);
  if (verdicts.size >= LIMIT) verdicts.clear();
  verdicts.set(key, verdict ?? null);
  return verdict;
}

export function describeRegex(source: string, flags = ''): string {
  return `/${source}/${flags.replace(/[gyd]/g, '')}`;
}

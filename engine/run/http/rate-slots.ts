/**
 * Request slots shared by several processes. The in-process limiter counts only its own
 * calls; when a host gives the engine a `RateSlotSource` (the platform does on PostgreSQL),
 * every request window of a limiter also needs a slot from that source. Slots are taken in
 * small batches and kept in a `SlotCache`, so most calls never leave the process; a batch may
 * only be used until the time the source gave with it, so a process cannot hoard slots past
 * the window they were counted in.
 */

/** Whose budget: the limiter key (`connection:<id>` or `connector:<id>`) and, for a connection's, its tenant. */
export interface SlotBudget {
  key: string;
  tenant?: string;
}

export interface SlotWindow {
  requests: number;
  perMs: number;
}

export interface SlotGrant {
  /** Slots granted, 0 … n. */
  granted: number;
  /** Epoch ms (this process's clock) after which unused granted slots must not be used. Required when granted > 0. */
  expiresAtMs?: number;
  /** With nothing granted: epoch ms when asking again may succeed. */
  retryAtMs?: number;
}

export interface RateSlotSource {
  /** Asks for `n` slots of `window` in `budget`; grants what the shared count allows, never more. */
  take(budget: SlotBudget, window: SlotWindow, n: number): Promise<SlotGrant>;
}

/** A source, or a getter for one resolved when a key's limiter is first made (a host may create the engine before its store). */
export type RateSlotsOption = RateSlotSource | (() => RateSlotSource | undefined);

/** What a cache can say about the next call. */
export type SlotState =
  | { kind: 'ready' }
  | { kind: 'filling' }
  /** The shared window is spent until `until`. */
  | { kind: 'spent'; until: number }
  | { kind: 'failed'; error: unknown }
  | { kind: 'empty' };

/**
 * The slots of one window that this process holds. A batch starts at one slot and doubles
 * while batches are used up before they expire, up to a tenth of the window; slots that
 * expire unused halve it again, so a quiet process asks for little and wastes little.
 */
export class SlotCache {
  private slots = 0;
  private expiresAt = 0;
  private spentUntil = 0;
  private pending = false;
  private error: unknown;
  private batch = 1;
  readonly cap: number;
  /** Round trips to the source (tests and stats). */
  takes = 0;

  constructor(
    private readonly source: RateSlotSource,
    private readonly budget: SlotBudget,
    readonly window: SlotWindow,
    private readonly now: () => number = Date.now,
  ) {
    this.cap = Math.max(1, Math.floor(window.requests / 10));
  }

  /** Slots usable now; expired ones are dropped here. */
  held(now = this.now()): number {
    if (this.slots > 0 && now >= this.expiresAt) {
      this.slots = 0;
      this.batch = Math.max(1, Math.floor(this.batch / 2));
    }
    return this.slots;
  }

  state(now = this.now()): SlotState {
    if (this.held(now) > 0) return { kind: 'ready' };
    if (this.pending) return { kind: 'filling' };
    if (this.error !== undefined) return { kind: 'failed', error: this.error };
    if (this.spentUntil > now) return { kind: 'spent', until: this.spentUntil };
    return { kind: 'empty' };
  }

  /** Forgets a failure once it has been reported to a caller, so the next call asks again. */
  clearError(): void {
    this.error = undefined;
  }

  /** Uses one held slot; call only when `state` said ready. */
  consume(): void {
    this.slots--;
  }

  /**
   * Asks the source for a batch: `demand` calls are waiting, of which at most `room` could
   * start before the batch expires (the other windows and the concurrency cap decide that).
   * `done` runs when the answer is in, whatever it is.
   */
  fill(demand: number, room: number, done: () => void): void {
    if (this.pending || this.held() > 0 || this.spentUntil > this.now()) return;
    const n = Math.max(1, Math.min(this.cap, Math.max(this.batch, demand), room));
    this.pending = true;
    this.takes++;
    this.source.take(this.budget, this.window, n).then(
      (g) => {
        this.pending = false;
        const granted = Math.max(0, Math.min(n, Math.floor(g.granted)));
        const now = this.now();
        if (granted > 0 && g.expiresAtMs !== undefined && g.expiresAtMs > now) {
          this.slots = granted;
          this.expiresAt = g.expiresAtMs;
          this.spentUntil = 0;
          // Asked for a full batch and got it: demand is high, ask for more next time.
          if (granted === n && n >= this.batch) this.batch = Math.min(this.cap, n * 2);
        } else {
          // Without a time to ask again, wait a tenth of the window rather than spin.
          this.spentUntil = Math.max(now + 1, g.retryAtMs ?? now + Math.ceil(this.window.perMs / 10));
        }
        done();
      },
      (err: unknown) => {
        this.pending = false;
        this.error = err ?? new Error('rate slot source failed');
        done();
      },
    );
  }
}

export function resolveSlots(option: RateSlotsOption | undefined): RateSlotSource | undefined {
  return typeof option === 'function' ? option() : option;
}

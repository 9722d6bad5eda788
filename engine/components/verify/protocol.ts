/**
 * The contract every webhook verification kind implements: its manifest fields, how they
 * become its plan config, and `verify`, which answers for one delivery. A verifier treats
 * its input as hostile and answers `ok: false` rather than throwing.
 */
import type { FieldSpecs, KindSpec, Resolved } from '../kit.js';
import type { CompiledTemplate } from '../../lang/template.js';
import type { VerifyResult } from '../../core/webhook.js';

export type SecretEncoding = 'utf8' | 'base64' | 'whsec';

/** What every compiled verification carries, whatever its kind. */
export interface VerifyPlanBase {
  type: string;
  /** The secret template, rendered against the connection (and connector-level values). */
  secret?: CompiledTemplate;
  /** How a secret becomes key bytes; also the shape a generated secret takes (`subscribe`). */
  secretEncoding: SecretEncoding;
  /** Replay window in both directions. */
  toleranceMs: number;
}

export interface VerifyInput {
  rawBody: Buffer;
  method: string;
  /** The full URL the provider called (scheme, host, path, query). */
  url: string;
  /** Lower-case names, one string each. */
  headers: Record<string, string>;
  /** The parsed body, for signed-payload templates that want it. */
  body: unknown;
  /** What secret and signed templates see: the connection's values and the connector-level ones (`secrets`, `app`). */
  connection: {
    config: Record<string, unknown>;
    credentials: Record<string, unknown>;
    settings: Record<string, unknown>;
    secrets?: Record<string, string>;
    app?: Record<string, string | undefined>;
  };
  /** Epoch ms. */
  now: number;
}

/** A delivery to sign as the provider would (tests): what `verify` would see, before the proof is added. */
export type SignInput = VerifyInput;

/** What signing adds to a delivery: headers (lower-case names), and query parameters for a kind that reads one. */
export interface SignOutput {
  headers: Record<string, string>;
  query?: Record<string, string>;
}

export interface VerifierKind<C extends VerifyPlanBase = VerifyPlanBase, Fs extends FieldSpecs = FieldSpecs> extends KindSpec {
  readonly fields?: Fs;
  /**
   * The kind's own compiled fields → its plan config; the shared `secret` is placed by the
   * compiler. Absent: the fields under their manifest names.
   */
  compile?(fields: Resolved<Fs>): Omit<C, 'type' | 'secret' | 'secretEncoding' | 'toleranceMs'> & Partial<Pick<C, 'secretEncoding' | 'toleranceMs'>>;
  /**
   * True when the proof covers a body: the validator warns on a verified GET handshake,
   * because providers do not sign the bodyless challenges they send by GET.
   */
  readonly signsBody?: boolean;
  /** Must never throw: hostile input is an answer (`ok: false`), not an exception. */
  verify(spec: C, input: VerifyInput): VerifyResult;
  /**
   * Signs a delivery the way this kind verifies it, for test cases that sign a published
   * example body with their own secret. Throws a `config` ConnectorError when it cannot (no
   * secret, a layout it cannot write); absent: the kind cannot sign.
   */
  sign?(spec: C, input: SignInput): SignOutput;
  /** What `describe` shows of a compiled config beside its type (an algorithm, the signature header); never a secret. */
  summary?(spec: C): Record<string, unknown>;
}

/** The older name of a verification kind. */
export type Verifier<C extends VerifyPlanBase = VerifyPlanBase> = VerifierKind<C, any>;

/** Types a kind's definition (its compiled fields from the declarations); registering is separate. */
export function defineVerifier<C extends VerifyPlanBase, const Fs extends FieldSpecs = Record<never, never>>(kind: VerifierKind<C, Fs>): VerifierKind<C, Fs> {
  return kind;
}

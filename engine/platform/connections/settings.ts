/**
 * Reserved connection settings: values Patchbay keeps in a connection's settings for itself,
 * which no client ever sees under their stored name (see engine/present).
 */

/** Where an operator's base URL override is kept; shown to clients as `base_url`. */
export const BASE_URL_SETTING = '_patchbay_base_url';

/** Every reserved setting starts with it; the presenters drop any of them. */
export const RESERVED_SETTING_PREFIX = '_patchbay_';

/** The stored override of a connection's settings, if any. */
export function storedBaseUrl(settings: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const url = settings?.[BASE_URL_SETTING];
  return typeof url === 'string' && url !== '' ? url : undefined;
}

/** The connection's environment (one of the connector's `environments`); shown to clients as `environment`. */
export const ENVIRONMENT_SETTING = '_patchbay_environment';

/** A set-up step waiting for the caller to choose a candidate; shown to clients as `pending_choice`. */
export const CHOICE_SETTING = '_patchbay_choice';

export function storedEnvironment(settings: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const name = settings?.[ENVIRONMENT_SETTING];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** What a connection in status `needs_choice` waits for: which step, and the options (ids and labels only). */
export interface PendingChoice {
  step: string;
  index: number;
  options: Array<{ id: string; label?: string }>;
}

export function storedChoice(settings: Readonly<Record<string, unknown>> | undefined): PendingChoice | undefined {
  const c = settings?.[CHOICE_SETTING] as PendingChoice | undefined;
  return c && typeof c === 'object' && Array.isArray(c.options) && typeof c.index === 'number' ? c : undefined;
}

/** Records the pending choice in `settings`, or clears it (undefined). */
export function setChoice(settings: Record<string, unknown>, pending: PendingChoice | undefined): void {
  if (pending) settings[CHOICE_SETTING] = pending;
  else delete settings[CHOICE_SETTING];
}

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

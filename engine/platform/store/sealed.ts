/**
 * Every column that holds a sealed value. Key rotation walks exactly this list, so a new
 * sealed column must be added here. Values are sealed with `sealContext` as associated
 * data, binding each ciphertext to its table, column and row.
 */
export interface SealedColumn {
  table: string;
  column: string;
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'connections', column: 'credentials' },
  { table: 'oauth_states', column: 'code_verifier' },
  { table: 'oauth_apps', column: 'client_secret' },
  { table: 'subscriptions', column: 'secret' },
  { table: 'connector_secrets', column: 'secrets' },
  { table: 'provider_subscriptions', column: 'credentials' },
];

export function sealContext(table: string, column: string, id: string): string {
  return `${table}.${column}:${id}`;
}

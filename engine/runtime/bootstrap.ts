/**
 * First run: a server whose store never had an API key creates an admin key so `npm start`
 * is usable at once. Beside an SQLite database it goes in a private file next to the local
 * secret key (the same trust boundary); elsewhere it is printed once.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function adminKeyFilePath(sqliteFile: string): string {
  return path.join(path.dirname(sqliteFile), '.patchbay', 'admin.key');
}

export function writeAdminKeyFile(sqliteFile: string, key: string): string {
  const file = adminKeyFilePath(sqliteFile);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return file;
}

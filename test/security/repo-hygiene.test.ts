/**
 * Nothing that looks like a credential or a database is committed. A test token in a
 * `creds.json` at the root was committed twice, each time written there by a test; this
 * fails `npm test` before the next one can be.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/helpers.js';

/** Files whose name says credentials or stored data, anywhere outside test fixtures. */
const FORBIDDEN_NAMES: Array<[RegExp, string]> = [
  [/(^|\/)[^/]*\.(db|db-wal|db-shm|db-journal|sqlite|sqlite3)$/, 'a database file'],
  [/(^|\/)creds[^/]*\.json$/, 'a credentials file'],
  [/(^|\/)\.patchbay\//, 'the local key folder (.patchbay/)'],
  [/(^|\/)\.env(\.(?!example$)[^/]+)?$/, 'an environment file (only .env.example may be committed)'],
  [/(^|\/)[^/]*\.(pem|key|p12|pfx)$/, 'a key file'],
];

/** Content that is a secret whatever the file is called. */
const FORBIDDEN_CONTENT: Array<[RegExp, string]> = [
  [/-----BEGIN (RSA |EC |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/, 'a private key'],
];

/** Test fixtures may hold published sample keys and databases on purpose. */
const isFixture = (file: string) => /(^|\/)fixtures\//.test(file);

export function offending(files: readonly string[], read: (file: string) => string): string[] {
  const out: string[] = [];
  for (const file of files) {
    if (isFixture(file)) continue;
    const named = FORBIDDEN_NAMES.find(([re]) => re.test(file));
    if (named) {
      out.push(`${file}: ${named[1]}`);
      continue;
    }
    const text = read(file);
    const content = FORBIDDEN_CONTENT.find(([re]) => re.test(text));
    if (content) out.push(`${file}: holds ${content[1]}`);
  }
  return out;
}

const inGit = existsSync(join(ROOT, '.git'));

describe('repository hygiene', () => {
  it('flags what it should and nothing else', () => {
    const files = ['creds.json', 'test/creds-prod.json', 'patchbay.db', 'data/x.sqlite', 'patchbay.db-wal', '.patchbay/secret.key',
      '.env', '.env.local', 'certs/server.pem', 'notes.txt', '.env.example', 'test/webhooks/fixtures/github.pem', 'src/credentials.ts', 'README.md'];
    // Assembled, so this file does not itself hold the marker it looks for.
    const marker = ['-----BEGIN', 'PRIVATE KEY-----'].join(' ');
    const text: Record<string, string> = { 'notes.txt': `x\n${marker}\nMII…`, 'src/credentials.ts': 'export {}', 'README.md': '# hi', '.env.example': 'PATCHBAY_PORT=3000' };
    expect(offending(files, (f) => text[f] ?? '')).toEqual([
      'creds.json: a credentials file',
      'test/creds-prod.json: a credentials file',
      'patchbay.db: a database file',
      'data/x.sqlite: a database file',
      'patchbay.db-wal: a database file',
      '.patchbay/secret.key: the local key folder (.patchbay/)',
      '.env: an environment file (only .env.example may be committed)',
      '.env.local: an environment file (only .env.example may be committed)',
      'certs/server.pem: a key file',
      'notes.txt: holds a private key',
    ]);
  });

  it.skipIf(!inGit)('no tracked file outside fixtures looks like credentials, keys or a database', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    const read = (f: string) => {
      const p = join(ROOT, f);
      return existsSync(p) ? readFileSync(p, 'latin1') : '';
    };
    expect(offending(tracked, read)).toEqual([]);
  });
});

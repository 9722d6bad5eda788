/** Child engine processes (running the built dist/) for the crash and concurrency tests. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Platform } from '../../engine/platform/platform.js';
import { ensureBuilt } from '../cli/helpers.js';
import type { DatabaseKind, TestDatabase } from '../store/databases.js';
import { startFakeApi, type FakeApi } from './fake-api.js';
import { FIXTURES, openPlatform } from './helpers.js';

export interface ChildSuite {
  db: TestDatabase;
  api: FakeApi;
  /** A platform in the test process, to set up work and inspect what the children wrote. */
  platform: Platform;
}

/**
 * The setup every multi-process suite needs: the built dist/ the children run, a fresh
 * database, the fake provider and an in-process platform. The fields are set once the
 * suite's beforeAll has run, so read them inside tests.
 */
export function childSuite(kind: DatabaseKind, tag: string, api: Parameters<typeof startFakeApi>[0]): ChildSuite {
  const suite = {} as ChildSuite;
  beforeAll(async () => {
    await ensureBuilt();
    suite.db = await kind.create(tag);
    suite.api = await startFakeApi(api);
    suite.platform = await openPlatform(suite.db.url);
  }, 180_000);
  afterAll(async () => {
    await suite.platform?.close();
    await suite.api?.close();
    await suite.db?.cleanup();
  });
  return suite;
}

export function forkChild(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return fork(path.join(FIXTURES, script), args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

export function collect(child: ChildProcess): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  return { out: () => out, err: () => err };
}

export function message(child: ChildProcess, expected: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (m === expected) {
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve();
      }
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) before sending ${expected}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

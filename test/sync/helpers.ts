import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPlatform, type Platform, type PlatformOptions } from '../../engine/platform/platform.js';
import { KEY_A } from '../store/databases.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const CONNECTORS = path.join(FIXTURES, 'connectors');

export function openPlatform(database: string, opts: Partial<PlatformOptions> = {}): Promise<Platform> {
  return createPlatform({ database, connectors: CONNECTORS, secretKeys: KEY_A, ...opts });
}

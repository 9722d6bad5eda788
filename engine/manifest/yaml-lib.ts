/**
 * The `yaml` library, loaded on first use rather than at import, so commands that never read
 * a manifest do not pay for it. It is CommonJS, so a synchronous require keeps the callers
 * synchronous (and skips the ESM export scan of a large file).
 */
import { createRequire } from 'node:module';

type YamlModule = typeof import('yaml');

const require = createRequire(import.meta.url);
let lib: YamlModule | undefined;

export function yamlLib(): YamlModule {
  lib ??= require('yaml') as YamlModule;
  return lib;
}

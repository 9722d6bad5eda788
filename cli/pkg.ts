/** The CLI finds its package (connectors, schemas, version) the way the engine does. */
export { packagePath, packageRoot, packageVersion } from '../engine/index.js';

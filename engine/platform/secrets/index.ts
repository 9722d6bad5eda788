export { createVault, type Vault } from './vault.js';
export { makeKeyRing, parseKeyList, formatKey, type KeyRing, type SecretKey } from './keyring.js';
export { loadKeyRing, keySource, keyFilePath, type KeySource, type KeySourceOptions } from './keyfile.js';
export { liveKeyRing, type LiveKeyRing, type LiveKeyRingOptions, type KeyRingReload, type ReloadCause } from './live-ring.js';
export { rotateSecrets, type RotateOptions, type RotateReport } from './rotate.js';

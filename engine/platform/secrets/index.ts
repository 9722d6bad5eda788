export { createVault, type Vault } from './vault.js';
export { makeKeyRing, parseKeyList, formatKey, type KeyRing, type SecretKey } from './keyring.js';
export { loadKeyRing, keyFilePath, type KeySourceOptions } from './keyfile.js';
export { rotateSecrets, type RotateOptions, type RotateReport } from './rotate.js';

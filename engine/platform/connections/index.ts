export { ConnectionService, AUTH_ERROR_KINDS, type ConnectionRef, type CreateConnectionInput, type UpdateConnectionInput, type ResolvedStoredConnection } from './service.js';
export type { EngineSeam } from './seam.js';

export { SyncRunner, type SyncOptions, type SyncProgress, type SyncDeps } from './runner.js';
export { Scheduler, type SchedulerOptions, type SchedulerDeps } from './scheduler.js';
export { recordsApi, runsApi, schedulesApi, type RecordsApi, type RunsApi, type SchedulesApi } from './api.js';
export { normaliseSchedule, firstRun, nextRun, type ScheduleInput } from './timing.js';
export { externalIdOf } from './keys.js';

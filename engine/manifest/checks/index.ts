/** The semantic checks, in the order they run. A new check is one file plus one line here. */
import { authDefault } from './auth-default.js';
import { componentChecks } from './component-checks.js';
import { cursorUnused } from './cursor-unused.js';
import { dynamicStreams } from './dynamic-streams.js';
import { emitModels } from './emit-models.js';
import { expressionNames } from './expression-names.js';
import { idMismatch } from './id-mismatch.js';
import { insecureUrl } from './insecure-url.js';
import { jsonSchemas } from './json-schemas.js';
import { jsonataSyntax } from './jsonata-syntax.js';
import { modelsCheck } from './models.js';
import { paginationStop } from './pagination.js';
import { proofOrigin } from './proof-origin.js';
import { regexCheck } from './regex.js';
import { secretInQuery } from './secret-in-query.js';
import { setupSteps } from './setup-steps.js';
import { streamRefs } from './stream-refs.js';
import { streamState } from './stream-state.js';
import { templateSyntax } from './template-syntax.js';
import { templateVariablesCheck } from './template-variables.js';
import type { Check } from './types.js';
import { unsafeRegexCheck } from './unsafe-regex.js';
import { version } from './version.js';
import { webhookReplies } from './webhook-replies.js';

export const CHECKS: readonly Check[] = [
  version,
  idMismatch,
  templateSyntax,
  jsonataSyntax,
  expressionNames,
  templateVariablesCheck,
  jsonSchemas,
  streamRefs,
  dynamicStreams,
  modelsCheck,
  emitModels,
  authDefault,
  paginationStop,
  cursorUnused,
  streamState,
  secretInQuery,
  setupSteps,
  componentChecks,
  webhookReplies,
  insecureUrl,
  proofOrigin,
  regexCheck,
  unsafeRegexCheck,
];

export type { Check, CheckContext, Report } from './types.js';

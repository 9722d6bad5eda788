/**
 * Shapes of a connector's tests.yaml (see schemas/tests.schema.json) and of the runner's
 * results. Kept as plain data: a connector author writes YAML, never TypeScript.
 */

export interface ExpectedRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string | null>;
  body?: unknown;
  form?: Record<string, string | string[]>;
}

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: string;
  delay_ms?: number;
}

export interface Exchange {
  request: ExpectedRequest;
  response: ScriptedResponse;
}

export interface ExpectedError {
  kind?: string;
  status?: number;
  provider_code?: string;
  provider_message?: string;
  message_contains?: string;
  retryable?: boolean;
}

export interface CaseExpectation {
  output?: unknown;
  records?: unknown[];
  record_count?: number;
  state?: Record<string, unknown>;
  error?: ExpectedError;
}

export interface ConnectionValues {
  config?: Record<string, unknown>;
  credentials?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  auth?: string;
}

export interface TestCase extends ConnectionValues {
  name: string;
  check?: boolean;
  action?: string;
  stream?: string;
  input?: Record<string, unknown>;
  state?: Record<string, unknown>;
  limit?: number;
  exchanges: Exchange[];
  expect: CaseExpectation;
  /** 1-based line of the case in tests.yaml, for pointing at it in failures. */
  line?: number;
}

export interface TestSuite {
  connector: string;
  /** Absolute path of tests.yaml. */
  file: string;
  /** Absolute path of the connector.yaml next to it. */
  manifest: string;
  defaults: ConnectionValues;
  cases: TestCase[];
}

export interface CaseResult {
  connector: string;
  case: string;
  ok: boolean;
  failures: string[];
  durationMs: number;
}

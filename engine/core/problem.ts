/**
 * The problem+json wire format (RFC 9457) every HTTP answer of Patchbay uses: the runtime's
 * routes and the webhook intake's replies, which the platform builds below the runtime.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  424: 'Failed Dependency',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function problemType(code: string): string {
  return `urn:patchbay:problem:${code}`;
}

export function statusTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

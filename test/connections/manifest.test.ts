/** `setup`, `teardown` and `environments` in manifests: what validates, what is refused and where, what compiles. */
import { describe, expect, it } from 'vitest';
import { compileSource, validateSource } from '../../engine/plan/index.js';

const FILE = '/virtual/connectors/books/connector.yaml';
const BASE = `patchbay: 1
id: books
name: Books
auth:
  type: oauth2
  authorize_url: https://login.books.example/authorize
  token_url: https://login.books.example/token
http:
  base_url: https://api.books.example
`;

const diagnose = (extra: string) => validateSource(BASE + extra, FILE).diagnostics.map((d) => ({ code: d.code, line: d.line, message: d.message }));

describe('validation', () => {
  it('accepts capture, request with choose, teardown and environments, with environment in templates', () => {
    expect(diagnose(`environments:
  production: { title: Production }
  sandbox: { base_url: https://sandbox.books.example, oauth: { token_url: "https://login.books.example/token?env={{environment.name}}" } }
setup:
  - { name: company, capture: { realm_id: realmId } }
  - name: tenant
    request: { path: "/connections/{{environment.name}}" }
    choose: { from: data, id: id, label: name }
    settings: { tenant_id: id }
teardown:
  - request: { method: DELETE, path: "/connections/{{settings.tenant_id}}" }
`)).toEqual([]);
  });

  it('refuses a step that captures and sends, one with neither, and choose without a request, at their lines', () => {
    const found = diagnose(`setup:
  - capture: { realm_id: realmId }
    request: { path: /x }
  - name: empty
  - capture: { realm_id: realmId }
    choose: { id: id }
`);
    expect(found).toEqual([
      { code: 'setup-step', line: 11, message: 'a set-up step either captures callback parameters or sends a request, not both' },
      { code: 'setup-step', line: 13, message: 'a set-up step needs `capture` or `request`' },
      { code: 'setup-step', line: 15, message: '`choose` reads a response, so the step needs a `request`' },
    ]);
  });

  it('refuses duplicate step names and a second default environment', () => {
    const found = diagnose(`environments:
  a: { default: true }
  b: { default: true }
setup:
  - { name: same, request: { path: /a } }
  - { name: same, request: { path: /b } }
`);
    expect(found.map((d) => [d.code, d.line])).toEqual([['setup-step', 12], ['setup-step', 15]]);
  });

  it('refuses a template root a step does not have, naming environment as available', () => {
    const d = validateSource(`${BASE}setup:\n  - request: { path: "/x/{{input.id}}" }\n`, FILE).diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0].code).toBe('template-variable');
    expect(d[0].hint).toContain('config, settings, credentials, environment');
  });
});

describe('the plan', () => {
  it('compiles steps and environments: names, the default, environment OAuth URLs in a copy of the method', () => {
    const { plan, diagnostics } = compileSource(`${BASE}environments:
  production: {}
  sandbox: { default: true, base_url: https://sandbox.books.example, oauth: { token_url: https://login-sandbox.books.example/token } }
setup:
  - capture: { realm_id: realmId }
  - { name: tenant, request: { path: /connections }, choose: { id: id } }
`, FILE);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(plan!.setup!.map((s) => s.name)).toEqual(['setup[0]', 'tenant']);
    expect(plan!.environments!.default).toBe('sandbox');
    expect(plan!.environments!.names).toEqual(['production', 'sandbox']);
    const empty = { config: {}, credentials: {}, settings: {} };
    expect(plan!.environments!.byName.sandbox.methods.default.templates.token_url.render(empty)).toBe('https://login-sandbox.books.example/token');
    expect(plan!.environments!.byName.sandbox.methods.default.templates.authorize_url.render(empty)).toBe('https://login.books.example/authorize');
    expect(plan!.environments!.byName.production.methods.default.templates.token_url.render(empty)).toBe('https://login.books.example/token');
    expect(plan!.auth.methods.default.templates.token_url.render(empty)).toBe('https://login.books.example/token');
  });
});

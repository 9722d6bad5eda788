/**
 * Invalid manifests, one diagnostic code each, with where the diagnostic must point. Shared by
 * invalid.test.ts (runtime-compiled validators) and generated-validators.test.ts (the
 * build-time ones), so both paths answer the same table.
 */
import { BASE, FILE, columnOf, edit, lineOf } from './fixtures.js';

export interface Case {
  name: string;
  src: string;
  code: string;
  line: number;
  column?: number;
  severity?: 'error' | 'warning';
  message?: RegExp;
  hint?: RegExp;
  /** The whole result must be exactly this one diagnostic (noise folded away). */
  only?: boolean;
  file?: string;
}

function c(name: string, src: string, code: string, marker: string, extra: Partial<Case> & { col?: string | [string, number] } = {}): Case {
  const { col, ...rest } = extra;
  const column = col === undefined ? undefined : Array.isArray(col) ? columnOf(src, col[0], col[1]) : columnOf(src, col);
  return { name, src, code, line: lineOf(src, marker), ...(column !== undefined ? { column } : {}), ...rest };
}

const S = (from: string, to: string) => edit(BASE, from, to);
/** A dynamic family inserted before `webhooks:`; `template` extra lines go into its stream template. */
const DYN = (discoverPath: string, template = '') => S('webhooks:\n', `dynamic_streams:
  tables:
    discover:
      request: { path: "${discoverPath}" }
      items: definitions
      key: name
    stream:
      request: { path: "/rest/v1/{{item.name}}", query: { since: "{{state.cursor}}" } }
      primary_key: id
      cursor: { field: updated_at }
${template}webhooks:
`);
const VERIFY = '    signature: { header: X-Acme-Signature, prefix: "sha256=" }';

export const cases: Case[] = [
  // The parser notices the unclosed `[` where the next key starts, and says so there.
  c('yaml syntax error', S('  timeout: 10s', '  timeout: [10s'), 'yaml-syntax', '  retry:', { column: 3, message: /end with a \]/ }),
  c('tab-indented mapping', S('  timeout: 10s', '\ttimeout: 10s'), 'yaml-syntax', '\ttimeout'),
  c('duplicate key', S('  timeout: 10s', '  timeout: 10s\n  timeout: 20s'), 'duplicate-key', 'timeout: 20s', { col: 'timeout: 20s' }),
  c('not a mapping: list', '- a\n- b\n', 'not-a-mapping', '- a', { only: true }),
  c('not a mapping: scalar', '42\n', 'not-a-mapping', '42', { only: true }),
  c('unknown key with suggestion', S('    records: data', '    recrds: data'), 'unknown-key', 'recrds', { col: 'recrds', hint: /did you mean `records`/, only: true }),
  c('unknown key typo of a required key is one problem', S('    primary_key: id', '    primary_kye: id'), 'unknown-key', 'primary_kye', { hint: /did you mean `primary_key`/, only: true }),
  c('unknown key in the selected if/then branch', S('  name: X-Api-Key', '  name: X-Api-Key\n  token_url: https://x.test'), 'unknown-key', 'token_url', {
    col: 'token_url', hint: /allowed keys: .*prefix/, only: true,
  }),
  c('unknown key inside a pagination branch', S('    size_param: limit', '    size_parm: limit'), 'unknown-key', 'size_parm', { hint: /did you mean `size_param`/, only: true }),
  c('unknown top-level key', S('name: Acme', 'name: Acme\nnmae: Acme2'), 'unknown-key', 'nmae', { col: 'nmae', hint: /did you mean `name`/ }),
  c('missing top-level key', S('name: Acme\n', ''), 'missing-key', 'patchbay', { column: 1, message: /`name`/, only: true }),
  c('missing key in a stream', S('    primary_key: [issue_id, id]\n', ''), 'missing-key', '  comments:', { col: 'comments:', message: /primary_key/, only: true }),
  c('missing key of an if/then branch, reported once', S('  name: X-Api-Key\n', ''), 'missing-key', 'auth:', { col: 'auth:', message: /`name`/, only: true }),
  c('anyOf folded into one type error', S('    primary_key: id', '    primary_key: 5'), 'invalid-type', 'primary_key: 5', {
    col: ['primary_key: 5', 13], message: /a string or a list of strings, got integer/, only: true,
  }),
  c('anyOf branch error is the deeper one', S('    primary_key: id', '    primary_key: [id, 7]'), 'invalid-type', 'primary_key: [id', { message: /primary_key\[1\]` must be a string/, only: true }),
  c('list where a mapping belongs', S('  create_issue:\n', '  - create_issue:\n'), 'invalid-type', '- create_issue', { col: '- create_issue', message: /`actions` must be a mapping, got list/ }),
  c('duration of the wrong type', S('  timeout: 10s', '  timeout: [1]'), 'invalid-type', 'timeout: [1]', { message: /a duration/, only: true }),
  c('enum value with suggestion', S('      method: POST', '      method: PSOT'), 'invalid-value', 'method: PSOT', {
    col: 'PSOT', message: /one of: GET, POST/, hint: /did you mean `POST`/, only: true,
  }),
  c('enum in a discriminator', S('    type: cursor', '    type: cursr'), 'invalid-value', 'type: cursr', { col: 'cursr', hint: /did you mean `cursor`/, only: true }),
  c('number below minimum', S('    max_attempts: 4', '    max_attempts: 0'), 'invalid-value', 'max_attempts: 0', { message: />= 1/, only: true }),
  c('bad duration string', S('  timeout: 10s', '  timeout: 10 sec'), 'invalid-format', 'timeout: 10 sec', { col: '10 sec', hint: /500ms/, only: true }),
  c('bad id pattern', S('id: acme', 'id: Acme'), 'invalid-format', 'id: Acme', { col: 'Acme', only: true, file: FILE.replace('acme', 'Acme') }),
  c('bad url format', S('name: Acme', 'name: Acme\ndocs_url: not a url'), 'invalid-format', 'docs_url', { only: true }),
  c('bad stream name', S('  comments:', '  Comments:'), 'invalid-format', 'Comments:', { col: 'Comments:', only: true }),
  c('unsupported version', S('patchbay: 1', 'patchbay: 2'), 'unsupported-version', 'patchbay', { column: 11, only: true }),
  c('unknown definition', S('  comments:\n', '  comments:\n    extends: [pager]\n'), 'unknown-definition', 'extends', { col: 'pager', only: true }),
  c('invalid JSON Schema', S('    owner: { type: string }', '    owner: { type: strnig }'), 'invalid-json-schema', 'strnig', { col: 'strnig', message: /`config.properties.owner.type` must be one of: .*string/, hint: /did you mean `string`/, only: true }),
  c('template syntax, pointed inside the string', S('path: "/repos/{{config.owner}}/issues"\n      body', 'path: "/repos/{{config.owner/issues"\n      body'), 'template-syntax', 'config.owner/issues', { only: true }),
  c('plain-scalar template syntax column', S('  request: { path: /me }', '  request:\n    path: /me/{{x'), 'template-syntax', '/me/{{x', { col: ['/me/{{x', 6], only: true }),
  c('JSONata syntax, column of the token', S('    records: data', '    records: data[0'), 'jsonata-syntax', 'data[0', { col: ['data[0', 6], only: true }),
  c('JSONata syntax in a quoted scalar', S(`  output: "{ 'account': login }"`, `  output: "{ 'account': login ]"`), 'jsonata-syntax', 'login ]', { col: ['login ]', 6], only: true }),
  c('mapping that breaks out of the page wrapper', S(`    mapping: "{ 'id': $string(id), 'title': title, 'updated_at': updated_at }"`, '    mapping: "id) }), ($x"'), 'jsonata-syntax', 'mapping:'),
  c('state is not available in an action request', S('        title: "{{input.title}}"', '        title: "{{state.cursor}}"'), 'template-variable', 'state.cursor', {
    col: 'state.cursor', hint: /available here: input, config, settings, credentials/, only: true,
  }),
  c('parent only in child streams', S('        since: "{{state.cursor}}"', '        since: "{{parent.id}}"'), 'template-variable', '{{parent.id}}"\n    records', { message: /`parent`/ }),
  c('input is not available in http headers', S('    Accept: application/json', '    Accept: "{{input.accept}}"'), 'template-variable', 'input.accept', { hint: /config, settings/, only: true }),
  c('check settings proven by a tenant-chosen origin', edit(S('  base_url: https://api.acme.test/v1', '  base_url: "{{config.owner}}"'), "  output: \"{ 'account': login }\"", "  output: \"{ 'account': login }\"\n  settings:\n    account_id: login"), 'unprovable-settings', '  settings:', { only: true }),
  c('credentials not in a check request', S('  request: { path: /me }', '  request: { path: "/me/{{credentials.api_key}}" }'), 'template-variable', '/me/{{credentials', { col: 'credentials.api_key}}" }', only: true }),
  c('raw_body not in a webhook secret', S('    secret: "{{credentials.webhook_secret}}"', '    secret: "{{raw_body}}"'), 'template-variable', 'raw_body', { only: true }),
  c('cursor.initial sees only config', S('initial: "2020-01-01T00:00:00Z"', 'initial: "{{state.x}}"'), 'template-variable', 'state.x', { only: true }),
  c('undeclared config field', S('path: "/repos/{{config.owner}}/issues"\n      body', 'path: "/repos/{{config.ownr}}/issues"\n      body'), 'unknown-config-field', 'config.ownr', {
    severity: 'warning', col: 'config.ownr', hint: /did you mean `owner`/, only: true,
  }),
  c('undeclared input field', S('"{{input.title}}"', '"{{input.titel}}"'), 'unknown-config-field', 'input.titel', { severity: 'warning', hint: /did you mean `title`/, only: true }),
  c('route to an unknown stream', S('upsert: { stream: issues', 'upsert: { stream: issuez'), 'unknown-stream', 'issuez', { col: 'issuez', hint: /did you mean `issues`/, only: true }),
  c('route fetch through an unknown action', S('    - on: [issue.deleted]', '    - on: [issue.opened]\n      fetch: { action: create_isue, input: { title: body.issue.title } }\n      upsert: { stream: issues, record: fetched }\n    - on: [issue.deleted]'), 'unknown-action', 'create_isue', {
    col: 'create_isue', message: /route `fetch` names action `create_isue`/, hint: /did you mean `create_issue`/, only: true,
  }),
  c('parent names an unknown stream', S('parent: { stream: issues }', 'parent: { stream: tickets }'), 'unknown-stream', 'tickets', { only: true }),
  c('parent cycle', S('  issues:\n', '  issues:\n    parent: { stream: comments }\n'), 'parent-cycle', 'parent: { stream: issues }', { col: ['parent: { stream: issues }', 18], message: /comments → issues → comments/, only: true }),
  c('model event without a stream', S('      upsert: { stream: issues, record: body.issue }', '      upsert: { stream: issues, record: body.issue }\n      emit: { event: ticket.updated, data: body.issue }'), 'emit-not-unified', 'ticket.updated', { severity: 'warning', col: 'ticket.updated', hint: /stream: <stream>/, only: true }),
  c('model event through another model\'s stream', S('      upsert: { stream: issues, record: body.issue }', '      upsert: { stream: issues, record: body.issue }\n      emit: { event: contact.updated, stream: issues, record: body.issue }'), 'emit-model-mismatch', 'contact.updated, stream: issues', { message: /stream `issues` maps to model ticket/, only: true }),
  c('emit through a stream without a record', S('      upsert: { stream: issues, record: body.issue }', '      upsert: { stream: issues, record: body.issue }\n      emit: { event: ticket.updated, stream: issues }'), 'emit-no-record', 'ticket.updated, stream: issues }', { message: /names no `record`/, only: true }),
  c('unknown model', S('    model: ticket', '    model: tickt'), 'unknown-model', 'model: tickt', { col: 'tickt', hint: /did you mean `ticket`/, only: true }),
  c('auth.default names no method', S('auth:\n  type: api_key\n  name: X-Api-Key\n  value: "{{credentials.api_key}}"', 'auth:\n  default: tokn\n  methods:\n    token:\n      type: bearer'), 'unknown-auth-method', 'tokn', {
    col: 'tokn', hint: /did you mean `token`/, only: true,
  }),
  c('a set-up step names no method', S('auth:\n  type: api_key\n  name: X-Api-Key\n  value: "{{credentials.api_key}}"', 'auth:\n  default: token\n  methods:\n    token:\n      type: bearer\nsetup:\n  - name: exchange\n    auth: [tokn]\n    request: { path: /me }'), 'unknown-auth-method', 'tokn]', {
    col: 'tokn]', message: /set-up step `exchange` names method `tokn`/, hint: /did you mean `token`/, only: true,
  }),
  c('a teardown request reads the OAuth app, which only set-up steps see', S('auth:\n  type: api_key', 'teardown:\n  - request: { path: "/apps/{{app.client_id}}" }\nauth:\n  type: api_key'), 'template-variable', 'app.client_id', { col: 'app.client_id', only: true }),
  c('id differs from folder', BASE, 'id-mismatch', 'id: acme', { severity: 'warning', column: 5, only: true, file: FILE.replace('/acme/', '/other/') }),
  c('page pagination without size or stop_when', S('    type: cursor\n    next: meta.next\n    param: { name: cursor }\n    size_param: limit\n    size: 50', '    type: page'), 'pagination-no-stop', 'pagination:', {
    col: 'pagination:', only: true,
  }),
  c('offset without size is reported once', S('    type: cursor\n    next: meta.next\n    param: { name: cursor }\n    size_param: limit\n    size: 50', '    type: offset'), 'missing-key', 'pagination:', { only: true }),
  c('credential in a query value', S('      method: POST', '      method: POST\n      query: { key: "{{credentials.api_key}}" }'), 'secret-in-query', 'key: "{{', { severity: 'warning', only: true }),
  c('api key sent in the query', S('  name: X-Api-Key', '  name: api_key\n  in: query'), 'secret-in-query', 'in: query', { severity: 'warning', col: 'query', only: true }),
  c('plain http base_url', S('https://api.acme.test/v1', 'http://api.acme.test/v1'), 'insecure-url', 'base_url', { severity: 'warning', col: 'http://', only: true }),
  c('verification turned off', S('    type: hmac\n    secret: "{{credentials.webhook_secret}}"\n    signature: { header: X-Acme-Signature, prefix: "sha256=" }', '    type: "none"'), 'verify-none', '"none"', { severity: 'warning', only: true }),
  c('cursor never used by the request', S('      query:\n        since: "{{state.cursor}}"\n', ''), 'cursor-unused', 'cursor: {', { severity: 'warning', column: 5, only: true }),
  c('state read by a name the stream never stores', S('        since: "{{state.cursor}}"', '        since: "{{state.cursr}}"'), 'state-unknown', 'state.cursr', { severity: 'warning', only: true, message: /reads `state.cursr`, which it never stores/, hint: /state: \{ keep: \{ cursr/ }),
  c('a dynamic template reading state it never stores', S('webhooks:\n', 'dynamic_streams:\n  tables:\n    discover: { request: { path: /tables }, items: data, key: name }\n    stream:\n      request: { path: "/t/{{item.name}}", query: { since: "{{state.token}}" } }\n      primary_key: id\nwebhooks:\n'), 'state-unknown', 'state.token', {
    severity: 'warning', only: true, message: /the stream template of dynamic family `tables` reads `state.token`/,
  }),
  c('a kept value nobody reads', S('    cursor: { field: updated_at, initial: "2020-01-01T00:00:00Z" }', '    cursor: { field: updated_at, initial: "2020-01-01T00:00:00Z" }\n    state:\n      keep: { sync_token: meta.sync_token }'), 'state-unused', 'sync_token:', { severity: 'warning', col: 'sync_token:', only: true }),
  c('a kept value named like the cursor', S('    cursor: { field: updated_at, initial: "2020-01-01T00:00:00Z" }', '    cursor: { field: updated_at, initial: "2020-01-01T00:00:00Z" }\n    state:\n      keep: { cursor: meta.next }'), 'state-reserved', 'keep: { cursor', { col: 'cursor: meta', message: /a name the engine uses for the cursor/, only: true }),
  c('catastrophic regex in a mapping', S("'title': title,", "'title': title, 'spam': $contains(title, /^(a+)+$/),"), 'unsafe-regex', 'mapping:', {
    col: '(a+)+$/)', message: /\/\^\(a\+\)\+\$\/ repeats a group that itself repeats/, only: true,
  }),
  // Structurally refused, so these tables never start the analyser (test/security/regex covers that path).
  c('catastrophic JSON Schema pattern', S('    owner: { type: string }', '    owner: { type: string, pattern: "^([a-z]+_?)+$" }'), 'unsafe-regex', 'pattern:', {
    col: '"^([a-z]+_?)+$"', message: /pattern \/\^\(\[a-z\]\+_\?\)\+\$\/u repeats a group/, only: true,
  }),
  c('a set-up step that captures and sends', S('http:\n  base_url: https://api.acme.test/v1', 'setup:\n  - capture: { realm_id: realmId }\n    request: { path: /x }\nhttp:\n  base_url: https://api.acme.test/v1'), 'setup-step', '  - capture:', { column: 5, message: /either captures callback parameters or sends a request/, only: true }),
  c('$eval in an expression', S(`    output: "{ 'id': $string(id) }"`, `    output: "{ 'id': $eval('id') }"`), 'forbidden-function', '$eval(', { col: '$eval(', only: true }),
  c('a handshake answering every POST', S(VERIFY, VERIFY + '\n  handshake:\n    when: "true"\n    response: { body: "{}" }'), 'handshake-catches-all', 'when: "true"', { only: true }),
  c('a verified GET handshake under hmac', S(VERIFY, VERIFY + '\n  handshake:\n    methods: [GET]\n    when: "$exists(query.challenge)"\n    response: { content_type: text/plain, body: query.challenge }'), 'handshake-get-signed', 'methods: [GET]', { severity: 'warning', only: true }),
  c('an ack after a catch-all ack', S(VERIFY, VERIFY + '\n  ack:\n    - status: 202\n    - when: body.x = 1\n      status: 200'), 'reply-unreachable', '- when: body.x', { severity: 'warning', only: true }),
  c('a body on a 204 ack', S(VERIFY, VERIFY + '\n  ack:\n    status: 204\n    body: "{}"'), 'reply-body-not-sent', 'body: "{}"', { only: true }),
  c('a string literal ack body as JSON', S(VERIFY, VERIFY + '\n  ack:\n    body: "\'<Response/>\'"'), 'reply-string-as-json', 'body: "', { severity: 'warning', only: true }),
  c('signed timestamp with nowhere to read it', S(VERIFY, VERIFY + '\n    signed: "{{timestamp}}.{{raw_body}}"'), 'timestamp-undeclared', 'signed:', { only: true }),
  c('timestamp checked but unsigned', S(VERIFY, VERIFY + '\n    timestamp: { header: X-Acme-Time }'), 'timestamp-unsigned', 'timestamp: {', { severity: 'warning', only: true }),
  c('signature prefix beside a pattern', S(VERIFY, '    signature: { header: X-Acme-Signature, prefix: "sha256=", pattern: "sha256=([0-9a-f]+)" }'), 'prefix-ignored', 'prefix: "sha256=", pattern', { severity: 'warning', only: true }),
  c('fetch by a stream without get', S('      upsert: { stream: issues, record: body.issue }', '      fetch: { stream: issues, id: body.id, raw: true }\n      upsert: { stream: issues, record: fetched }'), 'stream-without-get', 'fetch: { stream', { only: true }),
  c('duplicate key names the whole key', S('name: Acme', 'name: Acme\nname: Acme2'), 'duplicate-key', 'name: Acme2', { col: 'name: Acme2', message: /duplicate key `name`/ }),
  c('duplicate quoted key names the whole key', S('    Accept: application/json', '    "X-Trace": a\n    "X-Trace": b'), 'duplicate-key', '"X-Trace": b', { message: /duplicate key `X-Trace`/ }),
  c('one brace too many after a template', S('path: "/repos/{{config.owner}}/issues"\n      body', 'path: "/repos/{{config.owner}}}/issues"\n      body'), 'template-syntax', 'config.owner}}}', {
    col: ['config.owner}}}', 12], message: /`\}\}\}` closes an expression opened with `\{\{`/, hint: /`\{\{config\.owner\}\}` inserts .*`\{\{\{config\.owner\}\}\}`/, only: true,
  }),
  c('triple-stash closed with two braces', S('path: "/repos/{{config.owner}}/issues"\n      body', 'path: "/repos/{{{config.owner}}/issues"\n      body'), 'template-syntax', 'config.owner}}/', { message: /`\}\}` closes an expression opened with `\{\{\{`/, hint: /one brace too many or too few/, only: true }),
  c('unknown function with suggestion', S(`    output: "{ 'id': $string(id) }"`, `    output: "{ 'id': $strng(id) }"`), 'unknown-function', '$strng(', {
    col: '$strng(', message: /unknown function `\$strng`/, hint: /did you mean `\$string`\?/, only: true,
  }),
  c('unknown function applied with ~>', S('    records: data', '    records: data ~> $fliter(function($r) { $r.id })'), 'unknown-function', '$fliter', { col: '$fliter', hint: /did you mean `\$filter`/, only: true }),
  c('unbound variable in a mapping', S("'title': title,", "'title': title, 'repo': $secrets.owner,"), 'expression-variable', 'mapping:', {
    col: '$secrets.owner', message: /`\$secrets` is not bound/, hint: /bound here: `\$config`, `\$settings`/, only: true,
  }),
  c('misspelt binding in an action output', S(`    output: "{ 'id': $string(id) }"`, `    output: "{ 'id': $string(id), 'title': $inptu.title }"`), 'expression-variable', '$inptu', { col: '$inptu', hint: /bound here: `\$input`, `\$headers`, `\$status`; did you mean `\$input`\?/, only: true }),
  c('$parent in a stream that has none', S("'title': title,", "'title': title, 'issue': $parent.id,"), 'expression-variable', 'mapping:', { col: '$parent.id', only: true }),
  c('a webhook expression reads a root its input lacks', S('  type: body.type', '  type: bdy.type'), 'expression-root', 'bdy.type', {
    col: 'bdy.type', message: /`bdy` is not part of this expression's input/, hint: /the input has `event`, `body`, `headers`; did you mean `body`\?/, only: true,
  }),
  c('a route expression reads a root its input lacks', S('record: body.issue }', 'record: issue }'), 'expression-root', 'record: issue', { col: 'issue }', only: true }),
  c('credentials read in a mapping', S("'title': title,", "'title': title, 'key': credentials.api_key,"), 'expression-credentials', 'mapping:', {
    severity: 'warning', col: ["'key': credentials.api_key", 7], message: /field of the data/, only: true,
  }),
  c('signature pattern is not a regex', S('prefix: "sha256=" }', 'pattern: "v1=([a-f" }'), 'invalid-format', 'pattern', { message: /regular expression/, only: true }),
  c('dynamic stream template with a parent', DYN('/rest/v1/', '      parent: { stream: issues }\n'), 'dynamic-parent', 'parent: { stream: issues }\nwebhooks', {
    column: 7, message: /dynamic family `tables` has a `parent`/, only: true,
  }),
  c('discovery request reads the item it has not discovered yet', DYN('/rest/v1/{{item.name}}'), 'template-variable', 'path: "/rest/v1/{{item', {
    message: /reads `item`, which is not available in a discovery request/, only: true,
  }),
];

/** Connector manifests used by the CLI tests, with the line numbers the assertions rely on. */

export function validManifest(id: string, name = id.toUpperCase()): string {
  return `patchbay: 1
id: ${id}
name: ${name}
description: Test connector ${id}.
categories: [testing]
config:
  type: object
  required: [workspace]
  properties:
    workspace: { type: string, title: Workspace }
credentials:
  type: object
  required: [api_key]
  properties:
    api_key: { type: string, title: API key }
auth:
  type: api_key
  in: header
  name: X-API-Key
  value: "{{credentials.api_key}}"
http:
  base_url: https://api.example.test/{{config.workspace}}
check:
  request: { method: GET, path: /me }
actions:
  create_note:
    title: Create a note
    input:
      type: object
      required: [text]
      properties:
        text: { type: string, title: Text }
        pinned: { type: boolean }
    request:
      method: POST
      path: /notes
      body: { text: "{{input.text}}" }
    output: "{ 'id': $string(id) }"
streams:
  notes:
    request: { path: /notes, query: { since: "{{state.cursor}}" } }
    records: items
    primary_key: id
    cursor: { field: updated_at }
    model: message
    http:
      pagination: { type: page, size_param: per_page, size: 50 }
`;
}

/**
 * `pagination` misspelt as `paginaton` inside `http`: line 23, column 3 (the key), under a
 * valid connector otherwise.
 */
export function misspeltManifest(id: string): string {
  return validManifest(id).replace('http:\n  base_url: https://api.example.test/{{config.workspace}}\n', 'http:\n  base_url: https://api.example.test/{{config.workspace}}\n  paginaton: { type: none }\n');
}
export const MISSPELT = { line: 23, column: 3, key: 'paginaton', expected: 'pagination' };

/** An unknown top-level key (`nmae` for `name`) at line 3, column 1 and a value outside an enum at line 18. */
export function brokenManifest(id: string): string {
  return validManifest(id).replace(`name: ${id.toUpperCase()}`, `nmae: ${id.toUpperCase()}`).replace('  in: header', '  in: cookie');
}

/** Webhooks verified with `none`: valid, but the validator warns. */
export function warningManifest(id: string): string {
  return `${validManifest(id)}webhooks:
  verify: { type: none }
  id: body.id
  type: body.type
  routes:
    - on: [note.updated]
      upsert: { stream: notes, record: body.note }
`;
}

/**
 * A small valid manifest and helpers to derive invalid ones from it. Expected lines are
 * found from a marker in the derived text, so a case states where its problem is by
 * content, and the assertion still checks the exact line.
 */
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { validateSource, type Diagnostic } from '../../engine/plan/index.js';

/** Folder name = id, inside the repo so `schemas/models` is found by walking up. */
export const FILE = resolve('test-connectors', 'acme', 'connector.yaml');

export const BASE = `patchbay: 1
id: acme
name: Acme
description: Test connector
categories: [crm]
config:
  type: object
  required: [owner]
  properties:
    owner: { type: string }
credentials:
  type: object
  properties:
    api_key: { type: string }
    webhook_secret: { type: string }
auth:
  type: api_key
  name: X-Api-Key
  value: "{{credentials.api_key}}"
http:
  base_url: https://api.acme.test/v1
  headers:
    Accept: application/json
  timeout: 10s
  retry:
    max_attempts: 4
  errors:
    message: error.message
  pagination:
    type: cursor
    next: meta.next
    param: { name: cursor }
    size_param: limit
    size: 50
check:
  request: { path: /me }
  output: "{ 'account': login }"
actions:
  create_issue:
    title: Create issue
    input:
      type: object
      required: [title]
      properties:
        title: { type: string }
        labels: { type: array, items: { type: string } }
    request:
      method: POST
      path: "/repos/{{config.owner}}/issues"
      body:
        title: "{{input.title}}"
        labels: "{{input.labels}}"
        draft: false
    output: "{ 'id': $string(id) }"
streams:
  issues:
    request:
      path: "/repos/{{config.owner}}/issues"
      query:
        since: "{{state.cursor}}"
    records: data
    primary_key: id
    cursor: { field: updated_at, initial: "2020-01-01T00:00:00Z" }
    model: ticket
    mapping: "{ 'id': $string(id), 'title': title, 'updated_at': updated_at }"
  comments:
    parent: { stream: issues }
    request:
      path: "/issues/{{parent.id}}/comments"
    primary_key: [issue_id, id]
webhooks:
  verify:
    type: hmac
    secret: "{{credentials.webhook_secret}}"
    signature: { header: X-Acme-Signature, prefix: "sha256=" }
  id: headers.\`x-acme-delivery\`
  type: body.type
  routes:
    - on: [issue.*]
      upsert: { stream: issues, record: body.issue }
    - on: [issue.deleted]
      delete: { stream: issues, id: $string(body.issue.id) }
`;

/** Replaces exactly one occurrence (a fixture typo must fail loudly, not pass vacuously). */
export function edit(src: string, from: string, to: string): string {
  const at = src.indexOf(from);
  if (at < 0 || src.indexOf(from, at + 1) >= 0) throw new Error(`fixture edit: ${JSON.stringify(from)} must occur exactly once`);
  return src.slice(0, at) + to + src.slice(at + from.length);
}

/** 1-based line of the first occurrence of `needle`. */
export function lineOf(src: string, needle: string): number {
  const at = src.indexOf(needle);
  if (at < 0) throw new Error(`fixture: ${JSON.stringify(needle)} not found`);
  return src.slice(0, at).split('\n').length;
}

/** 1-based column of the first occurrence of `needle` (plus `offset` characters). */
export function columnOf(src: string, needle: string, offset = 0): number {
  const at = src.indexOf(needle);
  if (at < 0) throw new Error(`fixture: ${JSON.stringify(needle)} not found`);
  return at - src.lastIndexOf('\n', at - 1) + offset;
}

export function diagnose(src: string, file = FILE): Diagnostic[] {
  return validateSource(src, file).diagnostics;
}

export function expectWellFormed(list: unknown, codes: Record<string, string>): void {
  expect(Array.isArray(list)).toBe(true);
  for (const d of list as Diagnostic[]) {
    expect(typeof d.file).toBe('string');
    expect(Number.isInteger(d.line) && d.line >= 1).toBe(true);
    expect(Number.isInteger(d.column) && d.column >= 1).toBe(true);
    expect(['error', 'warning']).toContain(d.severity);
    expect(Object.keys(codes)).toContain(d.code);
    expect(typeof d.message === 'string' && d.message.length > 0).toBe(true);
    expect(d.message).not.toMatch(/must match "then" schema|must match a schema in anyOf/);
  }
}

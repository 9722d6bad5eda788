/** A throwaway connector written into a temp dir, for testing the runner and the CLI. */
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const WIDGETS_MANIFEST = `# A tiny connector that exists only for these tests.
patchbay: 1
id: widgets
name: Widgets
auth:
  type: bearer
http:
  base_url: https://widgets.invalid
  retry:
    max_attempts: 1
  errors:
    message: error.message
    code: error.code
  pagination:
    type: link_header
check:
  request:
    path: /me
  output: "{ 'account': login }"
actions:
  get_widget:
    input:
      type: object
      required: [id]
      properties:
        id: { type: string }
    request:
      path: "/widgets/{{input.id}}"
    output: "{ 'id': id, 'name': name }"
  create_widget:
    input:
      type: object
      required: [name]
      properties:
        name: { type: string }
        size: { type: integer }
    request:
      method: POST
      path: /widgets
      body:
        name: "{{input.name}}"
        size: "{{input.size}}"
    output: "{ 'id': id }"
streams:
  widgets:
    request:
      path: /widgets
      query:
        sort: updated
        since: "{{state.cursor}}"
    primary_key: id
    cursor:
      field: updated_at
    mapping: "{ 'id': id, 'name': $uppercase(name), 'updated_at': updated_at }"
`;

export interface TempConnectors {
  /** The connectors directory (holds widgets/). */
  dir: string;
  cleanup(): Promise<void>;
}

/** Writes connectors/widgets/{connector.yaml,tests.yaml} into a fresh temp dir. */
export async function writeWidgets(testsYaml: string, manifest = WIDGETS_MANIFEST): Promise<TempConnectors> {
  const root = await mkdtemp(path.join(tmpdir(), 'patchbay-runner-'));
  const dir = path.join(root, 'connectors');
  await mkdir(path.join(dir, 'widgets'), { recursive: true });
  await writeFile(path.join(dir, 'widgets', 'connector.yaml'), manifest);
  await writeFile(path.join(dir, 'widgets', 'tests.yaml'), testsYaml);
  return { dir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** The header every widgets test file starts with. */
export const DEFAULTS = `defaults:
  credentials:
    token: t0ken
`;

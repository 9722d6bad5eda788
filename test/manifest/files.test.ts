import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/core/errors.js';
import { findManifests, loadConnectors, loadPlan, requirePlan, validateFile } from '../../engine/plan/index.js';
import { BASE, edit, lineOf } from './fixtures.js';

let root: string;
const write = (rel: string, text: string) => {
  const file = join(root, rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
};
const asId = (id: string) => edit(BASE, 'id: acme', `id: ${id}`);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'patchbay-manifest-'));
  write('connectors/alpha/connector.yaml', asId('alpha'));
  write('connectors/beta/connector.yaml', asId('beta'));
  write('connectors/broken/connector.yaml', edit(asId('broken'), '    records: data', '    records: data['));
  write('connectors/twin/connector.yaml', asId('alpha'));
  write('connectors/empty/README.md', 'no manifest here');
  write('connectors/.hidden/connector.yaml', asId('hidden'));
  write('single/connector.yaml', asId('single'));
  // A connector pack with its own models: `widget` exists there, the engine's `ticket` does not.
  write('pack/schemas/models/widget.schema.json', '{"type":"object"}');
  write('pack/connectors/acme/connector.yaml', BASE);
  write('pack/connectors/widgets/connector.yaml', edit(asId('widgets'), 'model: ticket', 'model: widget'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('findManifests', () => {
  it('expands directories to */connector.yaml, skipping hidden folders and folders without one', async () => {
    const found = await findManifests([join(root, 'connectors')]);
    expect(found).toEqual(['alpha', 'beta', 'broken', 'twin'].map((d) => join(root, 'connectors', d, 'connector.yaml')));
  });

  it('takes a directory holding connector.yaml itself, and files or unknown paths as given', async () => {
    const file = join(root, 'connectors/beta/connector.yaml');
    const missing = join(root, 'nope.yaml');
    expect(await findManifests([join(root, 'single'), file, missing])).toEqual([join(root, 'single/connector.yaml'), file, missing]);
  });
});

describe('loading from disk', () => {
  it('loads every valid connector by id and explains the rest', async () => {
    const { plans, diagnostics } = await loadConnectors(join(root, 'connectors'));
    expect([...plans.keys()].sort()).toEqual(['alpha', 'beta']);
    const broken = diagnostics.find((d) => d.code === 'jsonata-syntax');
    expect(broken).toMatchObject({ file: join(root, 'connectors/broken/connector.yaml'), line: lineOf(BASE, 'records: data') });
    const twin = diagnostics.find((d) => d.code === 'duplicate-id');
    expect(twin).toMatchObject({ file: join(root, 'connectors/twin/connector.yaml'), line: 2, column: 5, severity: 'error' });
    // The twin's folder name also differs from its id.
    expect(diagnostics.filter((d) => d.code === 'id-mismatch').map((d) => d.file)).toEqual([join(root, 'connectors/twin/connector.yaml')]);
  });

  it('reports an unreadable file as a diagnostic', async () => {
    const missing = join(root, 'missing/connector.yaml');
    expect((await validateFile(missing)).diagnostics).toEqual([
      { file: missing, line: 1, column: 1, severity: 'error', code: 'read-error', message: 'file not found', path: '' },
    ]);
    expect((await loadPlan(missing)).plan).toBeUndefined();
  });

  it('requirePlan returns the plan or throws a located config error', async () => {
    expect((await requirePlan(join(root, 'connectors/alpha/connector.yaml'))).id).toBe('alpha');
    const err = await requirePlan(join(root, 'connectors/broken/connector.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ kind: 'config', location: { line: lineOf(BASE, 'records: data') } });
    expect((err as Error).message).toContain('jsonata-syntax');
  });

  it('resolves models in the nearest project with schemas/models', async () => {
    const own = await validateFile(join(root, 'pack/connectors/widgets/connector.yaml'));
    expect(own.diagnostics).toEqual([]);
    const engineModel = await validateFile(join(root, 'pack/connectors/acme/connector.yaml'));
    expect(engineModel.diagnostics.map((d) => [d.code, d.hint])).toEqual([['unknown-model', 'models: widget']]);
    // Outside any project the engine's own models apply.
    expect((await validateFile(join(root, 'connectors/alpha/connector.yaml'))).diagnostics).toEqual([]);
  });
});

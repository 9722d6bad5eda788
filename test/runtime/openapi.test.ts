/**
 * The OpenAPI document is valid OpenAPI 3.1 and describes exactly the routes the server
 * registered (and every reply in the other runtime tests is checked against it, since they
 * run with `validateResponses`).
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type TestRuntime } from './helpers.js';

describe('runtime: OpenAPI document', () => {
  let rt: TestRuntime;
  let doc: any;

  beforeAll(async () => {
    rt = await startRuntime();
    const res = await rt.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(async () => {
    await rt?.close();
  });

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator is not vacuous: a broken copy fails.
    const broken = structuredClone(doc);
    broken.paths['/healthz'].get.responses = { 200: { content: {} } };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('lists every registered route and nothing else', () => {
    const registered = rt.running.app.runtime.routes.map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`).sort();
    const documented: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const method of Object.keys(item)) documented.push(`${method.toUpperCase()} ${path}`);
    }
    expect(documented.sort()).toEqual(registered);
    const ids = Object.values<any>(doc.paths).flatMap((item) => Object.values<any>(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents problems, security and parameters the server enforces', () => {
    const create = doc.paths['/v1/connections'].post;
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '413', '415', '422', '429', '500']));
    expect(create.responses['422'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['connector', 'name']);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    const records = doc.paths['/v1/connections/{id}/streams/{stream}/records'].get;
    const names = records.parameters.map((p: any) => p.name ?? p.$ref);
    expect(names).toEqual(['id', 'stream', 'limit', 'cursor', 'include_deleted', 'updated_since', 'filter', '#/components/parameters/TenantQuery', '#/components/parameters/TenantHeader']);
    // `filter[<field>][<op>]` keys, described as one deepObject parameter.
    expect(records.parameters.find((p: any) => p.name === 'filter')).toMatchObject({ in: 'query', style: 'deepObject', explode: true, schema: { type: 'object' } });
    expect(doc.paths['/v1/connections/{id}/streams/{stream}/records/{record_id}'].get.operationId).toBe('getRecord');
    expect(records.responses['200'].content['application/json'].schema.properties.records.items).toEqual({ $ref: '#/components/schemas/StoredRecord' });
  });

  it('documents one paging dialect on every list route: limit and cursor in, next_cursor and has_more out', () => {
    const lists = Object.entries<any>(doc.paths).filter(([, item]) => item.get?.parameters?.some((p: any) => p.name === 'cursor'));
    expect(lists.map(([path]) => path).sort()).toEqual([
      '/v1/connections', '/v1/connections/{id}/runs', '/v1/connections/{id}/streams/{stream}/changes', '/v1/connections/{id}/streams/{stream}/records',
      '/v1/connectors', '/v1/keys', '/v1/subscriptions', '/v1/subscriptions/{id}/deliveries', '/v1/webhook-events',
    ]);
    for (const [path, item] of lists) {
      const names = item.get.parameters.map((p: any) => p.name);
      expect(names.slice(names.indexOf('limit'), names.indexOf('limit') + 2), path).toEqual(['limit', 'cursor']);
      const page = item.get.responses['200'].content['application/json'].schema;
      expect(page.required, path).toEqual([expect.any(String), 'next_cursor', 'has_more']);
      expect(page.properties.next_cursor.type, path).toEqual(['string', 'null']);
    }
  });

  it('has component schemas that compile as JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addFormat('date-time', true).addFormat('uri', true);
    for (const [name, schema] of Object.entries<any>(doc.components.schemas)) {
      expect(() => ajv.compile(schema), name).not.toThrow();
    }
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Problem', 'Connection', 'SyncRun', 'Schedule', 'StoredRecord', 'Connector']));
  });
});

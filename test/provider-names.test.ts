/**
 * A provider is data, not code: no engine or CLI source names one (DESIGN.md). The names are
 * the shipped connectors' ids plus the providers the manifest language is shaped for; a
 * comment that needs an example says what the provider does, not who it is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const SHIPPED = readdirSync(path.join(ROOT, 'connectors'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
const OTHERS = ['quickbooks', 'intuit', 'xero', 'salesforce', 'shopify', 'facebook', 'microsoft', 'graph', 'gitlab', 'twilio', 'google', 'airtable', 'notion', 'supabase'];
const NAMES = new RegExp(`\\b(${[...SHIPPED, ...OTHERS].join('|')})\\b`, 'i');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('provider names', () => {
  it('the list covers the shipped connectors', () => {
    expect(SHIPPED.length).toBeGreaterThan(0);
    expect(NAMES.test('see the Stripe docs')).toBe(true);
  });

  it('appear in no engine or CLI source', () => {
    const hits: string[] = [];
    for (const file of [...sources(path.join(ROOT, 'engine')), ...sources(path.join(ROOT, 'cli'))]) {
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (NAMES.test(line)) hits.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(hits).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../engine/lang/template.js';

describe('template date helper', () => {
  it('iso_seconds gives UTC YYYY-MM-DDTHH:MM:SS without fraction or zone', () => {
    const t = compileTemplate('{{date state.cursor "iso_seconds"}}');
    expect(t.render({ state: { cursor: '2019-11-14T18:10:38.314Z' } })).toBe('2019-11-14T18:10:38');
    expect(t.render({ state: { cursor: '2019-11-14T20:10:38.314+02:00' } })).toBe('2019-11-14T18:10:38');
    expect(t.render({ state: { cursor: 1573755038314 } })).toBe('2019-11-14T18:10:38');
  });
  it('renders nothing without a value, so an optional header is dropped', () => {
    expect(compileTemplate('{{date state.cursor "iso_seconds"}}').render({ state: {} })).toBe('');
  });
});

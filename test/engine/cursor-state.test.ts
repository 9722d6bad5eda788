import { describe, expect, it } from 'vitest';
import { compareCursor, CursorTracker } from '../../engine/run/operations/cursor-state.js';

describe('cursor comparison', () => {
  it('orders numbers and numeric strings numerically', () => {
    expect(compareCursor(9, 10)).toBe(-1);
    expect(compareCursor('9', '10')).toBe(-1);
    expect(compareCursor('100', 99)).toBe(1);
  });

  it('orders integers past 2^53 (exact strings) by every digit, one double or not', () => {
    expect(compareCursor('820982911946154508', '820982911946154450')).toBe(1);
    expect(compareCursor('820982911946154450', '820982911946154508')).toBe(-1);
    expect(compareCursor('820982911946154508', '820982911946154508')).toBe(0);
    expect(compareCursor('9007199254740993', 9007199254740991)).toBe(1);
    expect(compareCursor('-9007199254740993', '-9007199254740992')).toBe(-1);
    expect(compareCursor('12345678901234567', '1234567890123456.5')).toBe(1);
  });

  it('orders ISO date-times by instant, whatever their zone or precision', () => {
    expect(compareCursor('2024-01-01T10:00:00+02:00', '2024-01-01T09:00:00Z')).toBe(-1);
    expect(compareCursor('2024-01-01T00:00:00.5Z', '2024-01-01T00:00:00Z')).toBe(1);
    expect(compareCursor('2024-01-02', '2024-01-01T23:59:59Z')).toBe(1);
  });

  it('falls back to string order for anything else', () => {
    expect(compareCursor('b', 'a')).toBe(1);
    expect(compareCursor('abc', 'abc')).toBe(0);
  });
});

describe('CursorTracker', () => {
  it('advances its checkpoint while records ascend, reads dotted fields, ignores missing values', () => {
    const t = new CursorTracker('meta.at', '2024-01-01');
    t.observe([{ meta: { at: '2024-02-01' } }, { meta: {} }, { other: 1 }]);
    expect(t.checkpoint()).toBe('2024-02-01');
    t.observe([{ meta: { at: '2024-03-01' } }]);
    expect([t.checkpoint(), t.final()]).toEqual(['2024-03-01', '2024-03-01']);
  });

  it('freezes the checkpoint once order breaks but still tracks the maximum', () => {
    const t = new CursorTracker('n', 0);
    t.observe([{ n: 1 }, { n: 4 }]);
    t.observe([{ n: 2 }]);
    t.observe([{ n: 9 }]);
    expect([t.checkpoint(), t.final()]).toEqual([4, 9]);
  });

  it('keeps the initial value when nothing newer arrives', () => {
    const t = new CursorTracker('n', 50);
    t.observe([{ n: 10 }]);
    expect(t.final()).toBe(50);
  });
});

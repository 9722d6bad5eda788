/**
 * Points inside a string value. Only possible when the text in the file is the value
 * itself (plain, or quoted without escapes, on one line); otherwise the value's start is
 * as precise as it gets.
 */
import type { Path } from '../diagnostics.js';
import type { Position, Positions } from '../positions.js';

export function innerPosition(positions: Positions, path: Path, source: string, offset: number): Position {
  const start = positions.locate(path, 'value');
  const raw = positions.scalarText(path);
  if (!raw || source.includes('\n') || offset < 0 || offset > source.length) return start;
  let shift: number | undefined;
  if (raw.type === 'PLAIN' && raw.text === source) shift = 0;
  else if ((raw.type === 'QUOTE_SINGLE' || raw.type === 'QUOTE_DOUBLE') && raw.text.slice(1, -1) === source) shift = 1;
  if (shift === undefined) return start;
  return positions.at(raw.offset + shift + offset);
}

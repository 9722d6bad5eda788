/** Messages for names typed by people that match nothing the plan defines. */
import { nearest } from '../../manifest/suggest.js';

/** `Unknown stream "isues" (did you mean "issues"?); known: a, b` */
export function unknownName(what: string, name: string, known: string[]): string {
  const hint = nearest(name, known);
  return `Unknown ${what} "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; known: ${known.join(', ') || '(none)'}`;
}

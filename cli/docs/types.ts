/**
 * How one JSON Schema node reads in a docs table cell: its type in words, with links to the
 * sections of referenced definitions and the constraints a manifest author must meet.
 */
export type Schema = Record<string, any>;

/** The common Markdown heading-anchor algorithm (lower case, punctuation dropped, spaces to dashes), so links work on the rendered page. */
export function slug(headingText: string): string {
  return headingText
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

export function defName(ref: string): string {
  return ref.replace(/^#\/\$defs\//, '');
}

function refLink(ref: string): string {
  const name = defName(ref);
  return `[\`${name}\`](#${slug(`\`${name}\``)})`;
}

export interface Discriminator {
  key: string;
  kinds: Array<{ value: string; def: string }>;
}

/**
 * A tagged union written as `allOf: [{ if: {properties: {type: {const: X}}}, then: {$ref} }, …]`:
 * the form the schema uses for auth types, pagination kinds and verification types.
 */
export function discriminator(s: Schema): Discriminator | undefined {
  if (!Array.isArray(s.allOf) || s.allOf.length === 0) return undefined;
  let key: string | undefined;
  const kinds: Discriminator['kinds'] = [];
  for (const branch of s.allOf as Schema[]) {
    const props = branch?.if?.properties as Record<string, Schema> | undefined;
    const ref = branch?.then?.$ref;
    if (!props || typeof ref !== 'string') return undefined;
    const entries = Object.entries(props);
    if (entries.length !== 1 || entries[0][1].const === undefined) return undefined;
    if (key !== undefined && key !== entries[0][0]) return undefined;
    key = entries[0][0];
    kinds.push({ value: String(entries[0][1].const), def: defName(ref) });
  }
  return key ? { key, kinds } : undefined;
}

export function renderType(s: Schema): string {
  return `${baseType(s)}${constraints(s)}`;
}

function baseType(s: Schema): string {
  if (typeof s.$ref === 'string') return refLink(s.$ref);
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v: unknown) => `\`${String(v)}\``).join(', ')}`;
  if (s.if && s.then) {
    const when = Array.isArray(s.if.required) ? s.if.required.map((k: string) => `\`${k}\``).join(', ') : 'the condition holds';
    const then = renderType(s.then);
    return s.else ? `${then} when ${when} is set, else ${renderType(s.else)}` : `${then} when ${when} is set`;
  }
  const alternatives = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (Array.isArray(alternatives)) return alternatives.map((a) => renderType(a)).join(' or ');
  const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length === 0) return 'any';
  return types.map((t) => oneType(t, s)).join(' or ');
}

function oneType(t: string, s: Schema): string {
  if (t === 'array') {
    if (s.items && typeof s.items === 'object') {
      const item = renderType(s.items);
      return item.includes(' or ') ? `array of (${item})` : `array of ${item}`;
    }
    return 'array';
  }
  if (t === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
    return `map of ${renderType(s.additionalProperties)}`;
  }
  return t;
}

function constraints(s: Schema): string {
  const parts: string[] = [];
  if (typeof s.format === 'string') parts.push(`format \`${s.format}\``);
  if (typeof s.pattern === 'string') parts.push(`matching \`${s.pattern}\``);
  if (typeof s.propertyNames?.pattern === 'string') parts.push(`keys matching \`${s.propertyNames.pattern}\``);
  if (typeof s.minimum === 'number') parts.push(`≥ ${s.minimum}`);
  if (typeof s.maximum === 'number') parts.push(`≤ ${s.maximum}`);
  if (typeof s.minItems === 'number') parts.push(`at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
  if (typeof s.minProperties === 'number') parts.push(`at least ${s.minProperties} entr${s.minProperties === 1 ? 'y' : 'ies'}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

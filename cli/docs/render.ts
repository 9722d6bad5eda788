/**
 * Renders the manifest reference (docs/manifest.md) from the JSON Schema alone, so the docs
 * can never drift from what the validator enforces. Pure: same schema and codes, same bytes —
 * which lets a test compare the committed file with a fresh render.
 */
import { renderType, discriminator, slug, defName, type Schema } from './types.js';

interface Section {
  title: string;
  /** Heading depth: 2 for the top level and `$defs`, deeper for inline objects inside them. */
  depth: number;
  schema: Schema;
}

export function renderManifestDocs(schema: Schema, codes: Record<string, string>): string {
  const defs = (schema.$defs ?? {}) as Record<string, Schema>;
  const sections: Section[] = [];
  collect('Top level', schema, 2, sections);
  for (const [name, def] of Object.entries(defs)) collect(name, def, 2, sections);

  const out: string[] = [];
  out.push('# Connector manifest reference', '');
  out.push('<!-- Generated from schemas/connector.schema.json by `npm run docs`. Do not edit by hand. -->', '');
  out.push(
    'Each section below is one object of the manifest language. Fields marked *(Handlebars template)* fill strings;',
    'fields marked *(JSONata expression)* read data. Run `patchbay validate` to check a manifest against this reference.',
    '',
    'Template values are encoded for where they land. In a request\'s `path` and `url`, a `{{…}}` in the path is sent as',
    'one path segment (`a/b` as `a%2Fb`, `é` as `%C3%A9`; a missing, empty, `.` or `..` value is refused), and after `?`',
    'as one query value (`a&b=c` as `a%26b%3Dc`, a space as `%20`), so no value can add a segment or a parameter.',
    'An inline query value that renders empty is sent empty (`?t=`); a `query:` map leaves it out instead.',
    'In a `url`, a `{{…}}` that starts the string (`{{config.api_url}}/x`, a next-page link) or sits in the scheme or',
    'host (`https://{{config.shop}}.example.com`) is inserted as it is, like `base_url`; after `#` nothing is sent.',
    'A value that is already encoded for its place goes in as it is with the triple-stash `{{{…}}}`, e.g.',
    '`/files/{{{input.path}}}` for a deliberate multi-segment path (a `.` or `..` segment is still refused);',
    '`{{urlencode …}}` is likewise not encoded twice.',
    'Headers, bodies and `base_url` are not URLs and are not encoded; a header value holding CR, LF or another',
    'control character is refused before anything is sent.',
    '',
  );
  out.push('## Contents', '');
  for (const s of sections) out.push(`${'  '.repeat(s.depth - 2)}- [${heading(s)}](#${slug(heading(s))})`);
  out.push(`- [${REGEX_TITLE}](#${slug(REGEX_TITLE)})`);
  out.push(`- [Diagnostic codes](#${slug('Diagnostic codes')})`, '');

  for (const s of sections) out.push(...renderSection(s, defs));
  out.push(`## ${REGEX_TITLE}`, '', ...REGEX_NOTES, '');
  out.push(...renderCodes(codes));
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

const REGEX_TITLE = 'Regular expressions and $eval';

/** The rules engine/lang/regex/ enforces; prose, since no schema field carries them. */
const REGEX_NOTES = [
  'Every regex in a manifest runs on text other people control: JSONata regex literals (`$match(s, /…/)`, `$contains`,',
  '`$replace`, `$split`) on provider data, JSON Schema `pattern` and `patternProperties` keys on tenant input (config,',
  'credentials, settings, action input), and `webhooks.verify` signature and timestamp `pattern`s on the headers of',
  'anonymous senders. V8 matches by backtracking, synchronously: `/^(a+)+$/` takes 17 s on 29 characters and `/a+b/`',
  '12 s on 50 000, and no time limit can stop a match in progress (the 1 s expression limit is checked between',
  'evaluation steps, not inside one). So `patchbay validate` reports `unsafe-regex` (an error, on the regex) for any',
  'regex it cannot show to run in linear time, and the engine refuses to compile one in a manifest loaded without',
  'validation.',
  '',
  'A regex is accepted when',
  '',
  '- it repeats nothing a variable number of times (fixed counts such as `[0-9]{4}` are fine) and has at most 8 `|`; or',
  '- it is *deterministic*: at every choice (an alternative, one more repetition, or moving on) the next character',
  '  decides the way — in `^[0-9]+\\.[0-9]+$` a digit continues and a `.` moves on; alternatives of fixed strings may',
  '  share a prefix if they part before either ends (`public_channel|private_channel`) — and it is anchored with `^` or opens with a',
  '  character nothing after the opening consumes (`(?:^|,)\\s*v1=([0-9a-f]+)`); or',
  '- the [recheck](https://www.npmjs.com/package/recheck) analyser shows it safe within 1 s.',
  '',
  'Otherwise a repetition of something that itself repeats (`(a+)+`, `(\\w+\\s?)*`, `^([a-z0-9-]+\\.)*example\\.com$`) is',
  'refused without running the analyser, and so is what recheck finds exponential or polynomial (`a+b`, `\\s+$`) or',
  'cannot settle in time. Rewrite so each repetition starts with a character the part before cannot consume (`^[a-z]+(,[a-z]+)*$`), or',
  'match one character class (`^[a-z,]+$`).',
  '',
  '`$eval` is refused as well (`forbidden-function`), even taken as a value (`$f := $eval`): it parses a string at run',
  'time, so text built from provider data would become an expression, regexes included, that no check has seen.',
];

function heading(s: Section): string {
  return s.title === 'Top level' ? s.title : `\`${s.title}\``;
}

/** A section per object, followed by sections for the inline objects nested in it. */
function collect(title: string, node: Schema, depth: number, into: Section[]): void {
  into.push({ title, depth, schema: node });
  const props = (node.properties ?? {}) as Record<string, Schema>;
  for (const [key, prop] of Object.entries(props)) {
    const nested = inlineObject(prop);
    if (nested) collect(`${title === 'Top level' ? '' : `${title}.`}${key}${nested.suffix}`, nested.schema, Math.min(depth + 1, 4), into);
  }
}

/** An inline (not `$ref`) object worth its own section: it has fields or kinds. */
function inlineObject(prop: Schema): { schema: Schema; suffix: string } | undefined {
  if (isSectionWorthy(prop)) return { schema: prop, suffix: '' };
  const items = prop.items as Schema | undefined;
  if (items && typeof items === 'object' && isSectionWorthy(items)) return { schema: items, suffix: '[]' };
  const extra = prop.additionalProperties as Schema | undefined;
  if (extra && typeof extra === 'object' && isSectionWorthy(extra)) return { schema: extra, suffix: '.*' };
  return undefined;
}

function isSectionWorthy(s: Schema): boolean {
  return !s.$ref && (s.properties !== undefined || discriminator(s) !== undefined);
}

function renderSection(s: Section, defs: Record<string, Schema>): string[] {
  const out: string[] = [`${'#'.repeat(s.depth)} ${heading(s)}`, ''];
  if (s.schema.description) out.push(String(s.schema.description), '');
  const props = s.schema.properties as Record<string, Schema> | undefined;
  if (!props) {
    out.push(`Type: ${renderType(s.schema)}`, '');
    return out;
  }
  const required = new Set((s.schema.required ?? []) as string[]);
  const closed = s.schema.additionalProperties === false;
  out.push('| Field | Type | Required | Default | Description |', '| --- | --- | --- | --- | --- |');
  for (const [key, prop] of Object.entries(props)) {
    const nested = inlineObject(prop);
    const type = nested
      ? linkedNested(s.title, key, nested.suffix, prop)
      : renderType(prop);
    const description = prop.description ?? (prop.$ref ? defs[defName(String(prop.$ref))]?.description : undefined) ?? '';
    const dflt = prop.default !== undefined ? `\`${JSON.stringify(prop.default)}\`` : '';
    out.push(row([`\`${key}\``, type, required.has(key) ? 'yes' : '', dflt, String(description)]));
  }
  out.push('');
  if (!closed && !discriminator(s.schema)) out.push('Other fields are allowed.', '');
  const kinds = discriminator(s.schema);
  if (kinds) {
    out.push(`Kinds, chosen by \`${kinds.key}\`; each kind's section lists the fields it accepts:`, '');
    out.push('| Kind | Section | Description |', '| --- | --- | --- |');
    for (const k of kinds.kinds) {
      const target = defs[k.def];
      out.push(row([`\`${k.value}\``, `[\`${k.def}\`](#${slug(`\`${k.def}\``)})`, String(target?.description ?? '')]));
    }
    out.push('');
  }
  return out;
}

function linkedNested(parent: string, key: string, suffix: string, prop: Schema): string {
  const title = `${parent === 'Top level' ? '' : `${parent}.`}${key}${suffix}`;
  const link = `[\`${title}\`](#${slug(`\`${title}\``)})`;
  if (suffix === '[]') return `array of ${link}`;
  if (suffix === '.*') return `map of ${link}`;
  return prop.type === 'object' || prop.properties ? `object: ${link}` : link;
}

function renderCodes(codes: Record<string, string>): string[] {
  const out = ['## Diagnostic codes', '', 'Stable codes carried by every diagnostic `patchbay validate` reports.', ''];
  out.push('| Code | Meaning |', '| --- | --- |');
  for (const [code, meaning] of Object.entries(codes)) out.push(row([`\`${code}\``, meaning]));
  out.push('');
  return out;
}

function row(cells: string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

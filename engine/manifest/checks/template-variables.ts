/**
 * Each template runs with a fixed set of variables (an action request has `input`, a
 * stream request `state`, a signed payload `raw_body` …). A root outside that set renders
 * as an empty string at run time, which is the kind of bug that only shows up in
 * production, so it is an error here. Field names under `config`/`input` are checked
 * against their JSON Schemas as warnings (schemas may be open).
 */
import { isPlainObject } from '../../core/objects.js';
import type { Field } from '../fields.js';
import { didYouMean } from '../suggest.js';
import { innerPosition } from './inner.js';
import { templateInfo } from './syntax-cache.js';
import type { Check, CheckContext } from './types.js';

function declaredProperties(schema: unknown): string[] | undefined {
  return isPlainObject(schema) && isPlainObject(schema.properties) ? Object.keys(schema.properties) : undefined;
}

function schemaFor(ctx: CheckContext, root: string, f: Field): { props?: string[]; where: string } {
  if (root === 'config') return { props: declaredProperties(ctx.manifest.config), where: 'the `config` schema' };
  if (root === 'input' && f.owner?.section === 'actions') {
    const action = (ctx.manifest.actions as Record<string, unknown> | undefined)?.[f.owner.name];
    return { props: declaredProperties(isPlainObject(action) ? action.input : undefined), where: `the \`input\` schema of action \`${f.owner.name}\`` };
  }
  return { where: '' };
}

/** Unparseable templates have no variables here; template-syntax reports them. */
const variablesOf = (source: string): readonly string[] => templateInfo(source).variables;

export const templateVariablesCheck: Check = {
  name: 'template-variable',
  run(ctx) {
    for (const f of ctx.fields) {
      if (f.kind === 'jsonata' || !f.roots) continue;
      for (const variable of variablesOf(f.source)) {
        const [root, prop] = variable.split('.');
        // Placing costs a walk of the YAML tree: only done for what gets reported.
        const at = () => innerPosition(ctx.positions, f.path, f.source, Math.max(0, f.source.indexOf(variable)));
        if (!f.roots.includes(root)) {
          ctx.report({
            path: f.path,
            code: 'template-variable',
            message: `\`{{${variable}}}\` reads \`${root}\`, which is not available in ${article(f.context ?? 'this template')}`,
            hint: `available here: ${f.roots.join(', ')}${didYouMean(root, f.roots) ? `; ${didYouMean(root, f.roots)}` : ''}`,
            at: at(),
          });
          continue;
        }
        if (!prop) continue;
        const { props, where } = schemaFor(ctx, root, f);
        if (props && !props.includes(prop)) {
          ctx.report({
            path: f.path,
            code: 'unknown-config-field',
            severity: 'warning',
            message: `\`${root}.${prop}\` is not declared in ${where}`,
            hint: didYouMean(prop, props) ?? (props.length ? `declared: ${props.join(', ')}` : `declare it under \`properties\``),
            at: at(),
          });
        }
      }
    }
  },
};

function article(context: string): string {
  return /^[aeiou]/i.test(context) ? `an ${context}` : `a ${context}`;
}

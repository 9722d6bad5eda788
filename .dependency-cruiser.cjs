/**
 * The layering rule `npm test` enforces (test/architecture.test.ts). Layers, lowest first: a
 * module may import its own layer and the layers below, never above, never in a cycle;
 * type-only imports are exempt (see the upward rule).
 * docs/architecture.md draws the same picture.
 */
/** The package's public entries (package.json `exports`). */
const ENTRIES = ['index', 'platform/index', 'platform/present/index', 'runtime/index', 'testing/index'];

const LAYERS = ['core', 'lang', 'components', 'manifest', 'plan', 'run', 'platform', 'runtime', 'testing'];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer}`,
  comment: `engine/${layer} sits below ${LAYERS.slice(i + 1).join(', ')} and may not import them`,
  severity: 'error',
  from: { path: `^engine/${layer}/` },
  // A kind's types name the plan shapes it compiles to, and the plan's union names the kinds'
  // configs: that is a cycle of types only, erased at build time. What runs is layered.
  to: { path: `^engine/(${LAYERS.slice(i + 1).join('|')})/`, dependencyTypesNot: ['type-only'] },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } },
    ...upward,
    {
      name: 'no-entry-from-layers',
      comment: 'the package entry (engine/index.ts) sits above every layer; layers never import it',
      severity: 'error',
      from: { path: '^engine/[^/]+/' },
      to: { path: '^engine/index\\.ts$' },
    },
    {
      name: 'cli-through-entries',
      comment: 'the CLI is a user of the package like any host: it imports the public entries only',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^engine/', pathNot: `^engine/(${ENTRIES.join('|')})\\.ts$` },
    },
    {
      name: 'engine-not-cli',
      comment: 'the CLI sits on top; nothing in the engine imports it',
      severity: 'error',
      from: { path: '^engine/' },
      to: { path: '^cli/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
  },
};

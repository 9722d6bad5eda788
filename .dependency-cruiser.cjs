/**
 * The layering rule `npm test` enforces (test/architecture.test.ts). Layers, lowest first: a
 * module may import its own layer and the layers below, never above, never in a cycle.
 * docs/architecture.md draws the same picture.
 */
const LAYERS = ['core', 'lang', 'manifest', 'plan', 'components', 'run', 'platform', 'runtime', 'testing'];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer}`,
  comment: `engine/${layer} sits below ${LAYERS.slice(i + 1).join(', ')} and may not import them`,
  severity: 'error',
  from: { path: `^engine/${layer}/` },
  to: { path: `^engine/(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    ...upward,
    {
      name: 'no-entry-from-layers',
      comment: 'the package entry (engine/index.ts) sits above every layer; layers never import it',
      severity: 'error',
      from: { path: '^engine/[^/]+/' },
      to: { path: '^engine/index\\.ts$' },
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

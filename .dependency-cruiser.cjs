/**
 * Import rules checked in CI (npm run lint): no cycles anywhere, and @selfj/core's folders only import along the
 * data flow (foundation -> collect -> stages -> judge -> decide -> metrics -> pipeline), never back against it.
 * docs/architecture.md explains the layers.
 */
const CORE = '^packages/core/src/';
const layers = [
  ['foundation', `${CORE}(errors\\.ts|contracts|infra|stats|config|plugins)`],
  ['collect', `${CORE}collect/`],
  ['stages', `${CORE}stages/`],
  ['judge', `${CORE}judge/`],
  ['decide', `${CORE}decide/`],
  ['metrics', `${CORE}metrics/`],
  ['pipeline', `${CORE}pipeline/`],
];

const againstTheFlow = layers.slice(0, -1).map(([name, path], i) => ({
  name: `core-${name}-imports-later-layer`,
  comment: `${name} is earlier in the data flow than ${layers.slice(i + 1).map(([n]) => n).join(', ')}: it must not import them`,
  severity: 'error',
  from: { path },
  to: { path: layers.slice(i + 1).map(([, p]) => p) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles make load order fragile and hide a missing abstraction',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...againstTheFlow,
    {
      name: 'shipped-code-imports-no-tests',
      comment: 'Shipped code (src/) never imports test code',
      severity: 'error',
      from: { path: '^(packages|plugins|native)/[^/]+/src/|^native/ts/' },
      to: { path: '/test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|build|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
  },
};

// Stage imports are one-way: a stage may import only from stages listed before it (see docs/architecture.md).
import tseslint from 'typescript-eslint';

const STAGES = [
  'core',
  'store',
  'privacy',
  'ingest',
  'data',
  'nn',
  'models',
  'pictures',
  'interest',
  'explore',
  'eval',
  'recommend',
  'train',
  'serve',
  'cli',
];

const stageRules = STAGES.map((stage, i) => ({
  files: [`src/${stage}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: STAGES.slice(i + 1).map((later) => ({
          group: [`**/${later}/**`, `**/${later}`],
          message: `src/${stage} is upstream of src/${later}; it must not import it.`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'build/**',
      'web/dist/**',
      'clients/*/dist/**',
      'clients/js/src/generated/**',
      'native/build/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  ...stageRules,
);

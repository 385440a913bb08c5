// Lint runs inside `npm test` (then `prettier --check`, which owns the layout): type-aware rules catch floating promises and keep type-only imports honest.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'schemas/json/**'] },
  js.configs.recommended,
  {
    files: ['bin/**/*.js', '*.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The domain core runs in the Temporal workflow sandbox: no Node built-ins, no clock reads.
    files: ['machines/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // provider-names.js is plain data, without zod.
              group: ['node:*', 'fs', 'path', 'zod', 'zod/*', '../schemas/*.js', '!../schemas/provider-names.js'],
              allowTypeImports: true,
              message: 'machines/ is pure: no I/O, no Node built-ins, no runtime zod (types only).',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time arrives with events; never read the clock in machines/.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Time arrives with events; never read the clock in machines/.',
        },
      ],
    },
  },
  prettier,
);

import { defineConfig } from 'vitest/config';

/*
 * Tests run the TypeScript sources. The package's `#sluice/...` imports pick runtime-specific files
 * by condition; `sluice-source` points them at the sources instead of the built dist/.
 */
const conditions = ['sluice-source', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['sluice-source'] } },
  test: {
    include: ['test/**/*.test.ts', 'adapters/**/*.test.ts', 'src/**/*.test.ts', 'e2e/**/*.e2e.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

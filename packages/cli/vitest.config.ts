import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['@nvdimm/source'] },
  ssr: { resolve: { conditions: ['@nvdimm/source'] } },
  test: { name: 'cli', include: ['test/**/*.test.ts'], testTimeout: 60_000 },
})

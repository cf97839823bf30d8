import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['@nvdimm/source'] },
  ssr: { resolve: { conditions: ['@nvdimm/source'] } },
  test: { name: 'provider-ocxl', include: ['test/**/*.test.ts'] },
})

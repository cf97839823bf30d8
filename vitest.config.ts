import { defineConfig } from 'vitest/config'

// CI sets VITEST_JSON to collect a machine-readable report next to the usual output.
const json = process.env.VITEST_JSON

export default defineConfig({
  test: {
    projects: ['packages/*'],
    reporters: json ? ['default', ['json', { outputFile: json }]] : ['default'],
  },
})

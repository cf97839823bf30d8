import { defineConfig } from 'tsup'

// One self-contained file: core, every provider and the CLI libraries are bundled.
export default defineConfig({
  entry: { bin: 'src/bin.ts' },
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // commander is CommonJS and requires node builtins; give the ESM bundle a require().
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __nvdimmCreateRequire } from 'node:module'\nconst require = __nvdimmCreateRequire(import.meta.url)",
  },
  noExternal: [/^@nvdimm\//, 'commander', 'zod', 'eventemitter3', 'cli-progress'],
  esbuildOptions(options) {
    options.conditions = ['@nvdimm/source']
  },
})

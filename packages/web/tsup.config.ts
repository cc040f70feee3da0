import { defineConfig } from 'tsup';
import { preset } from '../../tsup.preset.mjs';

export default defineConfig([
  // The server: dist/ (its clean keeps dist/ui, which the second build owns).
  { ...preset, entry: ['src/index.ts'], clean: ['!ui/**'] },
  // The browser UI: dist/ui/index.html, app.js and app.css, served by the server.
  {
    entry: { app: 'ui/main.tsx' },
    outDir: 'dist/ui',
    platform: 'browser',
    format: ['esm'],
    target: 'es2022',
    minify: true,
    sourcemap: false,
    dts: false,
    clean: true,
    splitting: false,
    tsconfig: 'ui/tsconfig.json',
    noExternal: [/.*/],
    publicDir: 'ui/public',
    esbuildOptions(options) {
      options.jsx = 'automatic';
      options.jsxImportSource = 'preact';
    },
  },
]);

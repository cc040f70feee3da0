// Shared tsup options: ESM and CJS with their own declaration files, for Node 20.
// tsup bundles any dependency the package's own package.json does not list, so every
// runtime dependency must be listed there.
export const preset = {
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  sourcemap: true,
  clean: true,
  splitting: false,
};

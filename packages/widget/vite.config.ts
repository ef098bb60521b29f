import { defineConfig } from 'vite';

// One ES module a host loads, served by the BFF at /widget/care-sidebar.js (DESIGN §3.3), plus
// lazily imported chunks beside it: lit is bundled in because host pages have no import map.
export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    lib: {
      entry: 'src/care-sidebar.ts',
      formats: ['es'],
      fileName: () => 'care-sidebar.js',
    },
    minify: true,
    // Lib-mode ES output keeps whitespace unless the bundler itself is told to minify.
    // Parts the first view does not need (letter reader, result history) are separate chunks the
    // widget imports on demand; the BFF serves them at /widget/chunks/<name>.js.
    rolldownOptions: {
      // The entry may carry the modules the chunks share, so they are not split into a common chunk.
      preserveEntrySignatures: 'allow-extension',
      output: { minify: true, chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});

import { defineConfig } from 'vite';

// One self-contained ES module, served by the BFF at /widget/care-sidebar.js (DESIGN §3.3):
// lit is bundled in because host pages have no import map.
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
    rolldownOptions: { output: { minify: true } },
  },
});

import { defineConfig } from 'vite';

/**
 * Builds the single-page app into web/dist, which the Safeground server serves at /. The dev
 * server (`npx vite web`) forwards the API and tiles to a Safeground on port 8080.
 */
export default defineConfig({
  base: '/',
  publicDir: false,
  worker: { format: 'es' },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    /** MapLibre alone is about 1 MB minified; it is one chunk, loaded with the map page. */
    chunkSizeWarningLimit: 1200,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/tiles': 'http://127.0.0.1:8080' } },
});

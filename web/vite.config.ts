import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * Builds the single-page app into web/dist, which the Safeground server serves at /. The dev
 * server (`npx vite web`) forwards the API and tiles to a Safeground on port 8080.
 *
 * The app is an installable progressive web app (docs/field-app.md): Workbox precaches the app
 * shell (every built file, MapLibre included) so it opens with no network, and a navigation with
 * no network is answered with the shell. The service worker and its registration are files of
 * their own, never inline script, so `script-src 'self'` holds.
 */
export default defineConfig({
  base: '/',
  publicDir: 'public',
  worker: { format: 'es' },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    /** MapLibre alone is about 1 MB minified; it is one chunk, loaded with the map page. */
    chunkSizeWarningLimit: 1200,
  },
  plugins: [
    VitePWA({
      registerType: 'autoUpdate',
      // Registered from main.tsx through virtual:pwa-register: no inline script in index.html.
      injectRegister: false,
      includeAssets: ['icon.svg', 'apple-touch-icon.png'],
      manifest: {
        name: 'Safeground',
        short_name: 'Safeground',
        description: 'Mine action information management: the register, reports and field work offline',
        start_url: '/#/field',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        background_color: '#ffffff',
        theme_color: '#b3261e',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,woff2,json}'],
        // MapLibre's chunk is above Workbox's 2 MiB default only with source maps; leave room.
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        navigateFallback: '/index.html',
        // The API, tiles and OGC API are the server's, never the shell.
        navigateFallbackDenylist: [/^\/api\//, /^\/tiles\//, /^\/ogc(\/|$)/],
        cleanupOutdatedCaches: true,
        // The page that installed the worker is served by it at once, not only after a reload.
        clientsClaim: true,
        skipWaiting: true,
        // Workbox's runtime is its own file beside sw.js (no import from a CDN).
        inlineWorkboxRuntime: false,
      },
    }),
  ],
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/tiles': 'http://127.0.0.1:8080' } },
});

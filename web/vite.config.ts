import { defineConfig } from 'vite';

// The build is served by the refuge binary itself: no CDN, no inline script
// (the server's Content-Security-Policy forbids it), hashed names under /assets/.
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npx vite` in web/ serves the sources with hot reload; the API is the one
  // `make demo` starts.
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
  build: {
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
});

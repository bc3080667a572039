// Vite build of the web app: `npx vite build --config web/vite.config.ts` writes dist/web,
// which the server serves at `/` (SPA fallback), next to REST at /api and signalling at /ws.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './tooling/precompress.js';
import { previewImage } from './tooling/preview-image.js';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
// For `vite --config web/vite.config.ts` during development: where the API server listens.
const apiTarget = process.env.SPACES_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: webRoot,
  // previewImage: the link-preview PNG (/preview.png); precompress: .br and .gz copies of the
  // text assets, which the server sends to browsers that accept them.
  plugins: [react(), previewImage(), precompress()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    // hls.js (~570 kB) is its own chunk, loaded only by HLS listeners and replays.
    chunkSizeWarningLimit: 650,
  },
  server: {
    // The app imports the SDK from ../src.
    fs: { allow: [repoRoot] },
    proxy: {
      '/api': { target: apiTarget, changeOrigin: true },
      '/ws': { target: apiTarget.replace(/^http/, 'ws'), ws: true },
      // Live HLS of the audience tier and recorded replays, when the server serves them itself.
      '/hls': { target: apiTarget, changeOrigin: true },
      '/recordings': { target: apiTarget, changeOrigin: true },
    },
  },
});

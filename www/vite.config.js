// Vite config for the demo app (www/) and the seed 001 page.
//   npm run build:www   -> www/dist (served by scripts/demo and the e2e tests)
//   npm run dev:www     -> dev server; /echo and /control are proxied to a
//                          running scripts/demo server (RWS_DEMO_ADDR, default 127.0.0.1:8080)
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const here = fileURLToPath(new URL('.', import.meta.url));
const backend = `http://${process.env.RWS_DEMO_ADDR || '127.0.0.1:8080'}`;

export default defineConfig({
  root: here,
  base: './',
  plugins: [vue()],
  // Workers (www/src/worker.js) are ES modules, like the pages.
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Top-level await (`await init()` before mounting).
    target: 'es2022',
    rolldownOptions: {
      input: {
        main: `${here}index.html`,
        seed001: `${here}seed001.html`,
        bare: `${here}bare.html`,
        fuzz: `${here}fuzz.html`,
      },
    },
  },
  server: {
    // The app imports ../pkg (wasm-pack output) from outside www/.
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: {
      '/echo': { target: backend, ws: true },
      '/control': backend,
    },
  },
});

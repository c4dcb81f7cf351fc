// The console's build: `npm run build` runs it after the server's (docs/console.md); `curio serve` serves web/dist at /console/.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.CURIO_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  // `npx vite web` during development: the API calls go to a running server (CURIO_URL).
  server: { proxy: { '/v1': api, '/metrics': api } },
});

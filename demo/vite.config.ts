import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The fake GP system page. `npx vite --config demo/vite.config.ts` (or `npm run dev -w @care-sidebar/demo`).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  server: { host: '127.0.0.1', strictPort: false },
  preview: { host: '127.0.0.1', strictPort: false },
});

/**
 * The demo talks to the API same-origin: in `vite` (dev) and `vite preview` the page's
 * `/trpc` and `/healthz` are proxied to API_URL, so no CORS set-up is needed anywhere.
 * `@keyway/source` makes the workspace packages resolve to their TypeScript source.
 */
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, type ProxyOptions } from 'vite';

const apiUrl = process.env.API_URL || 'http://127.0.0.1:3000';
const webPort = Number(process.env.WEB_PORT || 5173);

// xfwd adds X-Forwarded-For, which the API believes only with TRUST_PROXY=true.
const proxy: Record<string, ProxyOptions> = {
  '/trpc': { target: apiUrl, xfwd: true },
  '/healthz': { target: apiUrl },
};

export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['@keyway/source', ...defaultClientConditions] },
  server: { host: '127.0.0.1', port: webPort, strictPort: true, proxy },
  preview: { host: '127.0.0.1', port: webPort, strictPort: true, proxy },
  build: { sourcemap: true },
});

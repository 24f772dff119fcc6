/** `pnpm dev`: the API (tsx watch) and the demo (Vite with hot reload), both on source; see start.mjs. */
import { run } from './start.mjs';

await run('dev');

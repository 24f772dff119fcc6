/**
 * Builds what `@keyway/client` publishes: ESM bundles and one declaration file per entry.
 *
 * - JavaScript: the server's zod input schemas (`@keyway/api/schemas`) are bundled in; tRPC
 *   and zod stay imports, resolved from the client's own dependencies.
 * - Declarations: self-contained apart from zod. The router's type is inlined from
 *   `@keyway/api`'s built declarations (turbo builds it first), so no server package is
 *   needed to typecheck. tRPC's types are inlined too, only the parts the client's API
 *   reaches: tRPC's full declarations use `Disposable` and DOM's `RequestInfo`, which a strict
 *   project with `skipLibCheck: false` and a plain `lib` (a Node project without DOM, a browser
 *   project without ESNext) does not have.
 *
 * The build fails if either output imports anything else.
 */
import { readFile, rm } from 'node:fs/promises';
import { build } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

const entries = ['index', 'react'];
const inputs = Object.fromEntries(entries.map((entry) => [entry, `src/${entry}.ts`]));
const matches = (names) => (id) => names.some((name) => id === name || id.startsWith(`${name}/`));
/** What the published JavaScript imports; the package's dependencies provide it. */
const runtimeImports = ['@trpc/client', '@trpc/server', 'zod', 'react'];
/** What the published declarations import. */
const typeImports = ['zod', 'react'];

await rm('dist', { recursive: true, force: true });

const js = await build({
  entryPoints: inputs,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  // Workspace packages resolve to their sources, so the JavaScript needs none of them built.
  conditions: ['@keyway/source'],
  external: runtimeImports,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});

const bundle = await rollup({
  input: inputs,
  external: matches(typeImports),
  plugins: [dts({ tsconfig: 'tsconfig.build.json', respectExternal: true })],
  onwarn(warning, warn) {
    // The api's index also exports server code whose imports (node:http, ioredis, MikroORM)
    // cannot resolve here; none of it is reachable from the client's types, which the check
    // below proves on the output.
    if (warning.code !== 'UNRESOLVED_IMPORT') warn(warning);
  },
});
const { output } = await bundle.write({ dir: 'dist', format: 'es', entryFileNames: '[name].d.ts' });
await bundle.close();

// Chunks shared between the entries import each other; those are part of the package.
const written = new Set([...Object.keys(js.metafile.outputs), ...output.map((chunk) => chunk.fileName)]);
const fromDist = (id) => written.has(id) || written.has(`dist/${id}`);
const stray = [
  ...Object.values(js.metafile.outputs)
    .flatMap((file) => file.imports.map((entry) => entry.path))
    .filter((id) => !fromDist(id) && !matches(runtimeImports)(id)),
  ...output
    .flatMap((chunk) => (chunk.type === 'chunk' ? chunk.imports : []))
    .filter((id) => !fromDist(id) && !matches(typeImports)(id)),
];
const { dependencies = {}, peerDependencies = {} } = JSON.parse(await readFile('package.json', 'utf8'));
const undeclared = runtimeImports.filter((name) => !(name in dependencies) && !(name in peerDependencies));
if (stray.length > 0 || undeclared.length > 0) {
  console.error(`@keyway/client's build imports what its package does not provide: ${[...stray, ...undeclared]}`);
  process.exit(1);
}

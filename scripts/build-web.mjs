// Builds the web channel's chat page (plugins/web/ui) into dist/web with esbuild: one bundled,
// minified script, the stylesheet and the HTML, all served locally (no CDN).
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const out = new URL('../dist/web/', import.meta.url);
const ui = new URL('../plugins/web/ui/', import.meta.url);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [new URL('main.ts', ui).pathname],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  outfile: new URL('app.js', out).pathname,
  logLevel: 'warning',
});
copyFileSync(new URL('index.html', ui), new URL('index.html', out));
copyFileSync(new URL('app.css', ui), new URL('app.css', out));

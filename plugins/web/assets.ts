import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A built file of the chat page. */
export interface Asset {
  body: Buffer;
  contentType: string;
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The chat page's files, built by `npm run build` (scripts/build-web.mjs) into dist/web. Found by
 * walking up from this module to the package root, so it works from src (tests) and dist alike.
 */
export function loadAssets(): Map<string, Asset> {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'dist', 'web', 'index.html'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('the chat page is not built (dist/web missing): run `npm run build`');
    dir = parent;
  }
  const web = join(dir, 'dist', 'web');
  const assets = new Map<string, Asset>();
  for (const [path, file] of [
    ['/', 'index.html'],
    ['/app.js', 'app.js'],
    ['/app.css', 'app.css'],
  ] as const) {
    const ext = file.slice(file.lastIndexOf('.'));
    assets.set(path, { body: readFileSync(join(web, file)), contentType: types[ext]! });
  }
  return assets;
}

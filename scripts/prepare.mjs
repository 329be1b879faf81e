#!/usr/bin/env node
// npm's `prepare` (run by `npm ci` / `npm install` in a checkout): builds dist/ so that
// `npx switchboard start --config FILE` works right after `npm ci`. Without the dev dependencies
// (`npm ci --omit=dev`, where dist/ must come from elsewhere) there is no compiler: say so, do not fail.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

try {
  createRequire(import.meta.url).resolve('typescript');
} catch {
  console.log('switchboard: dev dependencies not installed; skipping the build (run `npm run build` where they are)');
  process.exit(0);
}
const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(build.status ?? 1);

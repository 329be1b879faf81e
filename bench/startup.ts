// bench/startup: time from `switchboard start` (a new process) to /readyz 200 with the echo agent
// and the web channel on a fresh SQLite file, against the floor of starting Node itself (same run).
// Goal: <= 500 ms. Last line: {"bench":"startup","readyMs","nodeFloorMs","overheadMs"}.
import { spawnSync } from 'node:child_process';
import { startDaemonProcess } from './support/daemon-process.js';
import { percentile, printResult, printTable, round } from './support/report.js';

const runs = 10;

function nodeFloor(): number {
  const started = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - started;
}

const ready: number[] = [];
const floor: number[] = [];
for (let i = 0; i < runs; i++) {
  floor.push(nodeFloor());
  const daemon = await startDaemonProcess();
  ready.push(daemon.readyMs);
  await daemon.stop();
}
ready.sort((a, b) => a - b);
floor.sort((a, b) => a - b);
const readyMs = percentile(ready, 50);
const nodeFloorMs = percentile(floor, 50);
printTable([
  { what: 'switchboard start → /readyz 200', p50Ms: round(readyMs), maxMs: round(ready.at(-1)!) },
  { what: 'node -e 0 (floor)', p50Ms: round(nodeFloorMs), maxMs: round(floor.at(-1)!) },
]);
printResult('startup', { readyMs: round(readyMs), nodeFloorMs: round(nodeFloorMs), overheadMs: round(readyMs - nodeFloorMs) });

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli.js';

const unitPath = fileURLToPath(new URL('../../systemd/switchboard.service', import.meta.url));
const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  bin: Record<string, string>;
};
const unit = readFileSync(unitPath, 'utf8');
const directive = (name: string) =>
  unit
    .split('\n')
    .filter((line) => line.startsWith(`${name}=`))
    .map((line) => line.slice(name.length + 1));

describe('systemd/switchboard.service', () => {
  it('runs the CLI the package ships, with `start --config`', () => {
    const [execStart] = directive('ExecStart');
    const bin = packageJson.bin.switchboard!.replace(/^\.\//, '');
    expect(execStart).toMatch(new RegExp(`/node /opt/switchboard/${bin.replace(/[/.]/g, '\\$&')} start --config /etc/switchboard/`));
  });

  it('is hardened and runs as a dynamic user with state and config directories', () => {
    expect(directive('Type')).toEqual(['notify']);
    expect(directive('NotifyAccess')).toEqual(['all']);
    expect(directive('Restart')).toEqual(['on-failure']);
    expect(directive('DynamicUser')).toEqual(['yes']);
    expect(directive('StateDirectory')).toEqual(['switchboard']);
    expect(directive('ConfigurationDirectory')).toEqual(['switchboard']);
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX'],
      ['CapabilityBoundingSet', ''],
    ] as const) {
      expect(directive(key), key).toEqual([value]);
    }
    expect(directive('SystemCallFilter')).toContain('@system-service');
  });

  it('passes `systemd-analyze verify`', () => {
    const which = spawnSync('sh', ['-c', 'command -v systemd-analyze']);
    // .ci/run installs Debian's systemd package, so the tool is there in CI.
    expect(which.status, 'systemd-analyze is installed (.ci/run installs it)').toBe(0);
    const dir = tempDir('switchboard-unit-');
    const copy = join(dir, 'switchboard.service');
    copyFileSync(unitPath, copy);
    // verify checks that ExecStart's binary exists: point it at this machine's node.
    const node = execFileSync('sh', ['-c', 'command -v node']).toString().trim();
    const text = readFileSync(copy, 'utf8').replace('/usr/bin/node', node);
    writeFileSync(copy, text);
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', copy], { encoding: 'utf8' });
    const complaints = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((line) => line.includes('switchboard.service'));
    expect(complaints).toEqual([]);
    expect(result.status).toBe(0);
  });
});

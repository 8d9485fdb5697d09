import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runDashboardsCli } from '../../src/dashboards/cli';
import { renderDashboard } from '../../src/dashboards/build';

describe('llm-replay dashboards', () => {
  afterEach(() => vi.restoreAllMocks());
  const quiet = () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    return vi.spyOn(console, 'error').mockImplementation(() => {});
  };

  it('writes both dashboards into --dir, then --check finds them up to date', async () => {
    quiet();
    const dir = mkdtempSync(join(tmpdir(), 'dash-'));
    expect(await runDashboardsCli(['--dir', dir])).toBe(0);
    expect(readFileSync(join(dir, 'k6-llm-replay-influxdb.json'), 'utf8')).toBe(renderDashboard('influxdb'));
    expect(readFileSync(join(dir, 'k6-llm-replay-prometheus.json'), 'utf8')).toBe(renderDashboard('prometheus'));
    expect(await runDashboardsCli(['--check', `--dir=${dir}`])).toBe(0);
  });

  it('--check exits 1 and names the stale file', async () => {
    const err = quiet();
    const dir = mkdtempSync(join(tmpdir(), 'dash-'));
    await runDashboardsCli(['--dir', dir]);
    writeFileSync(join(dir, 'k6-llm-replay-prometheus.json'), '{}\n');
    expect(await runDashboardsCli(['--check', '--dir', dir])).toBe(1);
    expect(err.mock.calls.flat().join('\n')).toMatch(/k6-llm-replay-prometheus\.json is out of date/);
  });

  it('a bad flag is a usage error (exit 2) naming the flag; --help exits 0', async () => {
    const err = quiet();
    expect(await runDashboardsCli(['--chek'])).toBe(2);
    expect(err.mock.calls.flat().join('\n')).toMatch(/unknown argument '--chek'/);
    expect(await runDashboardsCli(['--dir'])).toBe(2);
    expect(await runDashboardsCli(['--help'])).toBe(0);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARD_FILES, PROVISIONED_DATASOURCES } from '../../src/dashboards/build';
import { parseInfluxDbUrl } from '../../src/outputs/influxdb';
import { parseRemoteWriteUrl } from '../../src/outputs/prometheus-rw';

// The compose file cannot run here (no Docker engine): check what it wires together instead.
const yaml = (path: string) => parse(readFileSync(path, 'utf8'));

interface Service { image: string; command?: string[]; ports?: string[]; volumes?: string[]; environment?: Record<string, string> }
const compose = yaml('deploy/docker-compose.yml') as { services: Record<string, Service> };

describe('deploy/: compose file and Grafana provisioning', () => {
  it('starts InfluxDB 1.8, Prometheus with the remote-write receiver and native histograms, and Grafana', () => {
    const { influxdb, prometheus, grafana } = compose.services;
    expect(influxdb.image).toBe('influxdb:1.8');
    expect(influxdb.environment?.INFLUXDB_DB).toBe('k6');
    expect(prometheus.command).toEqual(expect.arrayContaining(['--web.enable-remote-write-receiver', '--enable-feature=native-histograms']));
    expect(grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
  });

  it('tells users to run the engine CLI (not k6) with both outputs at the published ports and database', () => {
    const text = readFileSync('deploy/docker-compose.yml', 'utf8');
    const usage = text.split('\n').filter((l) => l.startsWith('#')).join('\n');
    expect(usage).toMatch(/llm-replay replay /);
    const outs = [...usage.matchAll(/--out (influxdb|prometheus-rw)=(\S+)/g)].map((m) => [m[1], m[2]]);
    expect(outs.map((o) => o[0])).toEqual(['influxdb', 'prometheus-rw']);
    const influx = parseInfluxDbUrl(outs[0][1]);
    expect(influx.db).toBe(compose.services.influxdb.environment?.INFLUXDB_DB);
    expect(compose.services.influxdb.ports).toContain(`127.0.0.1:${new URL(influx.base.shown).port}:8086`);
    const rw = new URL(parseRemoteWriteUrl(outs[1][1]).shown);
    expect(rw.pathname).toBe('/api/v1/write');
    expect(compose.services.prometheus.ports).toContain(`127.0.0.1:${rw.port}:9090`);
    for (const f of ['deploy/docker-compose.yml', 'deploy/prometheus/prometheus.yml', 'deploy/grafana/provisioning/datasources/k6-llm-replay.yml']) {
      expect(readFileSync(f, 'utf8'), f).not.toMatch(/build\/k6|dist\/replay\.js/);
    }
  });

  it('publishes ports on loopback only', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const p of s.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
  });

  it('mounts files that exist, and Grafana finds the dashboards where the provider looks', () => {
    const mounts = Object.values(compose.services).flatMap((s) => s.volumes ?? []).filter((v) => v.startsWith('.'));
    expect(mounts.length).toBeGreaterThanOrEqual(3);
    for (const m of mounts) expect(existsSync(join('deploy', m.split(':')[0])), m).toBe(true);
    const dashboardsMount = compose.services.grafana.volumes!.find((v) => v.startsWith('../dashboards:'))!.split(':')[1];
    const provider = yaml('deploy/grafana/provisioning/dashboards/k6-llm-replay.yml') as { providers: Array<{ type: string; options: { path: string } }> };
    expect(provider.providers[0]).toMatchObject({ type: 'file', options: { path: dashboardsMount } });
    const home = compose.services.grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(home.startsWith(`${dashboardsMount}/`)).toBe(true);
    expect(existsSync(join('dashboards', home.slice(dashboardsMount.length + 1)))).toBe(true);
  });

  it('provisions the data sources the dashboards default to, at the compose services', () => {
    const ds = (yaml('deploy/grafana/provisioning/datasources/k6-llm-replay.yml') as { datasources: Array<{ uid: string; type: string; url: string; jsonData?: { dbName?: string } }> }).datasources;
    for (const flavour of ['influxdb', 'prometheus'] as const) {
      const d = ds.find((x) => x.uid === PROVISIONED_DATASOURCES[flavour].uid);
      expect(d?.type).toBe(flavour);
      expect(new URL(d!.url).hostname).toBe(flavour);
      const dashboard = JSON.parse(readFileSync(DASHBOARD_FILES[flavour], 'utf8')) as { templating: { list: Array<{ name: string; current?: { value?: string } }> } };
      expect(dashboard.templating.list.find((v) => v.name === 'ds')?.current?.value).toBe(d!.uid);
    }
    expect(ds.find((x) => x.type === 'influxdb')?.jsonData?.dbName).toBe(compose.services.influxdb.environment?.INFLUXDB_DB);
  });
});

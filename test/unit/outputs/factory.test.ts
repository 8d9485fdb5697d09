import { describe, expect, it } from 'vitest';
import { createOutput, OutputSpecError, outputNames, registerOutput } from '../../../src/outputs/factory';
import { parseInfluxDbUrl } from '../../../src/outputs/influxdb';
import { parseRemoteWriteUrl } from '../../../src/outputs/prometheus-rw';

describe('--out values', () => {
  it('influxdb URL forms as k6 takes them: db in the path, optional prefix and credentials, default k6', () => {
    expect(parseInfluxDbUrl('http://127.0.0.1:8086/mydb')).toEqual({ base: { shown: 'http://127.0.0.1:8086', headers: {} }, db: 'mydb' });
    expect(parseInfluxDbUrl('https://h.example/influx/prod/k6').base.shown).toBe('https://h.example/influx/prod');
    expect(parseInfluxDbUrl('http://localhost:8086').db).toBe('k6');
    const auth = parseInfluxDbUrl('http://me:s%40cret@127.0.0.1:8086/db');
    expect(auth.base.shown).toBe('http://127.0.0.1:8086');
    expect(auth.base.headers.authorization).toBe(`Basic ${Buffer.from('me:s@cret').toString('base64')}`);
  });

  it('names outputs by their value, never showing credentials', () => {
    expect(createOutput('influxdb=http://u:p@127.0.0.1:8086/k6', { env: {} }).description).toBe('influxdb=http://127.0.0.1:8086/k6');
    expect(createOutput('prometheus-rw', { env: {} }).description).toBe('prometheus-rw=http://localhost:9090/api/v1/write');
    expect(createOutput('experimental-prometheus-rw', { env: { K6_PROMETHEUS_RW_SERVER_URL: 'http://10.0.0.1:9090/api/v1/write' } }).description)
      .toBe('prometheus-rw=http://10.0.0.1:9090/api/v1/write');
    expect(createOutput('prometheus-rw=http://127.0.0.1:1/x', { env: {} }).description).toBe('prometheus-rw=http://127.0.0.1:1/x');
  });

  it('bad values are usage errors naming the --out value and an example', () => {
    const err = (spec: string, env = {}) => {
      try {
        createOutput(spec, { env });
      } catch (e) {
        expect(e).toBeInstanceOf(OutputSpecError);
        return (e as Error).message;
      }
      throw new Error(`no error for ${spec}`);
    };
    expect(err('influx=http://x/db')).toMatch(/^--out influx=http:\/\/x\/db: unknown output "influx"; use one of influxdb=\.\.\., prometheus-rw=\.\.\./);
    expect(err('influxdb=localhost:8086/k6')).toMatch(/--out influxdb=localhost:8086\/k6: localhost: is not supported.*e\.g\. influxdb=http:\/\/127\.0\.0\.1:8086\/k6/);
    expect(err('influxdb=http://h/db?precision=ms')).toMatch(/K6_INFLUXDB_\*/);
    expect(err('prometheus-rw=http://127.0.0.1:9090')).toMatch(/give the write path too, \/api\/v1\/write/);
    expect(err('experimental-prometheus-rw=nope')).toMatch(/^--out experimental-prometheus-rw=nope: not a URL/);
    expect(err('influxdb=ftp://user:secret@h/db')).not.toContain('secret');
    expect(err('influxdb=http://h/db', { K6_INFLUXDB_PUSH_INTERVAL: 'often' })).toMatch(/K6_INFLUXDB_PUSH_INTERVAL=often: give a duration/);
    expect(err('influxdb=http://h/db', { K6_INFLUXDB_TAGS_AS_FIELDS: 'vu:long' })).toMatch(/"vu:long"/);
    expect(err('prometheus-rw', { K6_PROMETHEUS_RW_STALE_MARKERS: 'yes' })).toMatch(/K6_PROMETHEUS_RW_STALE_MARKERS=yes: use true or false/);
  });

  it('remote-write URLs take credentials from K6_PROMETHEUS_RW_USERNAME/PASSWORD when the URL has none', () => {
    expect(parseRemoteWriteUrl('http://a:b@h:9090/api/v1/write').headers.authorization).toBe(`Basic ${Buffer.from('a:b').toString('base64')}`);
    const o = createOutput('prometheus-rw=http://h:9090/api/v1/write', { env: { K6_PROMETHEUS_RW_USERNAME: 'x', K6_PROMETHEUS_RW_PASSWORD: 'y' } });
    expect(o.description).toBe('prometheus-rw=http://h:9090/api/v1/write');
  });

  it('other outputs (jsonl) plug in by name', () => {
    registerOutput(['test-null'], (arg, _ctx, flag) => ({ description: `${flag}:${arg}`, start: async () => {}, add: () => {}, stop: async () => {} }));
    expect(outputNames()).toContain('test-null');
    expect(createOutput('test-null=a=b').description).toBe('test-null=a=b:a=b');
  });
});

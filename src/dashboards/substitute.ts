// Grafana fills placeholders into a panel's query before sending it; to run a panel's query
// straight against InfluxDB or Prometheus we do the same, the way Grafana formats them for each
// data source. Unknown placeholders are an error, so a typo in a dashboard cannot pass. Pure.

import type { Flavour } from './grafana';

export interface QueryContext {
  fromMs: number;
  toMs: number;
  intervalMs: number;
  /** Prometheus: Grafana's $__rate_interval (>= 4 x the data's resolution). */
  rateIntervalMs: number;
  /** Template variables (run, model): one value, or several (multi-select). */
  vars: Record<string, string | string[]>;
}

/** Regex-escapes a variable value as Grafana does for =~ filters. */
function regexEscape(v: string): string {
  return v.replace(/[\\^$.|?*+()[\]{}/]/g, '\\$&');
}

function regexValue(v: string | string[]): string {
  const list = (Array.isArray(v) ? v : [v]).map(regexEscape);
  return list.length === 1 ? list[0] : `(${list.join('|')})`;
}

/** Variables Grafana leaves at "All" unless picked (a run outside a campaign has no such tags). */
const ALL_BY_DEFAULT = new Set(['campaign', 'point']);
const ALL = '$__all';

const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))}s`;

export function substitute(query: string, flavour: Flavour, ctx: QueryContext): string {
  const builtins: Record<string, string> = flavour === 'influxdb'
    ? {
      timeFilter: `time >= ${Math.floor(ctx.fromMs)}ms and time <= ${Math.ceil(ctx.toMs)}ms`,
      __interval_ms: String(ctx.intervalMs),
      __interval: `${ctx.intervalMs}ms`,
    }
    : {
      __rate_interval: seconds(ctx.rateIntervalMs),
      __range: seconds(ctx.toMs - ctx.fromMs),
      __interval: seconds(ctx.intervalMs),
    };
  return query.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
    if (name in builtins) return builtins[name];
    if (ctx.vars[name] === ALL || (ALL_BY_DEFAULT.has(name) && !(name in ctx.vars))) return '.*';
    if (name in ctx.vars) {
      const v = regexValue(ctx.vars[name]);
      // Inside a PromQL string literal a backslash must itself be escaped.
      return flavour === 'prometheus' ? v.replace(/\\/g, '\\\\') : v;
    }
    throw new Error(`unknown placeholder ${whole} in: ${query}`);
  });
}

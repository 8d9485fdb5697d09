// The report's charts as SVG files, drawn in Node by ECharts' server-side renderer from the
// same options the HTML page uses (src/report/charts.ts).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as echarts from 'echarts';
import type { ChartSpec } from './charts';

export interface SvgSize { width: number; height: number }

/** One chart to an SVG string. */
export function chartSvg(c: ChartSpec, size: SvgSize): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption({ backgroundColor: '#fff', ...c.option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Writes DIR/<chart id>.svg for every chart; returns the paths. */
export function writeSvgs(charts: ChartSpec[], dir: string, size: SvgSize): string[] {
  mkdirSync(dir, { recursive: true });
  return charts.map((c) => {
    const path = join(dir, `${c.id}.svg`);
    writeFileSync(path, chartSvg(c, size));
    return path;
  });
}

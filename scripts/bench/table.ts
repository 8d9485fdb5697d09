// The figures table a benchmark prints: sections of rows, each a figure and, where there is
// one, its goal and whether the figure meets it.

interface Row {
  label: string;
  value: string;
  goal?: string;
  met?: boolean;
}

export class FiguresTable {
  private readonly parts: Array<{ title: string; rows: Row[] }> = [];

  section(title: string): void {
    this.parts.push({ title, rows: [] });
  }

  row(label: string, value: string, goal?: string, met?: boolean): void {
    if (!this.parts.length) this.section('');
    this.parts[this.parts.length - 1].rows.push({ label, value, goal, met });
  }

  render(): string {
    const rows = this.parts.flatMap((p) => p.rows);
    const lw = Math.max(10, ...rows.map((r) => r.label.length));
    const vw = Math.max(10, ...rows.map((r) => r.value.length));
    const out: string[] = [];
    for (const p of this.parts) {
      out.push('', p.title);
      for (const r of p.rows) {
        const goal = r.goal ? `goal ${r.goal}: ${r.met ? 'met' : 'MISSED'}` : r.met === false ? 'MISSED' : '';
        out.push(`  ${r.label.padEnd(lw)}  ${r.value.padEnd(vw)}  ${goal}`.trimEnd());
      }
    }
    return out.join('\n');
  }
}

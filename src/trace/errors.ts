/** A bad trace row: the message names the file, the line and the field, and says how to fix it. */
export class TraceError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(`${file}:${line}${field ? `: field "${field}"` : ''}: ${reason}`);
    this.name = 'TraceError';
  }
}

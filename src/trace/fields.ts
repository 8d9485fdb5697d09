// Field checks shared by the trace readers: each failure names the file, line and field.

import { TraceError } from './errors';

export interface RowContext {
  file: string;
  line: number;
}

export function requireNonNegativeInt(row: Record<string, unknown>, field: string, ctx: RowContext): number {
  const v = row[field];
  if (v === undefined || v === null) throw new TraceError(ctx.file, ctx.line, field, 'is missing');
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new TraceError(ctx.file, ctx.line, field, `must be a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function requireNonNegativeNumber(row: Record<string, unknown>, field: string, ctx: RowContext): number {
  const v = row[field];
  if (v === undefined || v === null) throw new TraceError(ctx.file, ctx.line, field, 'is missing');
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new TraceError(ctx.file, ctx.line, field, `must be a non-negative number, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function optionalIntArray(row: Record<string, unknown>, field: string, ctx: RowContext): number[] | undefined {
  const v = row[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new TraceError(ctx.file, ctx.line, field, `must be an array of integers, got ${typeof v}`);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
      throw new TraceError(ctx.file, ctx.line, field, `element ${i} must be a non-negative integer, got ${JSON.stringify(x)}`);
    }
  }
  return v as number[];
}

/** Parses one JSON object line, with a TraceError naming the line when it is not one. */
export function parseJsonObjectLine(text: string, ctx: RowContext): Record<string, unknown> {
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch (e) {
    throw new TraceError(ctx.file, ctx.line, undefined, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw new TraceError(ctx.file, ctx.line, undefined, 'expected a JSON object');
  }
  return row as Record<string, unknown>;
}

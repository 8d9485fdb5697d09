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

export function optionalNonNegativeNumber(row: Record<string, unknown>, field: string, ctx: RowContext): number | undefined {
  const v = row[field];
  return v === undefined || v === null ? undefined : requireNonNegativeNumber(row, field, ctx);
}

export function optionalNonNegativeInt(row: Record<string, unknown>, field: string, ctx: RowContext): number | undefined {
  const v = row[field];
  return v === undefined || v === null ? undefined : requireNonNegativeInt(row, field, ctx);
}

export function optionalString(row: Record<string, unknown>, field: string, ctx: RowContext): string | undefined {
  const v = row[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new TraceError(ctx.file, ctx.line, field, `must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/** An id that may be written as a string or a number. */
export function optionalId(row: Record<string, unknown>, field: string, ctx: RowContext): string | undefined {
  const v = row[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new TraceError(ctx.file, ctx.line, field, `must be a string or a number, got ${JSON.stringify(v)}`);
}

export function requireArray(row: Record<string, unknown>, field: string, ctx: RowContext): unknown[] {
  const v = row[field];
  if (v === undefined || v === null) throw new TraceError(ctx.file, ctx.line, field, 'is missing');
  if (!Array.isArray(v)) throw new TraceError(ctx.file, ctx.line, field, `must be an array, got ${typeof v}`);
  return v;
}

export function optionalObject(row: Record<string, unknown>, field: string, ctx: RowContext): Record<string, unknown> | undefined {
  const v = row[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new TraceError(ctx.file, ctx.line, field, `must be a JSON object, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

/** A CSV cell holding a number (papaparse gives strings): non-negative, finite. */
export function csvNonNegativeNumber(cells: Record<string, string>, field: string, ctx: RowContext): number {
  const text = (cells[field] ?? '').trim();
  if (text === '') throw new TraceError(ctx.file, ctx.line, field, 'is empty');
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0) throw new TraceError(ctx.file, ctx.line, field, `must be a non-negative number, got ${JSON.stringify(text)}`);
  return v;
}

/** A CSV cell holding a token count; "12.0" is accepted as 12, "12.5" is not. */
export function csvNonNegativeInt(cells: Record<string, string>, field: string, ctx: RowContext): number {
  const v = csvNonNegativeNumber(cells, field, ctx);
  if (!Number.isInteger(v)) throw new TraceError(ctx.file, ctx.line, field, `must be a whole number, got ${JSON.stringify(cells[field])}`);
  return v;
}

// What the simulator's option tables are made of: a flag's definition and the checked reading
// of a number, shared by options.ts and the modules that add flag groups (offload-options.ts).

export type Kind = 'string' | 'boolean';

export interface OptDef {
  name: string;
  kind: Kind;
  arg?: string;
  group: string;
  help: string;
  /** Shown in --help; presets fill engine defaults. */
  def?: string;
}

export class OptionsError extends Error {
  override name = 'OptionsError';
}

/** A flag's number, checked; undefined when the flag is absent. Errors name the flag. */
export function num(v: string | undefined, flag: string, opts: { int?: boolean; min?: number; max?: number; gt?: number } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new OptionsError(`--${flag}: expected a number, got "${v}"`);
  if (opts.int && !Number.isInteger(n)) throw new OptionsError(`--${flag}: expected a whole number, got "${v}"`);
  if (opts.min !== undefined && n < opts.min) throw new OptionsError(`--${flag}: must be at least ${opts.min}, got ${n}`);
  if (opts.gt !== undefined && !(n > opts.gt)) throw new OptionsError(`--${flag}: must be more than ${opts.gt}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw new OptionsError(`--${flag}: must be at most ${opts.max}, got ${n}`);
  return n;
}

// Typed reading of k6 `-e NAME=value` options: each bad value fails with a message that names
// the option and says what it takes.

export type EnvMap = Record<string, string | undefined>;

export class OptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionError';
  }
}

/** How a bad option is named in messages: `-e NAME=value` for k6, `--name value` for the CLI. */
export type OptionLabel = (name: string, raw: string) => string;

export const k6Label: OptionLabel = (name, raw) => `-e ${name}=${raw}`;

export class EnvReader {
  constructor(private readonly env: EnvMap, readonly label: OptionLabel = k6Label) {}

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v === '' ? fallback : v;
  }

  number(name: string, fallback: number, check?: (n: number) => boolean, what?: string): number;
  number(name: string, fallback: undefined, check?: (n: number) => boolean, what?: string): number | undefined;
  number(name: string, fallback: number | undefined, check: (n: number) => boolean = () => true, what = 'a number'): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || !check(n)) throw new OptionError(`${this.label(name, raw)}: must be ${what}`);
    return n;
  }

  positive(name: string, fallback: number): number;
  positive(name: string, fallback?: undefined): number | undefined;
  positive(name: string, fallback?: number): number | undefined {
    return this.number(name, fallback as number, (n) => n > 0, 'a positive number');
  }

  count(name: string, fallback: number): number;
  count(name: string, fallback?: undefined): number | undefined;
  count(name: string, fallback?: number): number | undefined {
    return this.number(name, fallback as number, (n) => Number.isInteger(n) && n >= 0, 'a whole number >= 0');
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const v = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new OptionError(`${this.label(name, raw)}: must be true or false`);
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!(choices as readonly string[]).includes(raw)) throw new OptionError(`${this.label(name, raw)}: must be one of ${choices.join(', ')}`);
    return raw as T;
  }
}

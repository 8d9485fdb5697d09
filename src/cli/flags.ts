// Command-line flags: a declarative table per subcommand gives parsing, `--help` text and the
// names in error messages. Values land in an option map keyed by the option's NAME (the same
// names the k6 export takes as -e NAME=value), so one reader (src/config) serves both.

import { OptionError, type EnvMap, type OptionLabel } from '../config/env';

export interface FlagSpec {
  /** Long flag without dashes, e.g. "base-url". */
  flag: string;
  /** Option name in the map; default: the flag upper-cased with _ (base-url -> BASE_URL). */
  name?: string;
  /** bool flags take no value (--x sets true, --no-x false); list flags may repeat. */
  kind?: 'value' | 'bool' | 'list';
  /** Placeholder in the help, e.g. "URL". */
  value?: string;
  default?: string;
  help: string;
}


export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedFlags {
  /** Single-valued options by NAME. */
  options: EnvMap;
  /** Repeatable options by NAME, in order. */
  lists: Record<string, string[]>;
  positional: string[];
  help: boolean;
}

export function optionName(f: FlagSpec): string {
  return f.name ?? f.flag.toUpperCase().replace(/-/g, '_');
}

/** Parses argv against `specs`; unknown or malformed flags throw a UsageError naming them. */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], command: string): ParsedFlags {
  const byFlag = new Map(specs.map((s) => [s.flag, s]));
  const out: ParsedFlags = { options: {}, lists: {}, positional: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (arg === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let flag = arg.slice(2, eq < 0 ? undefined : eq);
    let inline = eq < 0 ? undefined : arg.slice(eq + 1);
    let spec = byFlag.get(flag);
    if (!spec && flag.startsWith('no-') && byFlag.get(flag.slice(3))?.kind === 'bool') {
      spec = byFlag.get(flag.slice(3));
      flag = flag.slice(3);
      inline = 'false';
    }
    if (!spec) throw new UsageError(`${command}: unknown flag --${flag} (see ${command} --help)`);
    const name = optionName(spec);
    if (spec.kind === 'bool') {
      out.options[name] = inline ?? 'true';
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`${command}: --${flag} needs a value: --${flag} ${spec.value ?? 'VALUE'}`);
      value = argv[++i];
    }
    if (spec.kind === 'list') (out.lists[name] ??= []).push(value);
    else out.options[name] = value;
  }
  return out;
}

/** Names options the way the user typed them: --flag value. */
export function flagLabel(specs: readonly FlagSpec[]): OptionLabel {
  const byName = new Map(specs.map((s) => [optionName(s), s.flag]));
  return (name, raw) => `--${byName.get(name) ?? name.toLowerCase().replace(/_/g, '-')} ${raw}`;
}

/** The --help text: usage, then one aligned line per flag. */
export function renderHelp(usage: string, specs: readonly FlagSpec[], footer = ''): string {
  const left = specs.map((s) => `  --${s.flag}${s.kind === 'bool' ? '' : ` ${s.value ?? 'VALUE'}`}`);
  const width = Math.min(36, Math.max(...left.map((l) => l.length)) + 2);
  const lines = specs.map((s, i) => {
    const def = s.default !== undefined ? ` (default: ${s.default})` : '';
    const l = left[i];
    return l.length >= width ? `${l}\n${' '.repeat(width)}${s.help}${def}` : `${l.padEnd(width)}${s.help}${def}`;
  });
  return `${usage}\n\n${lines.join('\n')}\n  --help${' '.repeat(Math.max(1, width - 8))}this help\n${footer ? `\n${footer}\n` : ''}`;
}

/** Turns a config reader's OptionError into a usage error (exit 2). */
export function asUsage<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof OptionError) throw new UsageError(e.message);
    throw e;
  }
}

// Command-line flags from an object, for spawning the engine CLI in tests:
// { 'base-url': 'http://...', users: 4 } -> ['--base-url', 'http://...', '--users', '4'].

export function flagArgs(vars: Record<string, string | number | boolean>): string[] {
  const out: string[] = [];
  for (const [name, v] of Object.entries(vars)) {
    if (v === true) out.push(`--${name}`);
    else if (v === false) out.push(`--no-${name}`);
    else out.push(`--${name}`, String(v));
  }
  return out;
}

// The process's exit codes, as k6's: what a CI pipeline reads of a run.

/** Exit codes, as k6 uses them where k6 has one. */
export const EXIT = { ok: 0, startFailed: 1, usage: 2, thresholds: 99, interrupted: 130 } as const;

// What each simulator fault (src/sim/faults.ts) must make of a request in the engine's records.

/** The failure reason each fault must produce; null = the request still succeeds (only slower). */
export function expectedReason(fault: string | null, timeouts = false): string | null {
  if (!fault) return null;
  if (fault.startsWith('status=')) return `http_${fault.slice('status='.length)}`;
  if (fault.startsWith('cut')) return 'stream_eof';
  if (fault.startsWith('reset')) return 'stream_reset';
  if (fault.startsWith('malformed')) return 'malformed_chunk';
  if (fault.startsWith('mid-error')) return 'stream_error';
  return timeouts ? 'timeout' : null; // stall, slow-first-byte
}

// A reader for the classic pcap file format (what `tcpdump -w` writes), enough for IPv4/IPv6 TCP
// on loopback: a 24-byte global header (magic, link type), then per packet a 16-byte record
// header (ts_sec, ts_usec or ts_nsec, captured length, original length) and the captured bytes.
// Timestamps are the kernel's (CLOCK_REALTIME), in Unix ms with a sub-ms fraction.

export interface TcpPacket {
  /** Kernel capture time, Unix ms. */
  tsMs: number;
  srcPort: number;
  dstPort: number;
  /** TCP flags byte (SYN 0x02, FIN 0x01, RST 0x04, ACK 0x10). */
  flags: number;
  /** TCP payload as captured (may be cut at the snap length). */
  payload: Buffer;
}

export const TCP_SYN = 0x02;

const LINK_NULL = 0;
const LINK_ETHERNET = 1;
const LINK_RAW = 101;
const LINK_LINUX_SLL = 113;
const LINK_LINUX_SLL2 = 276;

/** Bytes before the IP header for each supported link type. */
function linkHeaderLength(linkType: number): number {
  switch (linkType) {
    case LINK_ETHERNET: return 14;
    case LINK_LINUX_SLL: return 16;
    case LINK_LINUX_SLL2: return 20;
    case LINK_NULL: return 4;
    case LINK_RAW: return 0;
    default: throw new Error(`pcap: link type ${linkType} is not supported (capture on lo with tcpdump -i lo)`);
  }
}

/** The TCP packets of a pcap file, in capture order. */
export function readPcap(file: Buffer): TcpPacket[] {
  if (file.length < 24) throw new Error('pcap: file shorter than its global header');
  const magicLE = file.readUInt32LE(0);
  let little: boolean;
  let nanos: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    little = true;
    nanos = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = file.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) throw new Error('pcap: not a pcap file (pcapng is not supported: use tcpdump -w)');
    little = false;
    nanos = magicBE === 0xa1b23c4d;
  }
  const u32 = (at: number) => (little ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const linkLen = linkHeaderLength(u32(20) & 0xfff);
  const packets: TcpPacket[] = [];
  for (let at = 24; at + 16 <= file.length;) {
    const sec = u32(at);
    const frac = u32(at + 4);
    const caplen = u32(at + 8);
    const start = at + 16;
    at = start + caplen;
    if (at > file.length) break; // cut off by the capture's end
    const p = parseTcp(file.subarray(start + linkLen, start + caplen));
    if (p) packets.push({ tsMs: sec * 1000 + (nanos ? frac / 1e6 : frac / 1e3), ...p });
  }
  return packets;
}

function parseTcp(ip: Buffer): Omit<TcpPacket, 'tsMs'> | undefined {
  if (ip.length < 20) return undefined;
  const version = ip[0] >> 4;
  let tcpAt: number;
  let ipEnd: number;
  if (version === 4) {
    if (ip[9] !== 6) return undefined;
    tcpAt = (ip[0] & 0x0f) * 4;
    ipEnd = Math.min(ip.length, ip.readUInt16BE(2));
  } else if (version === 6) {
    if (ip.length < 40 || ip[6] !== 6) return undefined; // no extension headers on loopback TCP
    tcpAt = 40;
    ipEnd = Math.min(ip.length, 40 + ip.readUInt16BE(4));
  } else {
    return undefined;
  }
  if (tcpAt + 20 > ip.length) return undefined;
  const dataAt = tcpAt + (ip[tcpAt + 12] >> 4) * 4;
  return {
    srcPort: ip.readUInt16BE(tcpAt),
    dstPort: ip.readUInt16BE(tcpAt + 2),
    flags: ip[tcpAt + 13],
    // With GSO on loopback the IP total length can exceed what was captured: keep what is there.
    payload: ip.subarray(Math.min(dataAt, ipEnd), ipEnd > dataAt ? ipEnd : dataAt),
  };
}

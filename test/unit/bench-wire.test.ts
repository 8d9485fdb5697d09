// The bench's pcap reader and wire matching on a capture built byte by byte: Ethernet + IPv4 +
// TCP records as tcpdump writes them on lo, one keep-alive connection with two requests.

import { describe, expect, it } from 'vitest';
import { readPcap, TCP_SYN } from '../../scripts/bench/pcap';
import { wireExchanges } from '../../scripts/bench/wire';

const SERVER = 8000;
const CLIENT = 40000;

function packet(tsMs: number, src: number, dst: number, flags: number, payload: string): Buffer {
  const data = Buffer.from(payload, 'latin1');
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + data.length, 2);
  ip[9] = 6;
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(src, 0);
  tcp.writeUInt16BE(dst, 2);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  const frame = Buffer.concat([eth, ip, tcp, data]);
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(Math.floor(tsMs / 1000), 0);
  rec.writeUInt32LE(Math.round((tsMs % 1000) * 1000), 4);
  rec.writeUInt32LE(frame.length, 8);
  rec.writeUInt32LE(frame.length, 12);
  return Buffer.concat([rec, frame]);
}

function pcap(packets: Buffer[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20); // Ethernet, as on lo
  return Buffer.concat([head, ...packets]);
}

const request = (id: string) => `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nX-Request-Id: ${id}\r\ncontent-length: 2\r\n\r\n{}`;
const role = 'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n';
const token = 'data: {"choices":[{"delta":{"content":" a"}}]}\n\n';

describe('bench wire matching', () => {
  const file = pcap([
    packet(1000.0, CLIENT, SERVER, TCP_SYN, ''),
    packet(1000.1, SERVER, CLIENT, TCP_SYN | 0x10, ''),
    packet(1000.5, CLIENT, SERVER, 0x18, request('r-1')),
    packet(1001.0, SERVER, CLIENT, 0x10, ''), // a bare ACK is no response packet
    packet(1002.0, SERVER, CLIENT, 0x18, 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n'),
    packet(1003.0, SERVER, CLIENT, 0x18, role),
    packet(1004.25, SERVER, CLIENT, 0x18, token),
    packet(1006.0, SERVER, CLIENT, 0x18, '0\r\n\r\n'),
    packet(1010.0, CLIENT, SERVER, 0x18, request('r-2')),
    packet(1012.5, SERVER, CLIENT, 0x18, `HTTP/1.1 200 OK\r\n\r\n${role}${token}`),
    packet(1013.0, SERVER, CLIENT, 0x18, 'data: [DONE]\n\n'),
  ]);

  it('reads every TCP packet with its kernel time (sub-ms) and ports', () => {
    const ps = readPcap(file);
    expect(ps).toHaveLength(11);
    expect(ps[6].tsMs).toBeCloseTo(1004.25, 6);
    expect(ps[2]).toMatchObject({ srcPort: CLIENT, dstPort: SERVER });
    expect(ps[2].payload.toString('latin1')).toContain('X-Request-Id: r-1');
  });

  it('finds each request\'s send, SYN, first token packet (not the role chunk) and last packet', () => {
    const w = wireExchanges(readPcap(file), SERVER);
    expect(w.get('r-1')).toEqual({ id: 'r-1', sendMs: 1000.5, synMs: 1000, firstTokenMs: 1004.25, lastMs: 1006, complete: true, tokenEventMs: [1004.25] });
    // The second request on the same connection did not open it: no SYN.
    expect(w.get('r-2')).toEqual({ id: 'r-2', sendMs: 1010, synMs: undefined, firstTokenMs: 1012.5, lastMs: 1013, complete: true, tokenEventMs: [1012.5] });
  });

  it('names a request that sent no id by the id the server echoes in its response header', () => {
    const anon = 'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}';
    const w = wireExchanges(readPcap(pcap([
      packet(2000.0, CLIENT + 1, SERVER, TCP_SYN, ''),
      packet(2000.5, CLIENT + 1, SERVER, 0x18, anon),
      packet(2002.0, SERVER, CLIENT + 1, 0x18, `HTTP/1.1 200 OK\r\nx-request-id: sim-7\r\n\r\n${role}`),
      packet(2003.0, SERVER, CLIENT + 1, 0x18, token),
      packet(2004.0, SERVER, CLIENT + 1, 0x18, 'data: [DONE]\n\n'),
      packet(2010.0, CLIENT + 1, SERVER, 0x18, anon),
      packet(2011.0, SERVER, CLIENT + 1, 0x18, 'HTTP/1.1 200 OK\r\n\r\n'), // neither side names it: left out
    ])), SERVER);
    expect([...w.keys()]).toEqual(['sim-7']);
    expect(w.get('sim-7')).toEqual({ id: 'sim-7', sendMs: 2000.5, synMs: 2000, firstTokenMs: 2003, lastMs: 2004, complete: true, tokenEventMs: [2003] });
  });

  it('stamps every token event with the packet that ended it, events split across packets too', () => {
    const w = wireExchanges(readPcap(pcap([
      packet(3000.0, CLIENT + 2, SERVER, 0x18, request('r-3')),
      packet(3001.0, SERVER, CLIENT + 2, 0x18, `HTTP/1.1 200 OK\r\n\r\n${role}${token}${token}`),
      packet(3002.0, SERVER, CLIENT + 2, 0x18, token.slice(0, 20)),
      packet(3003.0, SERVER, CLIENT + 2, 0x18, `${token.slice(20)}${token}data: [DONE]\n\n`),
    ])), SERVER);
    expect(w.get('r-3')!.tokenEventMs).toEqual([3001, 3001, 3003, 3003]);
  });

  it('rejects what is not a pcap file, naming pcapng', () => {
    expect(() => readPcap(Buffer.alloc(32))).toThrow(/pcapng/);
  });
});

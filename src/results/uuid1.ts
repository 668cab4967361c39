import { randomBytes } from 'node:crypto';

/**
 * RFC 4122 version-1 UUIDs, the form upstream gives new groups (time-based, so ids sort roughly by
 * creation). The node id is random with the multicast bit set, as the RFC asks when no MAC is used.
 */
const node = randomBytes(6);
node[0] |= 0x01;
const clockSeq = randomBytes(2).readUInt16BE(0) & 0x3fff;
let lastTicks = 0n;

export function uuid1(): string {
  // 100-ns intervals since 1582-10-15, the UUID epoch.
  let ticks = BigInt(Date.now()) * 10000n + 0x01b21dd213814000n;
  if (ticks <= lastTicks) ticks = lastTicks + 1n;
  lastTicks = ticks;
  const low = ticks & 0xffffffffn;
  const mid = (ticks >> 32n) & 0xffffn;
  const high = ((ticks >> 48n) & 0x0fffn) | 0x1000n;
  const hex = (n: bigint | number, w: number) => n.toString(16).padStart(w, '0');
  const seq = (clockSeq & 0x3fff) | 0x8000;
  return `${hex(low, 8)}-${hex(mid, 4)}-${hex(high, 4)}-${hex(seq, 4)}-${node.toString('hex')}`;
}


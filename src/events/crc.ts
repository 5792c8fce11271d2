// CRC-32 (IEEE, zlib's) in JavaScript, and the algebra that lets a run of frames be checked with one
// native zlib.crc32 call instead of one JavaScript CRC per frame (see checkedRun in frame.ts).
//
// The CRC register `r` (the inverse of the CRC value) moves over a message of n bytes as
//   r' = shift(r, n) ⊕ k(message),
// where shift(r, n) multiplies r by x^(8n) modulo the CRC polynomial and k depends on the bytes only.
// Both are linear over GF(2), bit-reflected as zlib's CRC is.
import { viewOf } from './view.js';

const POLY = 0xedb88320;

// CRC-32 sliced by 16 bytes. zlib's crc32 takes no offsets, so each frame would need a view of its
// payload, and the call alone costs more than checksumming a record of ~100 bytes in JavaScript.
// CRC_TABLES[k][b] is the CRC step of byte b followed by k zero bytes.
const SLICES = 16;
const CRC_TABLES = ((): Int32Array[] => {
  const first = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    first[n] = c;
  }
  const tables = [first];
  for (let k = 1; k < SLICES; k++) tables.push(tables[k - 1].map((c) => first[c & 0xff] ^ (c >>> 8)));
  return tables;
})();
const [T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15] = CRC_TABLES as [
  Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array,
  Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array,
];

// CRC-32 of buf[start, end), continuing from `crc` (the CRC of the bytes before them; 0 for none).
export function crc32Of(buf: Uint8Array, start: number, end: number, crc: number): number {
  const dv = viewOf(buf);
  let c = ~crc;
  let i = start;
  for (; i + 16 <= end; i += 16) {
    const a = c ^ dv.getInt32(i, true);
    const b = dv.getInt32(i + 4, true);
    const d = dv.getInt32(i + 8, true);
    const e = dv.getInt32(i + 12, true);
    c = T15[a & 0xff] ^ T14[(a >>> 8) & 0xff] ^ T13[(a >>> 16) & 0xff] ^ T12[a >>> 24]
      ^ T11[b & 0xff] ^ T10[(b >>> 8) & 0xff] ^ T9[(b >>> 16) & 0xff] ^ T8[b >>> 24]
      ^ T7[d & 0xff] ^ T6[(d >>> 8) & 0xff] ^ T5[(d >>> 16) & 0xff] ^ T4[d >>> 24]
      ^ T3[e & 0xff] ^ T2[(e >>> 8) & 0xff] ^ T1[(e >>> 16) & 0xff] ^ T0[e >>> 24];
  }
  for (; i < end; i++) c = T0[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** The register before any byte. */
export const CRC_INIT = ~0;

// The register after the 4 bytes of little-endian word `w`, from register `r`.
export function crcWord(r: number, w: number): number {
  const x = r ^ w;
  return T3[x & 0xff] ^ T2[(x >>> 8) & 0xff] ^ T1[(x >>> 16) & 0xff] ^ T0[x >>> 24];
}

// The register after the 8 bytes of little-endian words `w0` then `w1`, from register `r`.
export function crcWords(r: number, w0: number, w1: number): number {
  const x = r ^ w0;
  return T7[x & 0xff] ^ T6[(x >>> 8) & 0xff] ^ T5[(x >>> 16) & 0xff] ^ T4[x >>> 24]
    ^ T3[w1 & 0xff] ^ T2[(w1 >>> 8) & 0xff] ^ T1[(w1 >>> 16) & 0xff] ^ T0[w1 >>> 24];
}

// a · b modulo the polynomial (bit-reflected: x^0 is the top bit), as zlib's multmodp.
function multModP(a: number, b: number): number {
  let m = 1 << 31;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p;
}

/** X_2N[k] = x^(2^k) modulo the polynomial. */
const X_2N = ((): number[] => {
  const t = [1 << 30]; // x^1
  for (let k = 1; k < 32; k++) t.push(multModP(t[k - 1]!, t[k - 1]!));
  return t;
})();

// x^(8n) modulo the polynomial: what shifting a register over n bytes multiplies it by.
function bytePower(n: number): number {
  let p = 1 << 31; // x^0
  for (let k = 3; n !== 0; n >>>= 1, k++) if (n & 1) p = multModP(X_2N[k & 31]!, p);
  return p;
}

/** Multiplication tables of shift(·, n), by n: four of 256 entries each, one per byte of the register. */
const shiftTables = new Map<number, Int32Array>();
/** Byte counts given a table (4 KiB each); others multiply bit by bit. A log's records come in few sizes. */
const MAX_SHIFT_TABLES = 64;
/** x^(8n) of the byte counts without a table. */
const powers = new Map<number, number>();

// shift(r, n): the register `r` moved over n bytes of zeros.
export function crcShift(r: number, n: number): number {
  const t = shiftTables.get(n) ?? shiftTableOf(n);
  if (t !== undefined) return t[r & 0xff] ^ t[256 | ((r >>> 8) & 0xff)] ^ t[512 | ((r >>> 16) & 0xff)] ^ t[768 | (r >>> 24)];
  let k = powers.get(n);
  if (k === undefined) powers.set(n, (k = bytePower(n)));
  return multModP(k, r);
}

// A new table for shifting over n bytes, or undefined once there are enough. The product is linear
// in the register, so each entry is the XOR of the products of its bits, 32 products in all.
function shiftTableOf(n: number): Int32Array | undefined {
  if (shiftTables.size >= MAX_SHIFT_TABLES) return undefined;
  const k = bytePower(n);
  const t = new Int32Array(1024);
  for (let byte = 0; byte < 4; byte++) {
    const row = byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      const high = 1 << bit;
      const product = multModP(k, (high << (8 * byte)) >>> 0);
      for (let b = 0; b < high; b++) t[row | high | b] = t[row | b] ^ product;
    }
  }
  shiftTables.set(n, t);
  return t;
}

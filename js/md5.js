// Incremental MD5, so the browser can hash a file chunk by chunk while it streams.
// (SubtleCrypto has no MD5 and no incremental digests.)

const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) | 0;
const SHIFT = new Uint8Array([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);
const WORD = new Uint8Array(64);
for (let i = 0; i < 64; i++) {
  WORD[i] = i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16;
}

/**
 * @param {Int32Array} h state, updated in place
 * @param {Int32Array} w little-endian message words
 * @param {number} base index of the block's first word in `w`
 */
function block(h, w, base) {
  let a = h[0], b = h[1], c = h[2], d = h[3];
  for (let i = 0; i < 64; i++) {
    let f;
    if (i < 16) f = (b & c) | (~b & d);
    else if (i < 32) f = (d & b) | (~d & c);
    else if (i < 48) f = b ^ c ^ d;
    else f = c ^ (b | ~d);
    const x = (a + f + K[i] + w[base + WORD[i]]) | 0;
    const s = SHIFT[i];
    a = d;
    d = c;
    c = b;
    b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
  }
  h[0] = (h[0] + a) | 0;
  h[1] = (h[1] + b) | 0;
  h[2] = (h[2] + c) | 0;
  h[3] = (h[3] + d) | 0;
}

export class Md5 {
  constructor() {
    this.h = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
    this.pending = new Uint8Array(64);
    this.pendingWords = new Int32Array(this.pending.buffer);
    this.pendingLength = 0;
    this.total = 0;
  }

  /** @param {Uint8Array} bytes */
  update(bytes) {
    let pos = 0;
    const n = bytes.length;
    this.total += n;
    if (this.pendingLength > 0) {
      const take = Math.min(64 - this.pendingLength, n);
      this.pending.set(bytes.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      pos = take;
      if (this.pendingLength < 64) return;
      block(this.h, this.pendingWords, 0);
      this.pendingLength = 0;
    }
    const blocks = Math.floor((n - pos) / 64);
    if (blocks > 0) {
      const start = bytes.byteOffset + pos;
      if (start % 4 === 0) {
        const words = new Int32Array(bytes.buffer, start, blocks * 16);
        for (let i = 0; i < blocks; i++) block(this.h, words, i * 16);
      } else {
        for (let i = 0; i < blocks; i++) {
          this.pending.set(bytes.subarray(pos + i * 64, pos + i * 64 + 64));
          block(this.h, this.pendingWords, 0);
        }
      }
      pos += blocks * 64;
    }
    if (pos < n) {
      this.pending.set(bytes.subarray(pos), 0);
      this.pendingLength = n - pos;
    }
  }

  /** @returns {Md5} an independent copy, e.g. to read the digest of a prefix and go on hashing */
  clone() {
    const copy = new Md5();
    copy.h.set(this.h);
    copy.pending.set(this.pending);
    copy.pendingLength = this.pendingLength;
    copy.total = this.total;
    return copy;
  }

  /** @returns {string} the hex digest; the hash cannot be updated afterwards */
  hex() {
    const bits = this.total * 8;
    const tail = new Uint8Array(this.pendingLength < 56 ? 64 : 128);
    tail.set(this.pending.subarray(0, this.pendingLength));
    tail[this.pendingLength] = 0x80;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, bits % 4294967296, true);
    view.setUint32(tail.length - 4, Math.floor(bits / 4294967296), true);
    const words = new Int32Array(tail.buffer);
    for (let i = 0; i < tail.length / 64; i++) block(this.h, words, i * 16);
    let out = "";
    const bytes = new Uint8Array(this.h.buffer);
    for (let i = 0; i < 16; i++) out += bytes[i].toString(16).padStart(2, "0");
    return out;
  }
}

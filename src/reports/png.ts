/** A minimal PNG encoder (8-bit truecolour, no interlace) on node:zlib; enough for a bar chart. */
import zlib from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let table: Uint32Array | undefined;
/** CRC-32 (ISO-HDLC, as PNG uses), table-driven; used where `zlib.crc32` (Node ≥ 20.15) is absent. */
export function crc32Fallback(data: Uint8Array, crc = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (const b of data) c = table[(c ^ b) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const nativeCrc = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
export const crc32 = (data: Uint8Array): number => (nativeCrc ? nativeCrc(data) : crc32Fallback(data)) >>> 0;

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGB raster, row-major, 3 bytes a pixel. */
export interface Raster {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export function encodePng({ width, height, rgb }: Raster): Buffer {
  if (rgb.length !== width * height * 3) throw new Error('encodePng: raster size mismatch');
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  const stride = width * 3;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type None
    raw.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** Little-endian encodings of the small integers IOCTL inputs carry. */
export function encodeU32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

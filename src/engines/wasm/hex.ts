/**
 * Bytes from lowercase hex: how the bundles inline the Wasm modules. Hex keeps every byte
 * in two characters, so gzip still sees the module's repeated byte sequences; base64 packs
 * 3 bytes into 4 characters and spreads each sequence over three encodings (the SIMD module
 * gzips to 24.7 kB as hex, 32.0 kB as base64).
 */
export function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  // '0'…'9' are 0x30…0x39 and 'a'…'f' 0x61…0x66: the low four bits, plus 9 for letters.
  const nibble = (code: number) => (code & 15) + (code >> 6) * 9;
  for (let i = 0; i < bytes.length; i++) bytes[i] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1));
  return bytes;
}

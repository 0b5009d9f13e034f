/**
 * scalar-sync.ts in the CommonJS bundle (scripts/bundle.mjs swaps it in): the scalar build's
 * file is required when first asked for, where a static import would be a require at the top of
 * index.cjs that loads it at startup.
 */
declare const require: (path: string) => { bytes: Uint8Array };

/** The scalar build's bytes, now. */
export function scalarBytesSync(): Uint8Array {
  return require("./scalar-bytes.js").bytes;
}

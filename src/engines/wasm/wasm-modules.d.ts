/** The bundler (esbuild's binary loader, or the test configuration) turns .wasm imports into bytes. */
declare module "*.wasm" {
  const bytes: Uint8Array;
  export default bytes;
}

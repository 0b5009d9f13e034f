/** What a call threw, for the tests that assert on errors. */
import { KLError } from "../src/index.js";

/** The error `f` throws, or undefined. */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** A readable description of what `thrown` returned. */
export function show(error: unknown): string {
  if (error === undefined) return "no error";
  if (error instanceof KLError) return `KLError ${error.code} ${error.argument} index=${error.index} "${error.message}"`;
  return `${(error as Error)?.constructor?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}`;
}

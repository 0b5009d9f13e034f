/**
 * What went wrong, for programs: one of these codes.
 * @example
 * try { kl.kl(p, q); } catch (e) {
 *   if (e instanceof KLError && e.code === "LENGTH_MISMATCH") console.log(`${e.argument} has the wrong length`);
 *   else throw e;
 * }
 */
export type KLErrorCode =
  | "NAN"
  | "NEGATIVE"
  | "INFINITE"
  | "LENGTH_MISMATCH"
  | "EMPTY"
  | "BAD_ROWS"
  | "BAD_OPTION"
  | "NOT_A_VECTOR"
  | "BAD_SHAPE"
  | "ZERO_SUM"
  | "NO_MASS"
  | "NOT_SPD"
  | "STALE_VIEW"
  | "TOO_LARGE"
  | "ABORTED"
  | "TERMINATED";

/**
 * The one error klwasm throws for bad input. `argument` names the parameter at fault
 * (`p`, `q`, `target`, `approx`, `options.rows`, …) and `index` the first bad element,
 * where one element is at fault.
 * @example
 * try { kl.kl([0.5, NaN], [0.5, 0.5]); }
 * catch (e) { if (e instanceof KLError) console.log(e.code, e.argument, e.index); } // NAN p 1
 */
export class KLError extends Error {
  // Minifiers rename classes (`class l extends Error`: Node then prints `l [KLError]`), ours in
  // dist/ and an application's bundler alike: the class keeps its own name in every bundle.
  static {
    Object.defineProperty(this, "name", { value: "KLError" });
  }

  /** What went wrong, for programs. */
  readonly code: KLErrorCode;
  /** The parameter at fault: `p`, `q`, `target`, `approx`, `options.rows`, … */
  readonly argument: string;
  /** The first bad element (or row, for ZERO_SUM and NO_MASS), where one is at fault. */
  readonly index: number | undefined;

  /**
   * Thrown by klwasm; wrappers may construct one to report their own arguments the same way.
   * @param code what went wrong.
   * @param argument the parameter at fault.
   * @param message what was wrong, in words; the error's message is `${argument}: ${message}`.
   * @param index the first bad element, where one is at fault.
   */
  constructor(code: KLErrorCode, argument: string, message: string, index?: number) {
    super(`${argument}: ${message}`);
    this.name = "KLError";
    this.code = code;
    this.argument = argument;
    this.index = index;
  }
}

/** What went wrong, for programs: one of these codes. */
export type KLErrorCode =
  | "NAN"
  | "NEGATIVE"
  | "INFINITE"
  | "LENGTH_MISMATCH"
  | "EMPTY"
  | "BAD_ROWS"
  | "BAD_OPTION"
  | "NOT_A_VECTOR"
  | "ZERO_SUM"
  | "NO_MASS"
  | "NOT_SPD"
  | "STALE_VIEW"
  | "TOO_LARGE";

/**
 * The one error klwasm throws for bad input. `argument` names the parameter at fault
 * (`p`, `q`, `target`, `approx`, `options.rows`, …) and `index` the first bad element,
 * where one element is at fault.
 */
export class KLError extends Error {
  readonly code: KLErrorCode;
  readonly argument: string;
  readonly index: number | undefined;

  constructor(code: KLErrorCode, argument: string, message: string, index?: number) {
    super(`${argument}: ${message}`);
    this.name = "KLError";
    this.code = code;
    this.argument = argument;
    this.index = index;
  }
}

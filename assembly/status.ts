/** Whether the last kernel met input that no term accepts; the wrapper then finds where. */
let invalidInput = false;

@inline export function flagInvalidInput(): void {
  invalidInput = true;
}

/** Clears the flag before a kernel runs. */
@inline export function resetInvalidInput(): void {
  invalidInput = false;
}

/** 1 if the kernel since the last reset flagged invalid input, else 0. */
@inline export function invalidInputStatus(): i32 {
  return invalidInput ? 1 : 0;
}

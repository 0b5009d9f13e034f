/**
 * The inputs of the exact KL fixtures (tests/fixtures/make_exact.py), rebuilt bit for bit:
 * the same PRNG and the same floating-point operations as the generator. Plain JavaScript
 * so that bench/accuracy.mjs shares it with the tests.
 *
 * @typedef {{ name: string, kind: "ordinary" | "wide" | "near", n: number, seed: number,
 *   f32: boolean, closeness?: number, exact: number }} KLRecipe
 */
import { mulberry32 } from "./random.mjs";

/** @param {number[]} values */
function normalised(values) {
  let total = 0;
  for (const v of values) total += v;
  return values.map((v) => v / total);
}

/**
 * @param {KLRecipe} recipe
 * @returns {[Float64Array | Float32Array, Float64Array | Float32Array]}
 */
export function klInputs(recipe) {
  const random = mulberry32(recipe.seed);
  const { n, kind } = recipe;
  let p;
  let q;
  if (kind === "wide") {
    const span = recipe.f32 ? 120 : 990;
    // Evaluated in the generator's order: the value, then the exponent.
    const draw = () => {
      const value = random() + 0.5;
      return value * 2 ** -Math.trunc(random() * span);
    };
    p = Array.from({ length: n }, draw);
    q = Array.from({ length: n }, draw);
  } else {
    p = normalised(Array.from({ length: n }, () => random() + 0.001));
    q = kind === "near"
      ? normalised(p.map((v) => v * (1 + recipe.closeness * (2 * random() - 1))))
      : normalised(Array.from({ length: n }, () => random() + 0.001));
  }
  return recipe.f32 ? [Float32Array.from(p), Float32Array.from(q)] : [Float64Array.from(p), Float64Array.from(q)];
}

/**
 * The arguments of tests/fixtures/log_exact.f64: positive doubles with uniformly random
 * exponent fields, subnormals included (as make_exact.py's log_arguments).
 * @param {number} count
 * @param {number} seed
 */
export function logArguments(count, seed) {
  const random = mulberry32(seed);
  const view = new DataView(new ArrayBuffer(8));
  return Float64Array.from({ length: count }, () => {
    view.setUint32(0, (Math.floor(random() * 2047) << 20) | Math.floor(random() * 2 ** 20));
    view.setUint32(4, Math.floor(random() * 2 ** 32));
    return view.getFloat64(0);
  });
}

/**
 * The arguments of tests/fixtures/exp_exact.f64: uniform on [-745, 709.7].
 * @param {number} count
 * @param {number} seed
 */
export function expArguments(count, seed) {
  const random = mulberry32(seed);
  return Float64Array.from({ length: count }, () => -745 + random() * 1454.7);
}

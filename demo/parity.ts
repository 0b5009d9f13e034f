/**
 * The library's backend parity, run in the browser: the SIMD and scalar Wasm builds against
 * referenceKL on random inputs, every call, space and element type. Writes a JSON report
 * into the page for people and for tests/browser/demo.test.ts.
 */
import { createKL, fitGaussian, referenceKL, type DivergenceOptions, type KL, type Space, type Vector } from "../src/index.js";
// The library's seeded generator, so every run checks the same inputs.
import { mulberry32 } from "../src/numeric/random.js";

/** The shape every two-argument divergence shares (jsd adds options of its own). */
type TwoArgument = (p: Vector, q: Vector, options: DivergenceOptions & { reduction: "none" }) => Float64Array;

interface Report {
  backends: string[];
  checks: number;
  failures: string[];
  worst: { f64: number; f32: number };
  fits: Record<string, { mu: number; sigma: number }>;
}


/** Values in a space: probabilities over 4 decades with some exact zeros, their logs, or logits. */
function vector(space: Space, n: number, seed: number): Float64Array {
  const next = mulberry32(seed);
  if (space === "logits") return Float64Array.from({ length: n }, () => (next() + next() + next() - 1.5) * 4);
  const p = Float64Array.from({ length: n }, () => (next() < 0.1 ? 0 : 10 ** (-4 * next()) * (0.5 + next())));
  return space === "log" ? p.map(Math.log) : p;
}

function run(backends: KL[]): Report {
  const report: Report = { backends: backends.map((b) => b.backend), checks: 0, failures: [], worst: { f64: 0, f32: 0 }, fits: {} };
  const compare = (got: ArrayLike<number>, want: ArrayLike<number>, f32: boolean, scale: number, what: string) => {
    const tolerance = f32 ? 1e-5 : 1e-12;
    for (let i = 0; i < want.length; i++) {
      report.checks++;
      const [g, w] = [got[i]!, want[i]!];
      if (!Number.isFinite(w) || !Number.isFinite(g)) {
        if (!Object.is(g, w)) report.failures.push(`${what}[${i}]: ${g} vs ${w}`);
        continue;
      }
      const error = Math.abs(g - w) / (Math.abs(w) + scale + 1e-300);
      const key = f32 ? "f32" : "f64";
      report.worst[key] = Math.max(report.worst[key], error);
      if (error > tolerance) report.failures.push(`${what}[${i}]: ${g} vs ${w} (relative ${error.toExponential(2)})`);
    }
  };
  const asArray = (v: number | Float64Array) => (typeof v === "number" ? [v] : v);
  const spaces: Space[] = ["prob", "log", "logits"];
  let seed = 1;
  for (const kl of backends) {
    for (const [rows, cols] of [[1, 1], [1, 7], [1, 1000], [4, 257], [3, 4099]] as const) {
      for (const pSpace of spaces) {
        for (const qSpace of spaces) {
          for (const f32 of [false, true]) {
            const n = rows * cols;
            const p64 = vector(pSpace, n, seed++);
            const q64 = vector(qSpace, n, seed++);
            const [p, q] = f32 ? [Float32Array.from(p64), Float32Array.from(q64)] : [p64, q64];
            const options = { rows, pSpace, qSpace, reduction: "none" } as const;
            const what = `${kl.backend} ${rows}×${cols} ${pSpace}/${qSpace} ${f32 ? "f32" : "f64"}`;
            for (const call of ["kl", "forward", "reverse", "crossEntropy", "jsd"] as const) {
              const divergence = (backend: KL) => (backend[call] as TwoArgument).call(backend, p, q, options);
              compare(divergence(kl), divergence(referenceKL), f32, 1e-14, `${what} ${call}`);
            }
            compare(kl.entropy(p, { rows, space: pSpace, reduction: "none" }), referenceKL.entropy(p, { rows, space: pSpace, reduction: "none" }), f32, 1e-14, `${what} entropy`);
            for (const call of ["forwardGrad", "reverseGrad"] as const) {
              const got = kl[call](p, q, options);
              const want = referenceKL[call](p, q, options);
              compare(asArray(got.value), asArray(want.value), f32, 1e-14, `${what} ${call} value`);
              // Logits gradients are compared to their largest element, as the contract states.
              const largest = Array.from(want.grad).reduce((m, g) => (Number.isFinite(g) ? Math.max(m, Math.abs(g)) : m), 0);
              compare(got.grad, want.grad, f32, qSpace === "logits" ? largest : 0, `${what} ${call} grad`);
            }
            if (pSpace === qSpace && pSpace !== "logits") {
              compare(kl.relEntr(p, q, { space: pSpace }), referenceKL.relEntr(p, q, { space: pSpace }), f32, 0, `${what} relEntr`);
            }
          }
        }
      }
    }
    const target = { weights: [0.3, 0.7], means: [-2, 3], sigmas: [0.5, 1] };
    for (const direction of ["forward", "reverse"] as const) {
      const options = { direction, init: { mu: 0, sigma: 1 } };
      const [got, want] = [fitGaussian(kl, target, options), fitGaussian(referenceKL, target, options)];
      report.fits[`${kl.backend} ${direction}`] = { mu: got.mu, sigma: got.sigma };
      compare([got.mu, got.sigma, got.kl], [want.mu, want.sigma, want.kl], false, 1e-9, `${kl.backend} ${direction} fit`);
    }
  }
  report.failures = report.failures.slice(0, 20);
  return report;
}

async function main(): Promise<void> {
  const backends = [await createKL(), await createKL({ simd: false })];
  const report = run(backends);
  document.querySelector('[data-testid="parity"]')!.textContent = JSON.stringify(report, null, 2);
  document.querySelector('[data-testid="parity-status"]')!.textContent = report.failures.length === 0 ? "agree" : "disagree";
}

main().catch((error: unknown) => {
  document.querySelector('[data-testid="parity-status"]')!.textContent = `failed: ${String(error)}`;
  console.error(error);
});

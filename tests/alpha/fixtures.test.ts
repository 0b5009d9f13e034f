// The α family against mpmath (tests/fixtures/make_alpha_family.py, 100 and 150 digits on the
// given doubles): renyi at 11 orders from 0 to ∞, alphaDivergence at 11 from −1 to 5, hellinger,
// bhattacharyya, totalVariation, chiSquare, jeffreys, and the values and gradients of alphaGrad and
// renyiGrad, per row ("none"), summed ("sum") and averaged ("mean"). f64 inputs within 1e-12
// relative, f32 inputs (mpmath on the f32 values) within 1e-5; infinities and zeros exactly.
// `ALPHA_ERRORS=1 npx vitest run tests/alpha/fixtures.test.ts` prints the largest error per
// divergence and backend.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KL } from "../../src/index.js";
import { backendNames, loadBackend } from "../backends.js";
import { alphaCases, ErrorLog, exact, order, relativeError, type AlphaCase, type Entry, type Exact, type GradientEntry } from "./helpers.js";

const logs = new Map<string, ErrorLog>();

afterAll(() => {
  if (!process.env.ALPHA_ERRORS) return;
  for (const [backend, log] of logs) console.info(`largest errors against mpmath, ${backend}:\n  ${log.lines().join("\n  ")}`);
});

const label = (c: AlphaCase) => `${c.name} (${c.f32 ? "f32" : "f64"}, ${c.space}${c.normalize ? ", normalize" : ""}${c.rows > 1 ? `, ${c.rows} rows` : ""})`;

type Options = Record<string, unknown>;

describe.each(backendNames)("%s: the α family against mpmath", (name) => {
  let kl: KL;
  const log = new ErrorLog();
  logs.set(name, log);
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it.each(alphaCases.map((c) => [label(c), c] as const))("%s", (_label, c) => {
    const type = c.f32 ? Float32Array : Float64Array;
    const [p, q] = [type.from(c.p), type.from(c.q)];
    const tolerance = c.f32 ? 1e-5 : 1e-12;
    // Log-probabilities used as given are exponentiated, and e^a rounds: that alone moves the
    // exact Rényi divergence of the rounded probabilities by ~1e-16 (absolute; it is scale-free),
    // all of a value such as D_0 = −log(Σe^b/Σe^a) of two rows whose sums are 1 but for rounding.
    const absolute = c.space === "log" ? 1e-15 : 0;
    const precision = c.f32 ? "f32" : "f64";
    const base = { rows: c.rows, space: c.space, normalize: c.normalize };
    const mismatches: string[] = [];

    /** Compares one value; records its error under `key`. */
    const check = (key: string, where: string, got: number, want: Exact, floor = 0) => {
      const w = exact(want);
      if (w === null) return;
      const error = Math.abs(got - w) <= floor ? 0 : relativeError(got, w);
      log.record(`${key} ${precision}`, error, `${c.name}, ${where}`);
      if (!(error <= tolerance)) mismatches.push(`${key} ${where}: got ${got}, mpmath ${w} (relative error ${error.toExponential(2)})`);
    };
    /** One divergence's value per row, summed, averaged, and in bits where it takes a base. */
    const compare = (key: string, call: (options: Options) => number | Float64Array, entry: Entry, extra: Options = {}, takesBase = false) => {
      const where = JSON.stringify(extra);
      const floor = key === "renyi" || key === "bhattacharyya" ? absolute : 0;
      let perRow: number | Float64Array;
      try {
        perRow = call({ ...base, ...extra, reduction: "none" });
      } catch (error) {
        mismatches.push(`${key} ${where} threw ${String(error)}`);
        return;
      }
      expect(perRow, `${key} ${where}: reduction "none"`).toBeInstanceOf(Float64Array);
      entry.rows.forEach((want, r) => check(key, `${where} row ${r}`, (perRow as Float64Array)[r]!, want, floor));
      check(key, `${where} sum`, call({ ...base, ...extra }) as number, entry.sum, floor * c.rows);
      const sum = exact(entry.sum);
      if (sum !== null && c.rows > 1) check(key, `${where} mean`, call({ ...base, ...extra, reduction: "mean" }) as number, sum / c.rows, floor);
      if (takesBase && sum !== null) check(key, `${where} base 2`, call({ ...base, ...extra, base: 2 }) as number, sum / Math.LN2, floor / Math.LN2);
    };

    for (const e of c.renyi) compare("renyi", (o) => kl.renyi(p, q, o as { alpha: number }), e, { alpha: order(e.alpha) }, e.alpha === 0.5);
    for (const e of c.alphaDivergence) compare("alphaDivergence", (o) => kl.alphaDivergence(p, q, o as { alpha: number }), e, { alpha: e.alpha });
    compare("hellinger", (o) => kl.hellinger(p, q, o), c.hellinger);
    compare("bhattacharyya", (o) => kl.bhattacharyya(p, q, o), c.bhattacharyya, {}, true);
    compare("totalVariation", (o) => kl.totalVariation(p, q, o), c.totalVariation);
    compare("chiSquare", (o) => kl.chiSquare(p, q, o), c.chiSquare);
    compare("jeffreys", (o) => kl.jeffreys(p, q, o), c.jeffreys, {}, true);

    const gradients = (method: "alphaGrad" | "renyiGrad", entries: GradientEntry[] | undefined) => {
      for (const e of entries ?? []) {
        const where = `α = ${e.alpha}`;
        let result: { value: number | Float64Array; grad: Float64Array | Float32Array };
        try {
          result = kl[method](p, q, { ...base, alpha: order(e.alpha) });
        } catch (error) {
          mismatches.push(`${method} ${where} threw ${String(error)}`);
          continue;
        }
        check(`${method} value`, where, result.value as number, e.value, method === "renyiGrad" ? absolute * c.rows : 0);
        if (!(result.grad instanceof type)) mismatches.push(`${method} ${where}: grad is a ${result.grad.constructor.name}, not a ${type.name}`);
        if (e.grad === null) continue;
        // Through the softmax the gradient's elements are differences of terms of its largest
        // element's size: compared to that (the contract's measure), elsewhere element by element.
        const wants = e.grad.map(exact);
        const largest = Math.max(...wants.map((w) => (w !== null && Number.isFinite(w) ? Math.abs(w) : 0)));
        wants.forEach((w, i) => {
          if (w === null) return;
          // An f32 gradient is rounded to f32 (an infinity where the exact one passes its range).
          const want = c.f32 ? Math.fround(w) : w;
          const got = result.grad[i]!;
          const error = c.space === "logits" && Number.isFinite(want) && largest > 0
            ? (got === want ? 0 : Math.abs(got - want) / largest)
            : relativeError(got, want);
          log.record(`${method} grad ${precision}`, error, `${c.name}, ${where} [${i}]`);
          if (!(error <= tolerance)) mismatches.push(`${method} grad ${where} [${i}]: got ${got}, mpmath ${want} (error ${error.toExponential(2)})`);
        });
      }
    };
    gradients("alphaGrad", c.alphaGrad);
    gradients("renyiGrad", c.renyiGrad);

    expect(mismatches).toEqual([]);
  });
});

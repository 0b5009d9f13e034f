/**
 * The op table: every op code the row reductions take, and what each op reads, writes and
 * accepts. index.ts exports each code as the immutable global `OP_<name>`; the loader
 * (src/engines/wasm/kernels.ts) reads the codes from there and never restates one.
 *
 * Every op reads x (one row-major [rows, cols] operand) and writes one f64 per row to `out`.
 * Beyond that, per op:
 *
 * | op                    | reads y   | space   | writes grad   | per-row inputs       |
 * |-----------------------|-----------|---------|---------------|----------------------|
 * | KL                    | yes       | prob    | no            |                      |
 * | KL_EXCESS             | yes       | prob    | no            |                      |
 * | ENTROPY               | no        | prob    | no            |                      |
 * | CROSS_ENTROPY         | yes       | prob    | no            |                      |
 * | KL_LOG                | yes       | log     | no            | offsets              |
 * | ENTROPY_LOG           | no        | log     | no            | offsets              |
 * | CROSS_ENTROPY_LOG     | yes       | log     | no            | offsets              |
 * | EXP_SUM               | no        | log     | no            | offsets              |
 * | SUM                   | no        | prob    | no            |                      |
 * | GRAD_FORWARD_PROB     | yes       | prob    | yes           | scale                |
 * | GRAD_REVERSE_PROB     | yes       | prob    | yes           | scale                |
 * | GRAD_FORWARD_LOG      | yes       | log     | yes           | offsets, rowParam    |
 * | GRAD_REVERSE_LOG      | yes       | log     | yes           | offsets, rowParam    |
 * | JSD                   | yes       | prob    | no            | rowParams (β, W)     |
 * | GRAD_JSD              | yes       | prob    | yes           | rowParams, scale     |
 * | KL_EXCESS_TERMS       | yes       | prob    | no            |                      |
 * | GRAD_FORWARD_EXCESS   | yes       | prob    | yes           | scale                |
 * | GRAD_REVERSE_EXCESS   | yes       | prob    | yes           | scale                |
 * | ALPHA_DIVERGENCE      | yes       | prob    | no            | rowParam (α)         |
 * | GRAD_ALPHA_DIVERGENCE | yes       | prob    | yes           | rowParam (α), scale  |
 * | TOTAL_VARIATION       | yes       | prob    | no            |                      |
 *
 * The log-space KL ops (KL_LOG, GRAD_FORWARD_LOG, GRAD_REVERSE_LOG) also take per-row shifts:
 * without them (0) the term is the plain e^a·(a − b) of log-probabilities used as given; with
 * them it is the excess form of rows normalised by a log-sum-exp (see KL_LOG).
 *
 * "prob" operands are accepted in [0, +Infinity); "log" operands in [−Infinity, +Infinity)
 * (−Infinity is a zero probability). NaN is never accepted. Log-space operands are shifted by
 * their row's offset (a log-sum-exp) before use: a = x − offsetX, b = y − offsetY.
 *
 * A code outside the table is a bug in the caller, not bad input: the reductions trap on it
 * (`unreachable`, a WebAssembly.RuntimeError in JavaScript) rather than compute anything.
 */

/** Σ p·log(p/q), probabilities; p = 0 gives 0, p > 0 = q gives +Infinity (SciPy's rel_entr). */
export const KL: i32 = 0;
/** −Σ p·log p, probabilities. */
export const ENTROPY: i32 = 1;
/** −Σ p·log q, probabilities. */
export const CROSS_ENTROPY: i32 = 2;
/**
 * Σ e^a·(a − b), log-probabilities. Rows normalised by their offsets (a = (x − max x) − L_x with
 * L_x = log Σ e^(x − max x), the same for b) take the row's shift L = L_y − L_x and are summed
 * as Σ e^a·g(d) with d = ((y − max y) − (x − max x)) − L = b − a and g(d) = e^d − 1 − d ≥ 0
 * (e^b where e^a is 0): the same value where Σ e^a = Σ e^b = 1, but every term ≥ 0 and d free
 * of the offsets' rounding, so that nearly identical rows keep the digits of their own (tiny)
 * divergence; an error ε in L adds g(ε) ≈ ε²/2. Each operand loses its own maximum first, so
 * that logits of any magnitude (near ±1e308, or small beside huge) keep their differences.
 */
export const KL_LOG: i32 = 3;
/** −Σ e^a·a, log-probabilities. */
export const ENTROPY_LOG: i32 = 4;
/** −Σ e^a·b, log-probabilities. */
export const CROSS_ENTROPY_LOG: i32 = 5;
/** Σ e^a: the sum inside log-sum-exp. */
export const EXP_SUM: i32 = 6;
/**
 * Σ p: row sums for normalisation. Always summed by the scalar path, one compensated sum in
 * index order, the same operations as the reference, so a rescaled row matches it to the bit.
 */
export const SUM: i32 = 7;
// Fused value-and-gradient ops, x the target, y the approximation: each writes
// scale·∂/∂y to `grad` (row-major like x) beside the value.
/** Σ x·log(x/y), gradient −x/y. */
export const GRAD_FORWARD_PROB: i32 = 8;
/** Σ y·log(y/x), gradient log(y/x) + 1. */
export const GRAD_REVERSE_PROB: i32 = 9;
/** KL_LOG's sum, gradient e^b·rowParam − e^a (rowParam 1 for logits: q − p; 0 for log: −p). */
export const GRAD_FORWARD_LOG: i32 = 10;
/**
 * KL_LOG's sum with x and y (and their offsets) swapped, Σ e^b·(b − a), the shift that of the
 * swapped call; gradient e^b·(b − a − rowParam) (rowParam −1 for log, D(Q‖P) for logits).
 */
export const GRAD_REVERSE_LOG: i32 = 11;
/**
 * Σ p·log(p/q), the default, accurate form: where p and q are within a factor of about 1.5 the
 * term is the excess p·log(p/q) − (p − q) ≥ 0, which keeps its digits where p ≈ q, and p − q
 * (exact there) is summed beside it; elsewhere it is the plain p·log(p/q), so that no excess
 * and difference of unnormalised inputs cancel (q ≫ p).
 */
export const KL_EXCESS: i32 = 12;
/**
 * The generalised JSD's terms, x = p and y = q, rowParam β, M = βp + (1 − β)q:
 * β·[p·log(p/m) − (p − m)] + (1 − β)·[q·log(q/m) − (q − m)], whose first-order parts cancel
 * in the sum. Each bracket is a KL excess ≥ 0 whose difference comes from d = p − q (p − m =
 * (1 − β)·d, q − m = −β·d), never from the rounded m, so the sum keeps its digits however
 * close p and q are (and however close β is to 0 or 1). A weight of 0 drops its bracket.
 * rowParams holds two f64 per row, β and a power of two W on both weights (β·W, (1 − β)·W):
 * the scaled JSD at tiny β takes W ≈ 1/β, so that β·bracket stays out of the subnormals (such
 * rows take the scalar path).
 */
export const JSD: i32 = 13;
/**
 * JSD's terms (rowParams as JSD's), gradient (1 − β)·log(q/m) = ∂/∂q (the terms through m
 * cancel), with q − m from d as above; where p = 0 the term is linear in q and the gradient
 * −(1 − β)·log(1 − β), also at q = 0; −Infinity where q = 0 < p (the one-sided derivative); 0
 * at β = 1.
 */
export const GRAD_JSD: i32 = 14;
/**
 * Σ [p·log(p/q) − (p − q)], every term ≥ 0, no difference summed: the KL of rows rescaled to
 * sum 1, where Σ(p − q) is 0 but for the rescaling's rounding.
 */
export const KL_EXCESS_TERMS: i32 = 15;
/** KL_EXCESS's sum, gradient −x/y (GRAD_FORWARD_PROB's). */
export const GRAD_FORWARD_EXCESS: i32 = 16;
/** KL_EXCESS's sum with x and y swapped, gradient log(y/x) + 1 (GRAD_REVERSE_PROB's). */
export const GRAD_REVERSE_EXCESS: i32 = 17;
/**
 * Amari's α-divergence (Amari 1985; Minka 2005, "Divergence measures and message passing",
 * eq. 5), x = p and y = q, rowParam α (any finite order), β = 1 − α:
 * Σ [α·p + β·q − p^α q^β]/(α·β). With d = log(q/p) each term is p·f(d) ≥ 0, and near d = 0 it
 * is summed from f's Taylor series f(d) = Σ_{k≥2} (1 + β + … + β^(k−2))·d^k/k!, which has no
 * division by α or β: at α = 1 it is e^d − 1 − d (the generalised KL(P‖Q)), at α = 0
 * 1 − e^d + d·e^d (KL(Q‖P)), and it keeps its digits however close p and q are. Zeros: 0 where
 * p = q = 0; q/α where p = 0 (+Infinity for α ≤ 0); p/β where q = 0 (+Infinity for α ≥ 1).
 */
export const ALPHA_DIVERGENCE: i32 = 18;
/**
 * ALPHA_DIVERGENCE's terms, gradient ∂/∂q = (1 − (p/q)^α)/α = −expm1(−α·d)/α (d = log(q/p) at
 * α = 0). Where p = 0: 1/α, or +Infinity for α ≤ 0 (one-sided); where q = 0 < p: −Infinity for
 * α ≥ 0, 1/α for α < 0. Without a gradient (grad = 0) it is ALPHA_DIVERGENCE, its value times
 * `scale`: the two codes share one reduction (index.ts), the gradient a runtime choice.
 */
export const GRAD_ALPHA_DIVERGENCE: i32 = 19;
/** Σ |p − q|, probabilities (the total variation distance is half of it). */
export const TOTAL_VARIATION: i32 = 20;

/** Whether the op is Amari's α-divergence (reads α from rowParams: ALPHA_DIVERGENCE, GRAD_ALPHA_DIVERGENCE). */
@inline export function isAlpha(op: i32): bool {
  return op == ALPHA_DIVERGENCE || op == GRAD_ALPHA_DIVERGENCE;
}

/** Whether the op reads β from rowParams and mixes p and q (JSD, GRAD_JSD). */
@inline export function mixes(op: i32): bool {
  return op == JSD || op == GRAD_JSD;
}

/** Whether the op sums differences beside its terms (KL_EXCESS's, for x and y or swapped). */
@inline export function sumsDifferences(op: i32): bool {
  return op == KL_EXCESS || op == GRAD_FORWARD_EXCESS || op == GRAD_REVERSE_EXCESS;
}

/** Whether the op's KL term reads y as the distribution and x as the reference (x and y swapped). */
@inline export function swapsOperands(op: i32): bool {
  return op == GRAD_REVERSE_PROB || op == GRAD_REVERSE_EXCESS;
}

/**
 * Whether the op writes a gradient element for each input element (GRAD_ALPHA_DIVERGENCE: where
 * grad ≠ 0, see writesGradientTo).
 */
@inline export function writesGradient(op: i32): bool {
  return (op >= GRAD_FORWARD_PROB && op <= GRAD_REVERSE_LOG) || op == GRAD_JSD || op == GRAD_FORWARD_EXCESS
    || op == GRAD_REVERSE_EXCESS || op == GRAD_ALPHA_DIVERGENCE;
}

/** Whether the op writes a gradient to `grad`: writesGradient's, at run time only for GRAD_ALPHA_DIVERGENCE. */
@inline export function writesGradientTo(op: i32, grad: usize): bool {
  return op == GRAD_ALPHA_DIVERGENCE ? grad != 0 : writesGradient(op);
}

/** Whether the op reads its second operand y. */
@inline export function usesSecond(op: i32): bool {
  return op == KL || op == KL_EXCESS || op == KL_EXCESS_TERMS || op == CROSS_ENTROPY || op == KL_LOG || op == CROSS_ENTROPY_LOG
    || mixes(op) || isAlpha(op) || op == TOTAL_VARIATION || writesGradient(op);
}

/** Whether the operands are log-probabilities (−Infinity allowed) rather than probabilities. */
@inline export function inLogSpace(op: i32): bool {
  return op == KL_LOG || op == ENTROPY_LOG || op == CROSS_ENTROPY_LOG || op == EXP_SUM
    || op == GRAD_FORWARD_LOG || op == GRAD_REVERSE_LOG;
}

/** Whether the op's term is a log-ratio of probabilities (its lane check is an exponent range). */
@inline export function takesLogRatio(op: i32): bool {
  return op == KL || op == KL_EXCESS || op == KL_EXCESS_TERMS || op == GRAD_FORWARD_PROB || op == GRAD_REVERSE_PROB
    || op == GRAD_FORWARD_EXCESS || op == GRAD_REVERSE_EXCESS || mixes(op) || isAlpha(op);
}

/** Whether one operand value is acceptable input to the op at all (NaN never is). */
@inline export function accepts(op: i32, x: f64): bool {
  return inLogSpace(op) ? x < Infinity : x >= 0 && x < Infinity;
}

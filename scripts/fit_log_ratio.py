"""Coefficients of the atanh polynomial used by the vector log-ratio kernels.

log(r) = 2·atanh(s) with s = (r - 1)/(r + 1). Writing 2·atanh(s) = s·(2 + z·P(z)) with
z = s², P is fitted on Chebyshev nodes (mpmath.chebyfit, near-minimax) over the range
that the kernels' exponent-difference reduction produces: r ∈ [2^-0.58607, 2^0.58607],
so s ≤ 0.200377 and z ≤ 0.040152.

Run with Debian's python3-mpmath: /usr/bin/python3 scripts/fit_log_ratio.py
"""
import mpmath as mp

mp.mp.dps = 50
Z_MAX = mp.mpf("0.040152")


def p_of_z(z):
    if z == 0:
        return mp.mpf(2) / 3
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) / s - 2) / z


for label, degree in (("f64", 7), ("f32", 2)):
    coefficients, error = mp.chebyfit(p_of_z, [0, Z_MAX], degree + 1, error=True)
    print(f"{label}: degree {degree} in z, |error of z*P(z)| <= {mp.nstr(error * Z_MAX, 3)}")
    for power, c in enumerate(reversed(coefficients)):
        print(f"  z^{power}: {mp.nstr(c, 20)}")

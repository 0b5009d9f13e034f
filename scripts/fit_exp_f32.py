"""Coefficients EN0…EN4 of the fused logits kernel's f32 exponential (assembly/vecmath.ts,
expNonPositiveF32x4).

e^r = 1 + r + r²·Q(r) on the reduced range |r| ≤ ln 2/2, Q of degree 4, fitted by weighted
least squares on 20 001 points with Lawson's iteration (60 rounds) toward the minimax of the
relative error of e^r, then rounded once to f32. Checks that assembly/vecmath.ts holds those
bits, and prints the largest error, in f32 ulps, of e^r evaluated in f32 in the kernel's order
(Estrin: (EN0 + EN1·r) + (EN2 + EN3·r)·r² + EN4·r⁴, then Q·r² + r + 1) over 400 001 points:
0.84 ulp. tests/vecmath.test.ts holds the kernel itself to 1 ulp.

Run with any python3 that has numpy: python3 scripts/fit_exp_f32.py
"""
import pathlib
import re

import numpy as np

HALF_LN2 = np.log(2) / 2
r = np.linspace(-HALF_LN2, HALF_LN2, 20001)
r = r[np.abs(r) > 1e-8]
target = (np.expm1(r) - r) / r**2
weights = np.ones_like(r)
for _ in range(60):
    scale = (r**2 / np.exp(r)) * np.sqrt(weights)
    design = np.vander(r, 5, increasing=True) * scale[:, None]
    coefficients, *_ = np.linalg.lstsq(design, target * scale, rcond=None)
    error = np.abs((np.vander(r, 5, increasing=True) @ coefficients - target) * r**2 / np.exp(r))
    weights = weights * (error / error.max() + 1e-3)
    weights /= weights.sum()
bits = [int(np.float32(c).view(np.uint32)) for c in coefficients]

source = (pathlib.Path(__file__).parent.parent / "assembly" / "vecmath.ts").read_text()
held = [int(h, 16) for h in re.findall(r"const EN\d: f32 = reinterpret<f32>\((0x[0-9A-F]+)\)", source)]
assert held == bits, (list(map(hex, held)), list(map(hex, bits)))

f = np.float32
x = np.linspace(-0.3467, 0.3467, 400001).astype(f)
c0, c1, c2, c3, c4 = [np.uint32(b).view(f) for b in bits]
x2 = (x * x).astype(f)
x4 = (x2 * x2).astype(f)
q = ((c0 + c1 * x).astype(f) + ((c2 + c3 * x).astype(f) * x2).astype(f)).astype(f)
q = (q + (c4 * x4).astype(f)).astype(f)
y = (((q * x2).astype(f) + x).astype(f) + f(1)).astype(f)
exact = np.exp(x.astype(np.float64))
ulps = np.abs(y.astype(np.float64) - exact) / np.spacing(exact.astype(f)).astype(np.float64)
print("EN0…EN4:", [hex(b) for b in bits], f"largest error {ulps.max():.2f} ulp")

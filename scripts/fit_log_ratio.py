"""Coefficients of the atanh polynomial used by the vector log-ratio kernels.

log(r) = 2·atanh(s) with s = (r - 1)/(r + 1). Writing 2·atanh(s) = s·(2 + z·P(z)) with
z = s², P is fitted on Chebyshev nodes (mpmath.chebyfit, near-minimax) over the range
that the kernels' exponent-difference reduction produces: r ∈ [2^-0.58607, 2^0.58607],
so s ≤ 0.200377 and z ≤ 0.040152.

Prints the fits and writes scripts/fit_log_ratio.json: each coefficient rounded once, to
nearest, from the 50-digit fit to the double (AT0…AT7) or float (ATF0…ATF2) that
assembly/vecmath.ts uses, as bits and as the shortest decimal that reads back to them.
tests/fit-log-ratio.test.ts checks that vecmath.ts holds those bits.

Run with Debian's python3-mpmath: /usr/bin/python3 scripts/fit_log_ratio.py
"""
import json
import pathlib
import struct

import mpmath as mp

mp.mp.dps = 50
Z_MAX = mp.mpf("0.040152")
OUT = pathlib.Path(__file__).with_suffix(".json")


def p_of_z(z):
    if z == 0:
        return mp.mpf(2) / 3
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) / s - 2) / z


def as_double(c):
    """c rounded to the nearest double: its bits and shortest round-trip decimal."""
    value = float(c)  # mpmath rounds to nearest
    return f"0x{struct.unpack('<Q', struct.pack('<d', value))[0]:016X}", repr(value)


def as_float(c):
    """c rounded to the nearest float (once, from the fit, not through a double)."""
    with mp.workprec(24):
        rounded = +c  # to 24 significant bits, nearest
    value = float(rounded)  # exact: 24 bits fit in a double
    bits = struct.unpack("<I", struct.pack("<f", value))[0]
    # The shortest decimal that reads back as this float.
    for digits in range(6, 10):
        text = f"{value:.{digits}g}"
        if struct.unpack("<I", struct.pack("<f", float(text)))[0] == bits:
            break
    return f"0x{bits:08X}", text


fits = {}
for label, degree, prefix, rounding in (("f64", 7, "AT", as_double), ("f32", 2, "ATF", as_float)):
    coefficients, error = mp.chebyfit(p_of_z, [0, Z_MAX], degree + 1, error=True)
    print(f"{label}: degree {degree} in z, |error of z*P(z)| <= {mp.nstr(error * Z_MAX, 3)}")
    entries = []
    for power, c in enumerate(reversed(coefficients)):
        bits, decimal = rounding(c)
        name = f"{prefix}{power}"
        print(f"  z^{power}: {mp.nstr(c, 20)}  {name} = {bits} ({decimal})")
        entries.append({"name": name, "power": power, "fit": mp.nstr(c, 25), "bits": bits, "decimal": decimal})
    fits[label] = {"degree": degree, "errorBound": mp.nstr(error * Z_MAX, 3), "coefficients": entries}

OUT.write_text(json.dumps({
    "about": "atanh polynomial of the vector log-ratio (assembly/vecmath.ts), written by scripts/fit_log_ratio.py",
    "zMax": str(Z_MAX),
    **fits,
}, indent=2) + "\n")
print(f"wrote {OUT.name}")

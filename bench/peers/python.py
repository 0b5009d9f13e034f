#!/usr/bin/python3
"""Python peers for the klwasm benchmarks: SciPy, NumPy and PyTorch.

    /usr/bin/python3 bench/peers/python.py            # both allocator settings, a few minutes
    /usr/bin/python3 bench/peers/python.py --quick    # n <= 1e5, fewer runs (smoke test)
    /usr/bin/python3 bench/peers/python.py --sizes 1e6,1e7

Times, as median over repeated runs:
  * sum p*log(p/q) at n = 1e3 ... 1e7, f32 and f64: SciPy rel_entr(p, q).sum(), the NumPy
    expression np.sum(p * np.log(p / q)), and PyTorch F.kl_div(q.log(), p, reduction="sum")
    (the log of q is part of the timed call: every peer starts from p and q) with
    torch.set_num_threads(1), the default thread count and os.cpu_count() threads;
  * distillation, 64 x 32 000 f32 logits (the inputs of bench/distill.mjs, rebuilt bit for
    bit), value + gradient w.r.t. the student's logits, forward KL
    F.kl_div(F.log_softmax(student), F.log_softmax(teacher), log_target=True,
    reduction="batchmean") and reverse KL (the arguments swapped).

Everything runs twice, in child processes: with the environment as it is ("plain") and with
MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 ("malloc-tuned"), which stops glibc
from returning the temporaries' pages to the kernel after every call (see
/work/shared/KERNELS.md). NumPy/SciPy run with whatever OPENBLAS_CORETYPE the environment
has (recorded in the output; these element-wise kernels do not use BLAS). Writes
bench/results/python.json, which bench/kl.mjs and bench/distill.mjs merge into their tables.
"""
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from functools import partial

MALLOC_TUNED = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": "100000000000"}
RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "results", "python.json")
ROWS, COLS = 64, 32000
SWEEP_SEED = 0x5EED
DISTILL_SEED = 0xD157  # bench/portable.mjs distillLogits() uses the same seed and operations
TOL = {"f64": 1e-9, "f32": 1e-4}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def arg_value(argv, name):
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


# ---- inputs -----------------------------------------------------------------------
def mulberry32(np, seed, count, start=0):
    """Draws start+1 ... start+count of tests/random.mjs's mulberry32(seed), vectorised."""
    k = np.arange(start + 1, start + count + 1, dtype=np.uint64)
    state = ((seed + k * 0x6D2B79F5) & 0xFFFFFFFF).astype(np.uint32)
    with np.errstate(over="ignore"):
        t = (state ^ (state >> np.uint32(15))) * (state | np.uint32(1))
        t = t ^ (t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61)))
        return (t ^ (t >> np.uint32(14))).astype(np.float64) / 4294967296.0


def distill_logits(np):
    """64 x 32 000 teacher and student logits, f32, the same bits as bench/portable.mjs."""
    n = ROWS * COLS
    u = mulberry32(np, DISTILL_SEED, 2 * n)
    teacher = (8.0 * (u[:n] - 0.5)).astype(np.float32)
    student = (0.8 * teacher.astype(np.float64) + 4.0 * (u[n:] - 0.5)).astype(np.float32)
    return teacher.reshape(ROWS, COLS), student.reshape(ROWS, COLS)


def random_distribution(np, n, seed, start):
    v = mulberry32(np, seed, n, start) + 1e-6
    return v / math.fsum(v)


# ---- timing -----------------------------------------------------------------------
class Timer:
    def __init__(self, quick):
        self.min_run_ns = (10 if quick else 20) * 1e6
        self.warmup_ns = (20 if quick else 100) * 1e6
        self.budget_ns = (1000 if quick else 6000) * 1e6
        self.quick = quick
        self.sink = 0.0

    def batch(self, fn, iters):
        t0 = time.perf_counter_ns()
        for _ in range(iters):
            self.sink += fn()
        return time.perf_counter_ns() - t0

    def measure(self, fn, max_runs):
        """Median ns per call over runs of >= min_run_ns each, after calibration and warm-up."""
        iters = 1
        ns = self.batch(fn, iters)
        spent = ns
        while ns < self.min_run_ns:  # calibration doubles the batch; it is also warm-up
            iters *= 2
            ns = self.batch(fn, iters)
            spent += ns
        while spent < self.warmup_ns:
            spent += self.batch(fn, iters)
        runs = max(3, min(5 if self.quick else max_runs, int(self.budget_ns // ns)))
        samples = [self.batch(fn, iters) / iters for _ in range(runs)]
        return statistics.median(samples), runs, iters


def thread_settings(torch):
    default = torch.get_num_threads()
    settings = []
    for t in (1, default, os.cpu_count() or 1):
        if t not in [s for s, _ in settings]:
            settings.append((t, "default" if t == default else ("1 thread" if t == 1 else "all cores")))
    return default, settings


# ---- one child process: everything under one allocator setting ---------------------
def child(label, quick, sizes):
    import numpy as np
    import scipy
    import torch
    import torch.nn.functional as F
    from scipy.special import rel_entr

    start_load = os.getloadavg()
    timer = Timer(quick)
    default_threads, threads = thread_settings(torch)
    sweep = []
    draws = 0
    for n in sizes:
        p64 = random_distribution(np, n, SWEEP_SEED, draws)
        q64 = random_distribution(np, n, SWEEP_SEED, draws + n)
        draws += 2 * n
        for dtype, npt in (("f64", np.float64), ("f32", np.float32)):
            p = p64.astype(npt)
            q = q64.astype(npt)
            pd, qd = p.astype(np.float64), q.astype(np.float64)
            expected = math.fsum(pd * np.log(pd / qd))  # f64 arithmetic on the same (rounded) inputs
            tp, tq = torch.from_numpy(p), torch.from_numpy(q)
            impls = [
                ("SciPy rel_entr(p,q).sum()", None, lambda: float(rel_entr(p, q).sum())),
                ("NumPy sum(p*log(p/q))", None, lambda: float(np.sum(p * np.log(p / q)))),
            ]
            for t, tl in threads:
                impls.append((f"PyTorch kl_div {t} thr" + (" (default)" if tl == "default" else ""), t,
                              lambda: F.kl_div(tq.log(), tp, reduction="sum").item()))
            for name, nthreads, fn in impls:
                torch.set_num_threads(nthreads or default_threads)
                value = fn()
                rel = abs(value - expected) / abs(expected)
                if not rel <= TOL[dtype]:
                    log(f"WARNING: {name} {dtype} n={n:.0e}: {value} vs {expected} (rel. error {rel:.2e})")
                ns, runs, iters = timer.measure(fn, 5 if n >= 1e7 else 11)
                sweep.append({"impl": name, "threads": nthreads, "dtype": dtype, "n": n,
                              "nsPerElement": ns / n, "runs": runs, "iters": iters, "value": value,
                              "relErrorVsF64": rel})
                log(f"[{label}] {name:34s} {dtype} n={n:.0e} {ns / n:9.3f} ns/el  ({runs} runs x {iters})")
    torch.set_num_threads(default_threads)

    # Distillation: value + gradient w.r.t. the student's logits.
    teacher_np, student_np = distill_logits(np)
    teacher = torch.from_numpy(teacher_np)
    student = torch.from_numpy(student_np).clone().requires_grad_(True)

    def kl_div(first, second):
        """D(first||second) of rows of logits: F.kl_div takes log q first, log p as the target."""
        return F.kl_div(F.log_softmax(second, dim=-1), F.log_softmax(first, dim=-1),
                        log_target=True, reduction="batchmean")

    def value_and_grad(first, second):
        student.grad = None
        loss = kl_div(first, second)
        loss.backward()
        return loss.item()

    def value_only(first, second):
        with torch.no_grad():
            return kl_div(first, second).item()


    # f64 values of the same f32 logits, for the check.
    t64, s64 = teacher_np.astype(np.float64), student_np.astype(np.float64)
    lt = t64 - t64.max(1, keepdims=True)
    lt -= np.log(np.exp(lt).sum(1, keepdims=True))
    ls = s64 - s64.max(1, keepdims=True)
    ls -= np.log(np.exp(ls).sum(1, keepdims=True))
    exact = {"forward": math.fsum((np.exp(lt) * (lt - ls)).ravel()) / ROWS,
             "reverse": math.fsum((np.exp(ls) * (ls - lt)).ravel()) / ROWS}

    distill = []
    for t, tl in threads:
        torch.set_num_threads(t)
        for direction, what, fn in (("forward", "value+grad", partial(value_and_grad, teacher, student)),
                                    ("reverse", "value+grad", partial(value_and_grad, student, teacher)),
                                    ("forward", "value", partial(value_only, teacher, student)),
                                    ("reverse", "value", partial(value_only, student, teacher))):
            value = fn()
            grad_sum = float(student.grad.double().abs().sum()) if what == "value+grad" else None
            ns, runs, iters = timer.measure(fn, 21)
            distill.append({"impl": f"PyTorch {t} thr" + (" (default)" if tl == "default" else ""), "threads": t,
                            "direction": direction, "what": what, "ms": ns / 1e6, "runs": runs, "iters": iters,
                            "value": value, "relDiffVsF64": abs(value - exact[direction]) / abs(exact[direction]),
                            "gradAbsSum": grad_sum})
            log(f"[{label}] distill {direction:7s} {what:10s} {t} thr {ns / 1e6:9.2f} ms  value {value:.9g}"
                f" (f64 {exact[direction]:.9g})")
    return {
        "label": label,
        "loadavg": {"start": start_load, "end": os.getloadavg()},
        "malloc": {k: os.environ.get(k) for k in MALLOC_TUNED},
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
                     "torch": torch.__version__},
        "torchDefaultThreads": default_threads,
        "torchParallelInfo": torch.__config__.parallel_info(),
        "distillF64": exact,
        "sweep": sweep,
        "distill": distill,
        "sink": timer.sink,
    }


# ---- parent: run both settings, write the JSON, print the tables -----------------------
def fmt(x):
    return "—" if x is None else f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:.0f}"


def print_table(title, head, body):
    widths = [max(len(r[c]) for r in [head] + body) for c in range(len(head))]
    line = lambda r: "  ".join(cell.ljust(widths[c]) if c == 0 else cell.rjust(widths[c]) for c, cell in enumerate(r))
    print(f"\n{title}\n{line(head)}\n" + "  ".join("-" * w for w in widths))
    for r in body:
        print(line(r))


def main():
    argv = sys.argv[1:]
    quick = "--quick" in argv
    sizes_arg = arg_value(argv, "--sizes")
    sizes = [int(float(s)) for s in sizes_arg.split(",")] if sizes_arg else \
        ([1000, 10000, 100000] if quick else [1000, 10000, 100000, 1000000, 10000000])
    if "--child" in argv:
        print(json.dumps(child(arg_value(argv, "--child"), quick, sizes)))
        return
    passthrough = [a for a in argv if a != "--child"]
    runs = []
    for label, extra in (("plain", {}), ("malloc-tuned", MALLOC_TUNED)):
        env = {k: v for k, v in os.environ.items() if k not in MALLOC_TUNED}
        env.update(extra)
        log(f"--- {label} {' '.join(f'{k}={v}' for k, v in extra.items())}")
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", label, *passthrough],
                              env=env, stdout=subprocess.PIPE, check=True)
        runs.append(json.loads(proc.stdout))
    out = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "generator": "bench/peers/python.py",
        "python": sys.executable,
        "versions": runs[0]["versions"],
        "machine": {"platform": platform.platform(), "cpu": platform.processor() or platform.machine(),
                    "nproc": os.cpu_count()},
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OMP_NUM_THREADS", "MKL_NUM_THREADS")},
        "note": "NumPy/SciPy ran with the environment's OPENBLAS_CORETYPE (see env); their element-wise kernels do "
                "not call BLAS. 'malloc-tuned' = MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000.",
        "quick": quick,
        "sizes": sizes,
        "runs": runs,
    }
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")

    cpu = out["machine"]["cpu"]
    print(f"Python peers, {out['versions']}, {cpu}, {os.cpu_count()} CPUs, torch default threads "
          f"{runs[0]['torchDefaultThreads']}, OPENBLAS_CORETYPE={out['env']['OPENBLAS_CORETYPE']}")
    head = ["ns/element"] + [f"n={n:.0e}" for n in sizes]
    body = []
    for dtype in ("f64", "f32"):
        for run in runs:
            names = list(dict.fromkeys(r["impl"] for r in run["sweep"]))
            for name in names:
                row = [f"{name} {dtype} [{run['label']}]"]
                for n in sizes:
                    r = next((r for r in run["sweep"] if r["impl"] == name and r["dtype"] == dtype and r["n"] == n), None)
                    row.append(fmt(r and r["nsPerElement"]))
                body.append(row)
    print_table("Forward KL sum p*log(p/q), median ns/element", head, body)
    body = []
    for run in runs:
        for r in run["distill"]:
            body.append([f"{r['impl']} [{run['label']}]", r["direction"], r["what"], f"{r['ms']:.2f}",
                         f"{r['value']:.9g}", f"{r['relDiffVsF64']:.2e}"])
    print_table(f"Distillation {ROWS} x {COLS} f32 logits, median ms per call",
                ["impl", "KL", "computes", "ms", "value", "rel. diff vs f64"], body)
    print(f"\nwrote {os.path.relpath(RESULTS)}")


if __name__ == "__main__":
    main()

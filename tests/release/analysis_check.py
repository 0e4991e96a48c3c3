#!/usr/bin/env python3
"""Recomputes a release's analysis file (TABLE.analysis.csv) from its
published table (TABLE.csv) and the population file, independently of
ocstat and GSL: Python's standard library only, intervals by bisection on
the Poisson and binomial distribution functions, the trend by Newton's
method on the Poisson likelihood.

Checks every row: a figure whose inputs include a cell that is not
published must be Q with no value; every other figure must be A and equal
to the recomputation (to its printed decimals, one unit of slack).

    analysis_check.py TABLE.csv TABLE.analysis.csv POPULATION.csv PER MALE FEMALE MINOR_CODE...
"""
import csv
import math
import sys


def fail(msg):
    print("analysis_check: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def bisect(f, lo, hi):
    for _ in range(200):
        m = (lo + hi) / 2
        if f(m) > 0:
            lo = m
        else:
            hi = m
    return (lo + hi) / 2


def gamma_p(a, x):
    """Regularized lower incomplete gamma P(a, x): series, or continued
    fraction (Lentz) for x > a + 1."""
    if x <= 0:
        return 0.0
    lg = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = s = 1.0 / a
        ap = a
        for _ in range(100000):
            ap += 1
            term *= x / ap
            s += term
            if abs(term) < abs(s) * 1e-15:
                break
        return s * math.exp(lg)
    b, c, d = x + 1 - a, 1e300, 1 / (x + 1 - a)
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1 / d
        h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return 1 - math.exp(lg) * h


def pois_cdf(k, mu):
    """P(X <= k) for X ~ Poisson(mu) = Q(k + 1, mu)."""
    return 0.0 if k < 0 else 1 - gamma_p(k + 1, mu)


def beta_inc(a, b, x):
    """Regularized incomplete beta I_x(a, b), continued fraction."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1 - beta_inc(b, a, 1 - x)
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (1e-300 if abs(d) < 1e-300 else d)
    h = d
    for m in range(1, 100000):
        for num in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                    -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + num * d
            d = 1 / (1e-300 if abs(d) < 1e-300 else d)
            c = 1 + num / c
            c = 1e-300 if abs(c) < 1e-300 else c
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return math.exp(lbt) * h / a


def binom_cdf(k, n, p):
    """P(X <= k) for X ~ Binomial(n, p) = I_{1-p}(n - k, k + 1)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return beta_inc(n - k, k + 1, 1 - p)


def poisson_ci(x):
    hi = bisect(lambda mu: pois_cdf(x, mu) - 0.025, 0, 10 * x + 20)
    lo = 0.0 if x == 0 else bisect(lambda mu: 0.025 - (1 - pois_cdf(x - 1, mu)), 0, 10 * x + 20)
    return lo, hi


def binom_ci(x, n):
    hi = 1.0 if x == n else bisect(lambda p: binom_cdf(x, n, p) - 0.025, 1e-15, 1 - 1e-15)
    lo = 0.0 if x == 0 else bisect(lambda p: 0.025 - (1 - binom_cdf(x - 1, n, p)), 1e-15, 1 - 1e-15)
    return lo, hi


def trend(xs, ts, offs):
    """Poisson log-linear fit by Newton's method: 100 (e^b - 1)."""
    tbar = sum(ts) / len(ts)
    tc = [t - tbar for t in ts]
    a, b = math.log(sum(xs) / sum(math.exp(o) for o in offs)), 0.0
    for _ in range(200):
        mu = [math.exp(o + a + b * t) for o, t in zip(offs, tc)]
        g0 = sum(x - m for x, m in zip(xs, mu))
        g1 = sum(t * (x - m) for x, m, t in zip(xs, mu, tc))
        h00 = sum(mu)
        h01 = sum(m * t for m, t in zip(mu, tc))
        h11 = sum(m * t * t for m, t in zip(mu, tc))
        det = h00 * h11 - h01 * h01
        da, db = (h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det
        a, b = a + da, b + db
        if abs(db) < 1e-13:
            break
    return 100 * (math.exp(b) - 1)


def close(got, want, dec):
    return abs(float(got) - want) <= 1.0001 * 10 ** -dec + 1e-9


def main():
    tab_path, an_path, pop_path, per = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    male, female, minors = sys.argv[5], sys.argv[6], set(sys.argv[7:])
    with open(tab_path, newline="") as f:
        rows = list(csv.reader(f))
    dims = rows[0][:rows[0].index("OBS_VALUE")]
    cells = {}
    for r in rows[1:]:
        pub = r[len(dims) + 2] == "F"
        cells[tuple(r[:len(dims)])] = (float(r[len(dims)]) if pub else None)
    with open(pop_path, newline="") as f:
        prows = list(csv.reader(f))
    pdims = prows[0][:-1]
    pop = {tuple(r[:-1]): float(r[-1]) for r in prows[1:]}
    codes = [sorted({k[d] for k in cells}) for d in range(len(dims))]

    def population(key):
        sub = tuple(key[dims.index(d)] for d in pdims)
        if sub in pop:
            return pop[sub]
        tot = [i for i, c in enumerate(sub) if c == "_T"]
        if not tot:
            return None
        s = 0.0
        for p, v in pop.items():
            if all(p[i] == sub[i] for i in range(len(sub)) if i not in tot):
                s += v
        return s

    ti, si, ai = dims.index("TIME_PERIOD"), dims.index("SEX"), dims.index("AGE")
    periods = [c for c in codes[ti] if c != "_T"]
    with open(an_path, newline="") as f:
        an = list(csv.reader(f))
    head = an[0]
    col = {h: i for i, h in enumerate(head)}
    checked = {"A": 0, "Q": 0}
    for r in an[1:]:
        m, key, st = r[0], list(r[1:1 + len(dims)]), r[col["OBS_STATUS"]]
        val, lo, hi = r[col["VALUE"]], r[col["LOWER"]], r[col["UPPER"]]
        if m == "RATE":
            inputs = [tuple(key)]
        elif m == "CHANGE_PCT":
            base = list(key)
            base[ti] = r[col["BASE"]]
            inputs = [tuple(key), tuple(base)]
        elif m == "TREND_PCT":
            inputs = [tuple(key[:ti] + [p] + key[ti + 1:]) for p in periods]
        elif m == "SEX_RATIO":
            inputs = [tuple(key[:si] + [s] + key[si + 1:]) for s in (male, female)]
        elif m == "SHARE_MINORS":
            known = [c for c in codes[ai] if c not in ("_T", "_U")]
            inputs = [tuple(key[:ai] + [c] + key[ai + 1:]) for c in known]
        else:
            fail("unknown measure " + m)
        hidden = any(cells[k] is None for k in inputs)
        if hidden:
            if st != "Q" or val or lo or hi:
                fail("%s %s uses a suppressed cell but is %s %r" % (m, key, st, val))
            checked["Q"] += 1
            continue
        if st != "A":
            fail("%s %s: all inputs published but status %s (%s)" % (m, key, st, r[col["COMMENT"]]))
        x = [cells[k] for k in inputs]
        if m == "RATE":
            p = population(inputs[0])
            cl, ch = poisson_ci(x[0])
            want = [(x[0] / p * per, 2), (cl / p * per, 2), (ch / p * per, 2)]
        elif m in ("CHANGE_PCT", "SEX_RATIO"):
            scale = population(inputs[1]) / population(inputs[0]) if m == "CHANGE_PCT" else 1.0
            pl, pu = binom_ci(x[0], x[0] + x[1])
            f = (lambda v: 100 * (v - 1)) if m == "CHANGE_PCT" else (lambda v: 100 * v)
            want = [(f(x[0] / x[1] * scale), 1), (f(pl / (1 - pl) * scale), 1), (f(pu / (1 - pu) * scale), 1)]
        elif m == "TREND_PCT":
            offs = [math.log(population(k)) for k in inputs]
            want = [(trend(x, [float(p) for p in periods], offs), 1)]
        else:
            minor = sum(v for k, v in zip(inputs, x) if k[ai] in minors)
            pl, pu = binom_ci(minor, sum(x))
            want = [(100 * minor / sum(x), 1), (100 * pl, 1), (100 * pu, 1)]
        for got, (w, dec) in zip((val, lo, hi), want):
            if not close(got, w, dec):
                fail("%s %s: %s, recomputed %.6f" % (m, key, got, w))
        checked["A"] += 1
    print("analysis_check: %d figures recomputed, %d suppressed as they must be" % (checked["A"], checked["Q"]))


if __name__ == "__main__":
    main()

/*
 * sdc_bench.c - speed and quality of ocstat's protection on generated
 * count tables, 2-D to 5-D (up to GEO 300 x ICCS 20 x SEX 3 x AGE 9 x
 * YEAR 4 = 648,000 interior cells).  Interior counts: ~40 % zeros, ~15 %
 * ones and twos, the rest 3 + a geometric tail; margins are their sums.
 * Threshold rule min_count 3 (1-2 suppressed), zeros published.  Dimensions
 * are generic (D0..D4 in the order above).
 *
 * For each table: cells (margins included), primaries, secondaries,
 * suppressed share, seconds in secondary suppression and in the audit,
 * audit failures (must be 0), peak RSS.
 *
 *   build/bench/sdc_bench [--max-cells N] [--seed S] [--method auto|gauss|hypercube] [--check]
 *
 * --check audits every protected table again with full intervals (LP and
 * integer programs, no moves): slow, an independent confirmation.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "oc_mem.h"
#include "protect.h"
#include "sdc_model.h"
#include "sdc_cases.h"   /* the test suite's table builder (margins = sums) */

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t draw(void)
{
    uint64_t r = next() % 1000, v = 3;
    if (r < 400)
        return 0;
    if (r < 550)
        return 1 + (next() & 1);
    while (next() % 10 != 0)
        v++;
    return v;
}

/* Interior counts drawn in row-major order; sc_table adds the margins. */
static oc_table *make(size_t nd, const size_t *n)
{
    size_t d, i, ninner = 1;
    uint64_t *inner;
    oc_table *t;
    for (d = 0; d < nd; d++)
        ninner *= n[d];
    inner = oc_malloc(ninner * sizeof *inner);
    for (i = 0; i < ninner; i++)
        inner[i] = draw();
    t = sc_table(nd, n, inner, 3);
    oc_free(inner);
    return t;
}

int main(int argc, char **argv)
{
    static const struct { size_t nd, n[5]; } shapes[] = {
        {2, {300, 20}},          {3, {100, 20, 3}},       {3, {300, 20, 3}},     {4, {10, 15, 3, 9}},
        {4, {50, 15, 3, 9}},     {4, {100, 20, 3, 9}},    {5, {30, 20, 3, 9, 4}}, {5, {100, 20, 3, 9, 4}},
        {5, {300, 20, 3, 9, 4}},
    };
    size_t max_cells = SIZE_MAX, s, i;
    int method = SDC_AUTO, check = 0;
    for (i = 1; i < (size_t)argc; i++) {
        if (!strcmp(argv[i], "--max-cells") && i + 1 < (size_t)argc)
            max_cells = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--check"))
            check = 1;
        else if (!strcmp(argv[i], "--method") && i + 1 < (size_t)argc) {
            i++;
            method = !strcmp(argv[i], "gauss") ? SDC_GAUSS : !strcmp(argv[i], "hypercube") ? SDC_HYPERCUBE : SDC_AUTO;
        } else if (!strcmp(argv[i], "--seed") && i + 1 < (size_t)argc)
            rng = strtoull(argv[++i], NULL, 10) | 1;
        else {
            fprintf(stderr, "usage: sdc_bench [--max-cells N] [--seed S] [--method auto|gauss|hypercube] [--check]\n");
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("%-22s %9s %9s %8s %9s %7s %9s %8s %6s %8s\n", "table", "interior", "cells", "primary", "secondary",
           "share", "suppress", "audit", "fail", "maxRSS");
    for (s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        char label[64];
        size_t off = 0, inner = 1, c, prim = 0, sec = 0;
        oc_table *t;
        protect_report rep;
        oc_error err;
        struct rusage ru;
        oc_status st;
        for (i = 0; i < shapes[s].nd; i++) {
            off += (size_t)snprintf(label + off, sizeof label - off, "%s%zu", i ? "x" : "", shapes[s].n[i]);
            inner *= shapes[s].n[i];
        }
        if (inner > max_cells)
            continue;
        t = make(shapes[s].nd, shapes[s].n);
        t->method = method;
        oc_error_clear(&err);
        st = protect_table(t, 1, &rep, &err);
        for (c = 0; c < t->ncells; c++) {
            prim += t->status[c] == CELL_PRIMARY;
            sec += t->status[c] == CELL_SECONDARY;
        }
        getrusage(RUSAGE_SELF, &ru);
        printf("%-22s %9zu %9zu %8zu %9zu %6.1f%% %8.2fs %7.2fs %6s %6ldMiB\n", label, inner, t->ncells, prim, sec,
               100.0 * (double)(prim + sec) / (double)t->ncells, rep.secs_suppress, rep.secs_audit,
               st == OC_OK ? "0" : "FAIL", ru.ru_maxrss / 1024);
        if (st != OC_OK)
            fprintf(stderr, "  %s\n", err.msg);
        if (check && st == OC_OK) {
            /* an independent look: the full audit, every interval by LP/MIP, no moves */
            sdc_model *m = NULL;
            audit_opts o;
            audit_result res;
            memset(&res, 0, sizeof res);
            audit_opts_default(&o, t);
            if (sdc_model_build(t, &m, &err) != OC_OK || audit_table(t, m, &o, &res, &err) != OC_OK)
                printf("  check: %s\n", err.msg);
            else
                printf("  check: full audit of %zu suppressed cells: %zu disclosed\n", res.n, res.disclosed);
            for (i = 0; i < res.n && getenv("SDC_BENCH_VERBOSE"); i++)
                if (res.cells[i].disclosed)
                    printf("    cell %zu value %llu status %d: %s [%g, %g] by %zu\n", res.cells[i].cell,
                           (unsigned long long)t->value[res.cells[i].cell], t->status[res.cells[i].cell],
                           audit_reason_name(res.cells[i].verdict), res.cells[i].lo, res.cells[i].hi, res.cells[i].by);
            audit_result_fini(&res);
            sdc_model_free(m);
        }
        fflush(stdout);
        table_free(t);
    }
    return 0;
}

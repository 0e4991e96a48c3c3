/*
 * sdc_bench.c - speed and quality of ocstat's protection on generated
 * count tables, 2-D to 5-D (up to GEO 300 x ICCS 20 x SEX 3 x AGE 9 x
 * YEAR 4 = 648,000 interior cells).  Interior counts: ~40 % zeros, ~15 %
 * ones and twos, the rest 3 + a geometric tail; margins are their sums.
 * Threshold rule min_count 3 (1-2 suppressed), zeros published.
 *
 * For each table: cells (margins included), primaries, secondaries,
 * suppressed share, seconds in secondary suppression and in the audit,
 * audit failures (must be 0), peak RSS.
 *
 *   build/bench/sdc_bench [--max-cells N] [--seed S]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "oc_mem.h"
#include "protect.h"

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

static oc_table *make(size_t nd, const size_t *n, const char *const *names)
{
    oc_table *t = oc_calloc(1, sizeof *t);
    size_t d, i, stride[8], istride[8], ninner = 1;
    t->id = oc_strdup("BENCH");
    t->ndims = nd;
    t->dims = oc_calloc(nd, sizeof *t->dims);
    t->ncells = 1;
    for (d = 0; d < nd; d++) {
        t->dims[d].id = oc_strdup(names[d]);
        t->dims[d].n = n[d] + 1;
        t->dims[d].codes = oc_calloc(n[d] + 1, sizeof(char *));
        t->dims[d].labels = oc_calloc(n[d] + 1, sizeof(char *));
        t->dims[d].parent = oc_calloc(n[d] + 1, sizeof(int32_t));
        for (i = 0; i <= n[d]; i++) {
            char code[16];
            snprintf(code, sizeof code, i ? "C%zu" : "_T", i);
            t->dims[d].codes[i] = oc_strdup(code);
            t->dims[d].parent[i] = i ? 0 : -1;
        }
        t->ncells *= n[d] + 1;
        ninner *= n[d];
    }
    for (d = nd; d-- > 0;) {
        stride[d] = d + 1 < nd ? stride[d + 1] * (n[d + 1] + 1) : 1;
        istride[d] = d + 1 < nd ? istride[d + 1] * n[d + 1] : 1;
    }
    t->value = oc_calloc(t->ncells, sizeof *t->value);
    t->status = oc_calloc(t->ncells, 1);
    for (i = 0; i < ninner; i++) {
        uint64_t v = draw();
        size_t mask;
        if (!v)
            continue;
        for (mask = 0; mask < ((size_t)1 << nd); mask++) {
            size_t c = 0;
            for (d = 0; d < nd; d++)
                c += (mask >> d & 1 ? 0 : (i / istride[d]) % n[d] + 1) * stride[d];
            t->value[c] += v;
        }
    }
    t->totals = 1;
    t->min_count = 3;
    table_protect_primary(t);
    return t;
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"GEO", "ICCS", "SEX", "AGE", "YEAR"};
    static const struct { size_t nd, n[5]; } shapes[] = {
        {2, {300, 20}},            {3, {300, 20, 3}},        {4, {50, 15, 3, 9}},
        {4, {100, 20, 3, 9}},      {5, {30, 20, 3, 9, 4}},   {5, {100, 20, 3, 9, 4}},
        {5, {300, 20, 3, 9, 4}},
    };
    size_t max_cells = SIZE_MAX, s, i;
    for (i = 1; i < (size_t)argc; i++) {
        if (!strcmp(argv[i], "--max-cells") && i + 1 < (size_t)argc)
            max_cells = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < (size_t)argc)
            rng = strtoull(argv[++i], NULL, 10) | 1;
        else {
            fprintf(stderr, "usage: sdc_bench [--max-cells N] [--seed S]\n");
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
        t = make(shapes[s].nd, shapes[s].n, names);
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
        fflush(stdout);
        table_free(t);
    }
    return 0;
}

/* sdc_cases.h - builds count tables for the disclosure-control tests: flat
 * dimensions with "_T" first, margins computed from the interior values
 * (an independent sum, not cube.c's), every cell published. */
#ifndef SDC_CASES_H
#define SDC_CASES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oc_mem.h"
#include "table.h"

/* n[d] leaves per dimension; inner[] row-major over the leaves. */
static inline oc_table *sc_table(size_t nd, const size_t *n, const uint64_t *inner, int64_t min_count)
{
    oc_table *t = oc_calloc(1, sizeof *t);
    size_t d, i, c, stride[16], istride[16];
    t->id = oc_strdup("T");
    t->dataset = oc_strdup("d");
    t->ndims = nd;
    t->dims = oc_calloc(nd, sizeof *t->dims);
    t->ncells = 1;
    for (d = 0; d < nd; d++) {
        char id[24];
        snprintf(id, sizeof id, "D%zu", d);
        t->dims[d].id = oc_strdup(id);
        t->dims[d].n = n[d] + 1;
        t->dims[d].codes = oc_calloc(n[d] + 1, sizeof(char *));
        t->dims[d].labels = oc_calloc(n[d] + 1, sizeof(char *));
        t->dims[d].parent = oc_calloc(n[d] + 1, sizeof(int32_t));
        for (i = 0; i <= n[d]; i++) {
            char code[16];
            snprintf(code, sizeof code, i ? "%c%zu" : "_T", 'a' + (int)d, i);
            t->dims[d].codes[i] = oc_strdup(code);
            t->dims[d].parent[i] = i ? 0 : -1;
        }
        t->ncells *= n[d] + 1;
    }
    for (d = nd; d-- > 0;) {
        stride[d] = d + 1 < nd ? stride[d + 1] * (n[d + 1] + 1) : 1;
        istride[d] = d + 1 < nd ? istride[d + 1] * n[d + 1] : 1;
    }
    t->value = oc_calloc(t->ncells, sizeof *t->value);
    t->status = oc_calloc(t->ncells, 1);
    /* every interior value adds to the 2^nd cells that contain it */
    {
        size_t ninner = 1;
        for (d = 0; d < nd; d++)
            ninner *= n[d];
        for (i = 0; i < ninner; i++) {
            size_t mask;
            for (mask = 0; mask < ((size_t)1 << nd); mask++) {
                c = 0;
                for (d = 0; d < nd; d++) {
                    size_t pos = (i / istride[d]) % n[d] + 1;
                    c += (mask >> d & 1 ? 0 : pos) * stride[d];
                }
                t->value[c] += inner[i];
            }
        }
    }
    t->totals = 1;
    t->min_count = min_count;
    table_protect_primary(t);
    return t;
}

/* Cell index from per-dimension positions (0 = "_T", i = leaf i). */
static inline size_t sc_cell(const oc_table *t, const size_t *pos)
{
    size_t d, c = 0;
    for (d = 0; d < t->ndims; d++)
        c = c * t->dims[d].n + pos[d];
    return c;
}

static inline size_t sc_count(const oc_table *t, int status)
{
    size_t c, k = 0;
    for (c = 0; c < t->ncells; c++)
        k += t->status[c] == status;
    return k;
}

/* n interior counts for random tests: 40 % zeros, 30 % ones and twos,
 * the rest 3..22 (rand(), so seed with srand first). */
static inline void sc_random_inner(uint64_t *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int r = rand() % 10;
        v[i] = r < 4 ? 0 : r < 7 ? (uint64_t)(1 + rand() % 2) : (uint64_t)(3 + rand() % 20);
    }
}

/* A random table of nd dimensions (sc_random_inner counts). */
static inline oc_table *sc_random_nd(size_t nd, const size_t *n, int64_t min_count)
{
    size_t i, cells = 1;
    uint64_t *v;
    oc_table *t;
    for (i = 0; i < nd; i++)
        cells *= n[i];
    v = oc_malloc(cells * sizeof *v);
    sc_random_inner(v, cells);
    t = sc_table(nd, n, v, min_count);
    oc_free(v);
    return t;
}

/* A random 2-D or 3-D table: shape {n0, n1, n2}, n2 == 0 for 2-D. */
static inline oc_table *sc_random_table(const size_t shape[3], int64_t min_count)
{
    return sc_random_nd(shape[2] ? 3 : 2, shape, min_count);
}

#endif

/* sdc_cases.h - builds count tables for the disclosure-control tests: flat
 * dimensions with "_T" first, margins computed from the interior values
 * (an independent sum, not cube.c's), every cell published. */
#ifndef SDC_CASES_H
#define SDC_CASES_H

#include <stdint.h>
#include <stdio.h>
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
        char id[8];
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

#endif

/* Unit tests for transform/sdc_model and transform/audit: the relations of
 * tables with margins and ICCS levels, and the attacker's LP on the
 * reference cases of SDC.md (H: audit intervals; B: the differencing trap
 * and its fix; F: non-empty counts). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cube.h"
#include "oc_mem.h"
#include "sdc_cases.h"
#include "sdc_model.h"
#include "suppress.h"
#include <stdlib.h>

/* A table R x C with margins first in each dimension: rows[0] and cols[0]
 * are "_T".  vals are row-major over the (nr+1) x (nc+1) cells. */
static oc_table *grid(size_t nr, size_t nc, const uint64_t *vals)
{
    oc_table *t = oc_calloc(1, sizeof *t);
    size_t i, d, n[2] = {nr + 1, nc + 1};
    t->ndims = 2;
    t->dims = oc_calloc(2, sizeof *t->dims);
    for (d = 0; d < 2; d++) {
        t->dims[d].n = n[d];
        t->dims[d].codes = oc_calloc(n[d], sizeof(char *));
        t->dims[d].labels = oc_calloc(n[d], sizeof(char *));
        t->dims[d].parent = oc_calloc(n[d], sizeof(int32_t));
        for (i = 0; i < n[d]; i++) {
            char code[16];
            snprintf(code, sizeof code, i ? "%c%zu" : "_T", d ? 'c' : 'r', i);
            t->dims[d].codes[i] = oc_strdup(code);
            t->dims[d].parent[i] = i ? 0 : -1;
        }
    }
    t->ncells = n[0] * n[1];
    t->value = oc_calloc(t->ncells, sizeof *t->value);
    t->status = oc_calloc(t->ncells, 1);
    memcpy(t->value, vals, t->ncells * sizeof *vals);
    t->totals = 1;
    return t;
}

static const audit_cell *find(const audit_result *r, size_t cell)
{
    size_t i;
    for (i = 0; i < r->n; i++)
        if (r->cells[i].cell == cell)
            return &r->cells[i];
    cr_assert_fail("cell %zu was not audited", cell);
    return NULL;
}

static void audit(const oc_table *t, int nonempty, audit_result *res)
{
    sdc_model *m;
    oc_error err;
    oc_error_clear(&err);
    cr_assert_eq(sdc_model_build(t, &m, &err), OC_OK);
    cr_assert_eq(audit_lp(t, m, nonempty, res, &err), OC_OK, "%s", err.msg);
    sdc_model_free(m);
}

Test(audit, relations_of_a_grid)
{
    uint64_t v[12] = {0};
    oc_table *t = grid(3, 2, v);
    sdc_model *m;
    oc_error err;
    size_t r, k;
    oc_error_clear(&err);
    cr_assert_eq(sdc_model_build(t, &m, &err), OC_OK);
    /* row totals: 4 rows (incl. _T) sum over the columns; column totals: 3 columns */
    cr_assert_eq(m->nrel, 4 + 3);
    for (r = 0; r < m->nrel; r++) {
        size_t len = m->off[r + 1] - m->off[r];
        cr_assert(len == 3 || len == 4, "relation %zu has %zu cells", r, len);
        for (k = m->off[r]; k < m->off[r + 1]; k++)
            cr_assert_lt(m->idx[k], t->ncells);
    }
    sdc_model_free(m);
    table_free(t);
}

/* SDC.md case H (Geurts 1992; τ-ARGUS manual §2.15): X11 in [3, 6]. */
Test(audit, case_h_interval)
{
    /*        _T  c1 c2 */
    uint64_t v[] = {16, 9, 7,    /* _T */
                    7,  4, 3,    /* r1: X11 X12 */
                    3,  2, 1,    /* r2: X21 X22 */
                    6,  3, 3};   /* r3 */
    oc_table *t = grid(3, 2, v);
    audit_result res;
    t->status[4] = t->status[5] = t->status[7] = t->status[8] = CELL_PRIMARY;
    audit(t, 0, &res);
    cr_assert_eq(res.n, 4);
    cr_assert_float_eq(find(&res, 4)->lo, 3.0, 1e-9);
    cr_assert_float_eq(find(&res, 4)->hi, 6.0, 1e-9);
    cr_assert_float_eq(find(&res, 8)->lo, 0.0, 1e-9);   /* X22 = X11 - 3 */
    cr_assert_float_eq(find(&res, 8)->hi, 3.0, 1e-9);
    cr_assert_eq(res.disclosed, 0);
    audit_result_fini(&res);
    table_free(t);
}

/* SDC.md case B: nine primaries, two per row and column, yet w/b = 47 is
 * disclosed; suppressing x/d = 31 protects every cell, with the intervals
 * sdcTable and GaussSuppression report. */
Test(audit, case_b_differencing_trap_and_fix)
{
    /*              _T    a    b    c    d */
    uint64_t v[] = {3943, 1012, 1262, 779, 890,   /* _T */
                    230,  30,   47,   64,  89,    /* w */
                    250,  90,   124,  5,   31,    /* x */
                    336,  92,   100,  59,  85,    /* y */
                    3127, 800,  991,  651, 685};  /* z */
    const size_t prim[] = {6, 7, 8, 11, 13, 17, 19, 22, 24};
    struct { size_t cell; double lo, hi; } want[] = {
        {6, 0, 120}, {7, 0, 78}, {8, 0, 69}, {11, 0, 120}, {13, 0, 69},
        {17, 0, 185}, {19, 0, 185}, {22, 875, 1138}, {24, 538, 801}};
    oc_table *t = grid(4, 4, v);
    audit_result res;
    size_t i;
    for (i = 0; i < 9; i++)
        t->status[prim[i]] = CELL_PRIMARY;
    audit(t, 0, &res);
    cr_assert_eq(res.n, 9);
    cr_assert(find(&res, 7)->disclosed, "w/b should be disclosed");
    cr_assert_float_eq(find(&res, 7)->lo, 47.0, 1e-6);
    cr_assert_float_eq(find(&res, 7)->hi, 47.0, 1e-6);
    audit_result_fini(&res);
    t->status[14] = CELL_SECONDARY;   /* x/d = 31 */
    audit(t, 0, &res);
    cr_assert_eq(res.disclosed, 0);
    for (i = 0; i < 9; i++) {
        const audit_cell *a = find(&res, want[i].cell);
        cr_assert_float_eq(a->lo, want[i].lo, 1e-6, "cell %zu lo %g", want[i].cell, a->lo);
        cr_assert_float_eq(a->hi, want[i].hi, 1e-6, "cell %zu hi %g", want[i].cell, a->hi);
    }
    audit_result_fini(&res);
    table_free(t);
}

/* SDC.md case F: 15 = 10 + 3 + 1 + 1 with the two 1s suppressed.  Counts
 * are non-negative: [0, 2], not exact.  Zeros are published, so a
 * suppressed cell is at least 1: then both are exactly 1. */
Test(audit, case_f_nonempty_cells)
{
    oc_table *t = oc_calloc(1, sizeof *t);
    const char *codes[] = {"_T", "a", "b", "c", "d"};
    uint64_t v[] = {15, 10, 3, 1, 1};
    audit_result res;
    size_t i;
    t->ndims = 1;
    t->dims = oc_calloc(1, sizeof *t->dims);
    t->dims[0].n = 5;
    t->dims[0].codes = oc_calloc(5, sizeof(char *));
    t->dims[0].labels = oc_calloc(5, sizeof(char *));
    t->dims[0].parent = oc_calloc(5, sizeof(int32_t));
    for (i = 0; i < 5; i++) {
        t->dims[0].codes[i] = oc_strdup(codes[i]);
        t->dims[0].parent[i] = i ? 0 : -1;
    }
    t->ncells = 5;
    t->value = oc_calloc(5, sizeof *t->value);
    t->status = oc_calloc(5, 1);
    memcpy(t->value, v, sizeof v);
    t->status[3] = t->status[4] = CELL_PRIMARY;
    audit(t, 0, &res);
    cr_assert_float_eq(find(&res, 3)->lo, 0.0, 1e-9);
    cr_assert_float_eq(find(&res, 3)->hi, 2.0, 1e-9);
    cr_assert_eq(res.disclosed, 0);
    audit_result_fini(&res);
    audit(t, 1, &res);
    cr_assert_eq(res.disclosed, 2);
    audit_result_fini(&res);
    table_free(t);
}

/* A table without margins has no relations: nothing can be deduced. */
Test(audit, no_totals_no_disclosure)
{
    uint64_t v[4] = {5, 1, 2, 9};
    oc_table *t = grid(1, 1, v);
    audit_result res;
    t->dims[0].parent[1] = t->dims[1].parent[1] = -1;
    t->status[3] = CELL_PRIMARY;
    audit(t, 0, &res);
    cr_assert_eq(res.n, 1);
    cr_assert(isinf(res.cells[0].hi));
    cr_assert_eq(res.disclosed, 0);
    audit_result_fini(&res);
    table_free(t);
}

/* The verdicts-only audit (feasible points first, LPs for the rest) must
 * give every cell the verdict of the full interval audit: random 2-D and
 * 3-D tables after secondary suppression, with and without protection
 * levels. */
Test(audit, verdicts_only_match_intervals)
{
    static const size_t shapes[][3] = {{8, 6, 0}, {12, 4, 0}, {5, 4, 3}, {6, 3, 3}};
    size_t s, rep, i;
    srand(5);
    for (s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (rep = 0; rep < 6; rep++) {
            oc_table *t;
            suppress_stats st;
            sdc_model *m;
            audit_opts o;
            audit_result full, fast;
            oc_error err;
            oc_error_clear(&err);
            t = sc_random_table(shapes[s], 3);
            if (rep % 2)
                t->upl = 2;
            cr_assert_eq(suppress_secondary(t, NULL, 0, NULL, &st, &err), OC_OK, "%s", err.msg);
            cr_assert_eq(sdc_model_build(t, &m, &err), OC_OK);
            audit_opts_default(&o, t);
            cr_assert_eq(audit_table(t, m, &o, &full, &err), OC_OK, "%s", err.msg);
            o.intervals = 0;
            cr_assert_eq(audit_table(t, m, &o, &fast, &err), OC_OK, "%s", err.msg);
            cr_assert_eq(full.n, fast.n);
            for (i = 0; i < full.n; i++)
                cr_assert_eq(full.cells[i].verdict, fast.cells[i].verdict, "shape %zu rep %zu cell %zu", s, rep,
                             full.cells[i].cell);
            cr_assert_eq(full.disclosed, fast.disclosed);
            audit_result_fini(&full);
            audit_result_fini(&fast);
            sdc_model_free(m);
            table_free(t);
        }
}

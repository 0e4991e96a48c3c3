/* Unit tests for transform/suppress: SDC.md reference cases A, B, C, E, F
 * (the expected secondary pattern, or no more cells than the reference and
 * a passing audit), determinism, and random tables checked against an
 * independent dense rank computation. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "sdc_cases.h"
#include "sdc_model.h"
#include "protect.h"
#include "suppress.h"
#include "hypercube.h"
#include "linked.h"
#include "oc_mem.h"

static void protect(oc_table *t, suppress_stats *s)
{
    oc_error err;
    oc_error_clear(&err);
    cr_assert_eq(suppress_secondary(t, NULL, 0, NULL, s, &err), OC_OK, "%s", err.msg);
}

/* Suppressed cells the audit says are disclosed: the classic LP audit, or
 * (full) the whole attacker of audit.h: non-negative whole numbers,
 * non-empty suppressed cells, singletons' knowledge. */
static size_t disclosed(const oc_table *t, int full)
{
    sdc_model *m;
    audit_result r;
    audit_opts o;
    oc_error err;
    size_t n;
    oc_error_clear(&err);
    audit_opts_default(&o, t);
    cr_assert_eq(sdc_model_build(t, &m, &err), OC_OK);
    cr_assert_eq(full ? audit_table(t, m, &o, &r, &err) : audit_lp(t, m, !t->protect_zeros, &r, &err), OC_OK, "%s",
                 err.msg);
    n = r.disclosed;
    audit_result_fini(&r);
    sdc_model_free(m);
    return n;
}

static size_t lp_disclosed(const oc_table *t) { return disclosed(t, 0); }
static size_t full_disclosed(const oc_table *t) { return disclosed(t, 1); }

static int st2(const oc_table *t, size_t r, size_t c)
{
    size_t pos[2] = {r, c};
    return t->status[sc_cell(t, pos)];
}

/* Case A: region x gender, A/female = 2 primary; expected secondaries
 * A/male, C/male, C/female (sdcTable OPT/HITAS/HYPERCUBE, GaussSuppression). */
Test(suppress, case_a)
{
    static const uint64_t v[] = {18, 2, 14, 19, 12, 10, 11, 14};
    size_t n[2] = {4, 2};
    oc_table *t = sc_table(2, n, v, 3);
    suppress_stats s;
    cr_assert_eq(t->value[0], 100);
    cr_assert_eq(sc_count(t, CELL_PRIMARY), 1);
    protect(t, &s);
    cr_assert_eq(s.secondary, 3);
    cr_assert_eq(st2(t, 1, 1), CELL_SECONDARY);   /* A/male */
    cr_assert_eq(st2(t, 1, 2), CELL_PRIMARY);     /* A/female */
    cr_assert_eq(st2(t, 3, 1), CELL_SECONDARY);   /* C/male */
    cr_assert_eq(st2(t, 3, 2), CELL_SECONDARY);   /* C/female */
    cr_assert_eq(lp_disclosed(t), 0);
    table_free(t);
}

/* Case B: nine primaries, two per line, yet w/b = 47 by differencing;
 * expected: exactly one secondary, x/d = 31. */
Test(suppress, case_b)
{
    static const uint64_t v[] = {30, 47, 64, 89, 90, 124, 5, 31, 92, 100, 59, 85, 800, 991, 651, 685};
    static const int prim[][2] = {{1, 1}, {1, 2}, {1, 3}, {2, 1}, {2, 3}, {3, 2}, {3, 4}, {4, 2}, {4, 4}};
    size_t n[2] = {4, 4}, i;
    oc_table *t = sc_table(2, n, v, 0);
    suppress_stats s;
    for (i = 0; i < 9; i++) {
        size_t pos[2] = {(size_t)prim[i][0], (size_t)prim[i][1]};
        t->status[sc_cell(t, pos)] = CELL_PRIMARY;
    }
    t->min_count = 1;   /* primaries set by hand */
    cr_assert_eq(lp_disclosed(t), 1, "w/b is disclosed before protection");
    protect(t, &s);
    cr_assert_eq(s.secondary, 1);
    cr_assert_eq(st2(t, 2, 4), CELL_SECONDARY);   /* x/d */
    cr_assert_eq(lp_disclosed(t), 0);
    table_free(t);
}

/* Case C: records a,b,b,c; tot = 4, a = 1, b = 2, c = 1, d = 0; maxN = 1
 * (min_count 2).  Without singleton handling the owner of a gets c = 1;
 * expected: b secondary (sdcTable detectSingletons). */
Test(suppress, case_c_singletons)
{
    static const uint64_t v[] = {1, 2, 1, 0};
    size_t n[1] = {4};
    oc_table *t = sc_table(1, n, v, 2);
    suppress_stats s;
    cr_assert_eq(sc_count(t, CELL_PRIMARY), 2);
    protect(t, &s);
    cr_assert_eq(s.secondary, 1);
    cr_assert_eq(t->status[2], CELL_SECONDARY);   /* b */
    cr_assert_eq(t->status[4], CELL_PUBLISHED);   /* d = 0 is never a secondary */
    table_free(t);
}

/* A singleton beside a primary with room to move (tot = 1 + 2 + 10,
 * min_count 3): the linear pass is content with a and b suppressed, but
 * the unit in a knows a = 1 and so b = 2.  The singleton round adds the
 * combination b - a and the pass suppresses c as well. */
Test(suppress, singleton_pair_round)
{
    static const uint64_t v[] = {1, 2, 10};
    size_t n[1] = {3};
    oc_table *t = sc_table(1, n, v, 3);
    suppress_stats s;
    cr_assert_eq(sc_count(t, CELL_PRIMARY), 2);
    protect(t, &s);
    cr_assert_geq(s.rounds, 2);
    cr_assert_eq(s.secondary, 1);
    cr_assert_eq(t->status[3], CELL_SECONDARY);
    cr_assert_eq(full_disclosed(t), 0);
    table_free(t);
}

/* Case F: 15 = 10 + 3 + 1 + 1, maxN = 1: the two ones are exact for an
 * attacker who knows counts are >= 1; expected: b = 3 secondary. */
Test(suppress, case_f_nonempty)
{
    static const uint64_t v[] = {10, 3, 1, 1};
    size_t n[1] = {4};
    oc_table *t = sc_table(1, n, v, 2);
    suppress_stats s;
    protect(t, &s);
    cr_assert_eq(s.secondary, 1);
    cr_assert_eq(t->status[2], CELL_SECONDARY);
    cr_assert_eq(lp_disclosed(t), 0);
    table_free(t);
}

/* Case E: 2 x 5 with three singletons, maxN = 2 (min_count 3), seven
 * primaries.  GaussSuppression needs 4 secondaries but ignores that the
 * three ones in row 1 sum to 3 (each is >= 1, so each is exactly 1);
 * ocstat's audit sees that, so the bound here is the full audit passing
 * with at most one cell more than GaussSuppression. */
Test(suppress, case_e)
{
    static const uint64_t v[] = {1, 1, 7, 1, 0, 1, 0, 0, 2, 8};
    size_t n[2] = {2, 5};
    oc_table *t = sc_table(2, n, v, 3);
    protect_report rep;
    oc_error err;
    oc_error_clear(&err);
    cr_assert_eq(sc_count(t, CELL_PRIMARY), 7);
    cr_assert_eq(protect_table(t, 1, &rep, &err), OC_OK, "%s", err.msg);
    cr_assert_leq(sc_count(t, CELL_SECONDARY), 5);
    cr_assert_eq(full_disclosed(t), 0);
    {
        size_t c;
        for (c = 0; c < t->ncells; c++)
            if (t->status[c] == CELL_SECONDARY)
                cr_assert_gt(t->value[c], 0, "an empty cell was used as a secondary");
    }
    table_free(t);
}

/* Same input, same pattern. */
Test(suppress, deterministic)
{
    size_t n[3] = {6, 5, 4}, i, N = 120;
    uint64_t v[120];
    oc_table *a, *b;
    suppress_stats s;
    srand(7);
    for (i = 0; i < N; i++)
        v[i] = (uint64_t)(rand() % 3 ? rand() % 6 : rand() % 40);
    a = sc_table(3, n, v, 3);
    b = sc_table(3, n, v, 3);
    protect(a, &s);
    protect(b, &s);
    cr_assert_arr_eq(a->status, b->status, a->ncells);
    table_free(a);
    table_free(b);
}

/* Independent check of the linear guarantee: with the relations restricted
 * to the suppressed cells (published cells moved to the right-hand side),
 * a cell is determined iff its column is not in the span of the other
 * suppressed columns.  Dense Gaussian elimination in doubles, on tables
 * small enough for it to be exact. */
static size_t dense_rank(double *a, size_t rows, size_t cols)
{
    size_t r = 0, c, i, k;
    for (c = 0; c < cols && r < rows; c++) {
        size_t piv = r;
        for (i = r + 1; i < rows; i++)
            if (fabs(a[i * cols + c]) > fabs(a[piv * cols + c]))
                piv = i;
        if (fabs(a[piv * cols + c]) < 1e-9)
            continue;
        for (k = 0; k < cols; k++) {
            double tmp = a[r * cols + k];
            a[r * cols + k] = a[piv * cols + k];
            a[piv * cols + k] = tmp;
        }
        for (i = 0; i < rows; i++)
            if (i != r && fabs(a[i * cols + c]) > 1e-12) {
                double f = a[i * cols + c] / a[r * cols + c];
                for (k = 0; k < cols; k++)
                    a[i * cols + k] -= f * a[r * cols + k];
            }
        r++;
    }
    return r;
}

static size_t linearly_determined_primaries(const oc_table *t)
{
    sdc_model *m;
    oc_error err;
    size_t *col = calloc(t->ncells, sizeof *col), ns = 0, c, r, k, det = 0;
    double *a, *b;
    oc_error_clear(&err);
    cr_assert_eq(sdc_model_build(t, &m, &err), OC_OK);
    for (c = 0; c < t->ncells; c++)
        if (t->status[c] != CELL_PUBLISHED)
            col[c] = ++ns;
    a = calloc(m->nrel * ns + 1, sizeof *a);
    b = calloc(m->nrel * ns + 1, sizeof *b);
    for (r = 0; r < m->nrel; r++)
        for (k = m->off[r]; k < m->off[r + 1]; k++)
            if (col[m->idx[k]])
                a[r * ns + col[m->idx[k]] - 1] = k == m->off[r] ? 1.0 : -1.0;
    {
        size_t full;
        memcpy(b, a, m->nrel * ns * sizeof *a);
        full = dense_rank(b, m->nrel, ns);
        for (c = 0; c < t->ncells; c++) {
            size_t j = col[c], rr, without;
            if (!j || t->status[c] != CELL_PRIMARY)
                continue;
            /* drop column j-1: zero it */
            memcpy(b, a, m->nrel * ns * sizeof *a);
            for (rr = 0; rr < m->nrel; rr++)
                b[rr * ns + j - 1] = 0;
            without = dense_rank(b, m->nrel, ns);
            det += without < full;   /* column not in the span of the others */
        }
    }
    free(a);
    free(b);
    free(col);
    sdc_model_free(m);
    return det;
}

/* Random 2-D and 3-D tables (40 % zeros, many ones and twos): no primary
 * is linearly determined after the pass, by the dense check above. */
Test(suppress, random_tables_against_dense_rank)
{
    static const size_t shapes[][3] = {{7, 5, 0}, {9, 4, 0}, {4, 3, 3}, {5, 4, 2}};
    size_t s, rep;
    srand(11);
    for (s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (rep = 0; rep < 6; rep++) {
            oc_table *t;
            suppress_stats st;
            t = sc_random_table(shapes[s], 3);
            protect(t, &st);
            cr_assert_eq(linearly_determined_primaries(t), 0, "shape %zu rep %zu", s, rep);
            table_free(t);
        }
}

/* A line whose primaries all sit at the lower bound (three ones, zeros
 * published) gets one more suppression in the line from the pass itself:
 * the full audit passes without the repair loop. */
Test(suppress, tight_line_needs_no_repair)
{
    static const uint64_t v[] = {1, 1, 7, 1, 9, 6, 5, 8, 4, 9, 7, 6, 8, 5, 9};
    size_t n[2] = {3, 5};
    oc_table *t = sc_table(2, n, v, 3);
    suppress_stats s;
    protect(t, &s);
    cr_assert_eq(full_disclosed(t), 0);
    table_free(t);
}

/* Group rule: district d1 has 5 victims, all female.  Publishing its male
 * cell (0) would tell that every victim there is female.  The rule makes
 * that empty cell primary; protection then keeps an attacker from proving
 * it empty (its interval reaches 1) and the table passes the audit. */
Test(suppress, group_rule_protects_the_empty_category)
{
    static const uint64_t v[] = {5, 0, 3, 4, 2, 6, 7, 5};
    size_t n[2] = {4, 2}, pos[2] = {1, 2}, c, i;
    oc_table *t = sc_table(2, n, v, 0);
    protect_report rep;
    sdc_model *m;
    audit_opts o;
    audit_result r;
    oc_error err;
    oc_error_clear(&err);
    cr_assert_eq(sc_count(t, CELL_PRIMARY), 0);
    t->group_dims = 1u << 1;   /* the second dimension (sex) is sensitive */
    cr_assert_eq(table_group_rule(t, &err), OC_OK);
    cr_assert_eq(t->group_flagged, 1);
    c = sc_cell(t, pos);
    cr_assert_eq(t->value[c], 0);
    cr_assert_eq(t->status[c], CELL_PRIMARY);
    cr_assert_eq(sc_count(t, CELL_PRIMARY), 1);
    cr_assert_eq(protect_table(t, 1, &rep, &err), OC_OK, "%s", err.msg);
    cr_assert_eq(t->status[c], CELL_PRIMARY);
    cr_assert_geq(sc_count(t, CELL_SECONDARY), 3);   /* a rectangle at least */
    cr_assert_eq(sdc_model_build(t, &m, &err), OC_OK);
    audit_opts_default(&o, t);
    cr_assert_eq(audit_table(t, m, &o, &r, &err), OC_OK, "%s", err.msg);
    cr_assert_eq(r.disclosed, 0);
    for (i = 0; i < r.n; i++)
        if (r.cells[i].cell == c) {
            cr_assert_eq(r.cells[i].lo, 0);
            cr_assert_geq(r.cells[i].hi, 1);
        }
    audit_result_fini(&r);
    sdc_model_free(m);
    table_free(t);
}

/* The rule flags nothing when every total spreads over two categories or
 * more, and a total with one category only is not a disclosure. */
Test(suppress, group_rule_flags_only_single_category_totals)
{
    static const uint64_t v[] = {5, 1, 3, 4, 2, 6};
    size_t n[2] = {3, 2}, n1[2] = {3, 1};
    oc_table *t = sc_table(2, n, v, 0), *t1 = sc_table(2, n1, v, 0);
    t->group_dims = t1->group_dims = 3u;
    oc_error err;
    oc_error_clear(&err);
    cr_assert_eq(table_group_rule(t, &err), OC_OK);
    cr_assert_eq(t->group_flagged, 0);
    cr_assert_eq(sc_count(t, CELL_PRIMARY), 0);
    cr_assert_eq(table_group_rule(t1, &err), OC_OK);
    cr_assert_eq(t1->group_flagged, 0);   /* sex has one category here: nothing to learn */
    table_free(t);
    table_free(t1);
}

/* The whole protection (suppression, audit, repairs with integral moves)
 * on random 3-D tables: it must end with every suppressed cell passing the
 * full audit (whole numbers, non-empty cells, singletons). */
Test(suppress, protect_random_3d_tables_pass_the_audit)
{
    static const size_t shapes[][3] = {{5, 4, 3}, {6, 3, 3}, {4, 4, 4}};
    size_t s, rep;
    srand(23);
    for (s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (rep = 0; rep < 4; rep++) {
            oc_table *t = sc_random_table(shapes[s], 3);
            protect_report pr;
            oc_error err;
            size_t c;
            oc_error_clear(&err);
            cr_assert_eq(protect_table(t, 1, &pr, &err), OC_OK, "shape %zu rep %zu: %s", s, rep, err.msg);
            cr_assert_eq(full_disclosed(t), 0, "shape %zu rep %zu", s, rep);
            for (c = 0; c < t->ncells; c++)
                if (t->status[c] == CELL_SECONDARY)
                    cr_assert_gt(t->value[c], 0, "an empty cell was used as a secondary");
            table_free(t);
        }
}

/* ---- the hypercube method (transform/hypercube.h) ------------------------ */

/* Checks a set of moves without hypercube.c or audit.c: each changes only
 * suppressed cells, by +-1, and leaves every relation of sdc_model adding
 * up; returns how many suppressed cells no move changes. */
static size_t cells_without_move(const oc_table *t, const hc_moves *mv)
{
    sdc_model *m;
    oc_error err;
    long *delta = calloc(t->ncells, sizeof *delta);
    unsigned char *moved = calloc(t->ncells, 1);
    size_t k, i, r, missing = 0;
    oc_error_clear(&err);
    cr_assert_eq(sdc_model_build(t, &m, &err), OC_OK);
    for (k = 0; k < mv->n; k++) {
        for (i = mv->off[k]; i < mv->off[k + 1]; i++) {
            cr_assert_neq(t->status[mv->cell[i]], CELL_PUBLISHED, "a move changes a published cell");
            cr_assert(mv->sign[i] == 1 || mv->sign[i] == -1);
            delta[mv->cell[i]] += mv->sign[i];
            moved[mv->cell[i]] = 1;
        }
        for (r = 0; r < m->nrel; r++) {
            long sum = delta[m->idx[m->off[r]]];
            for (i = m->off[r] + 1; i < m->off[r + 1]; i++)
                sum -= delta[m->idx[i]];
            cr_assert_eq(sum, 0, "move %zu breaks relation %zu", k, r);
        }
        for (i = mv->off[k]; i < mv->off[k + 1]; i++)
            delta[mv->cell[i]] = 0;
    }
    for (i = 0; i < t->ncells; i++)
        missing += t->status[i] != CELL_PUBLISHED && !moved[i];
    free(delta);
    free(moved);
    sdc_model_free(m);
    return missing;
}

/* 3-D and 4-D random tables protected by moves (protect_table, method
 * hypercube): the full audit (every interval by LP and integer programs)
 * finds nothing, no primary is linearly determined (dense rank), no empty
 * cell is suppressed, and the moves through the pattern are valid when the
 * test checks them itself; almost every suppressed cell has one (the rest
 * were settled by the audit's LP). */
Test(suppress, hypercube_random_tables_pass_the_full_audit)
{
    static const struct { size_t nd, n[4]; } shapes[] = {{3, {6, 5, 3}}, {3, {4, 4, 4}}, {4, {4, 3, 3, 3}},
                                                        {4, {3, 5, 2, 4}}};
    size_t s, rep, suppressed = 0, without = 0;
    srand(41);
    for (s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (rep = 0; rep < 4; rep++) {
            oc_table *t = sc_random_nd(shapes[s].nd, shapes[s].n, 3);
            hc_moves mv;
            hc_need nd = {1, 1, 0, 0, 0, 0};
            protect_report pr;
            oc_error err;
            size_t c;
            oc_error_clear(&err);
            t->method = SDC_HYPERCUBE;
            cr_assert_eq(protect_table(t, 1, &pr, &err), OC_OK, "shape %zu rep %zu: %s", s, rep, err.msg);
            cr_assert_eq(full_disclosed(t), 0, "shape %zu rep %zu", s, rep);
            cr_assert_eq(linearly_determined_primaries(t), 0, "shape %zu rep %zu", s, rep);
            for (c = 0; c < t->ncells; c++) {
                if (t->status[c] == CELL_SECONDARY)
                    cr_assert_gt(t->value[c], 0, "an empty cell was used as a secondary");
                suppressed += t->status[c] != CELL_PUBLISHED;
            }
            hc_moves_init(&mv);
            cr_assert_eq(hc_certify(t, &nd, &mv, &err), OC_OK, "%s", err.msg);
            without += cells_without_move(t, &mv);
            hc_moves_fini(&mv);
            table_free(t);
        }
    cr_assert_lt(without * 20, suppressed, "%zu of %zu suppressed cells have no move", without, suppressed);
}

/* Through protect_table with method hypercube: same pattern on every run,
 * and the table passes the full audit. */
Test(suppress, hypercube_protect_is_deterministic)
{
    size_t n[4] = {5, 4, 3, 3};
    oc_table *a, *b;
    protect_report pr;
    oc_error err;
    srand(7);
    a = sc_random_nd(4, n, 3);
    srand(7);
    b = sc_random_nd(4, n, 3);
    a->method = b->method = SDC_HYPERCUBE;
    oc_error_clear(&err);
    cr_assert_eq(protect_table(a, 1, &pr, &err), OC_OK, "%s", err.msg);
    cr_assert_eq(protect_table(b, 1, &pr, &err), OC_OK, "%s", err.msg);
    cr_assert_arr_eq(a->status, b->status, a->ncells);
    cr_assert_eq(a->method, SDC_HYPERCUBE);
    cr_assert_eq(full_disclosed(a), 0);
    table_free(a);
    table_free(b);
}

/* Case F by moves: 15 = 10 + 3 + 1 + 1 with the ones primary (min_count 2):
 * the reference's pattern (b = 3 secondary), and the ones are not exact,
 * also for each other's unit. */
Test(suppress, hypercube_case_f)
{
    static const uint64_t v[] = {10, 3, 1, 1};
    size_t n[1] = {4};
    oc_table *t = sc_table(1, n, v, 2);
    protect_report pr;
    oc_error err;
    oc_error_clear(&err);
    t->method = SDC_HYPERCUBE;
    cr_assert_eq(protect_table(t, 1, &pr, &err), OC_OK, "%s", err.msg);
    cr_assert_eq(sc_count(t, CELL_SECONDARY), 1);
    cr_assert_eq(t->status[2], CELL_SECONDARY);   /* b = 3 */
    cr_assert_eq(full_disclosed(t), 0);
    table_free(t);
}

/* The audit checks moves instead of trusting them: in 15 = 10 + 3 + 1 + 1
 * with only the ones suppressed, both are exact (x + x = 2, x >= 1).  A
 * move that breaks the total, or one that changes a published cell, must
 * not make them pass. */
Test(audit, moves_are_checked_not_trusted)
{
    static const uint64_t v[] = {10, 3, 1, 1};
    size_t n[1] = {4}, cells_bad_sum[2] = {3, 4}, cells_published[2] = {3, 2};
    signed char sg_bad_sum[2] = {1, 1}, sg_published[2] = {1, -1};
    size_t off[2] = {0, 2};
    oc_table *t = sc_table(1, n, v, 2);   /* cells: _T, a, b, c, d */
    sdc_model *m;
    audit_opts o;
    audit_result r;
    oc_error err;
    int which;
    oc_error_clear(&err);
    cr_assert_eq(sdc_model_build(t, &m, &err), OC_OK);
    t->secondary = 1;
    for (which = 0; which < 2; which++) {
        hc_moves mv;
        memset(&mv, 0, sizeof mv);
        mv.n = 1;
        mv.off = off;
        mv.cell = which ? cells_published : cells_bad_sum;
        mv.sign = which ? sg_published : sg_bad_sum;
        audit_opts_default(&o, t);
        o.intervals = 0;
        o.moves = &mv;
        cr_assert_eq(audit_table(t, m, &o, &r, &err), OC_OK, "%s", err.msg);
        cr_assert_eq(r.disclosed, 2, "bogus move %d was trusted", which);
        audit_result_fini(&r);
    }
    sdc_model_free(m);
    table_free(t);
}

/* ---- linked tables (transform/linked.h) ---------------------------------- */

/* Case D's regions: counts and two hierarchies (code 0 is the total). */
static const char *const d_codes_county[] = {"_T", "C1", "C2", "A", "B", "I", "J", "K", "L", "M", "N"};
static const int32_t d_par_county[] = {-1, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
static const char *const d_codes_size[] = {"_T", "BIG", "SMALL", "A", "B", "I", "J", "K", "L", "M", "N"};
static const int32_t d_par_size[] = {-1, 0, 0, 2, 2, 2, 2, 2, 1, 1, 2};
static const uint64_t d_count[] = {2, 2, 8, 8, 3, 3, 3, 7};   /* A B I J K L M N */

static void d_dim(tab_dim *dim, const char *id, const char *const *codes, const int32_t *par)
{
    size_t i;
    dim->id = oc_strdup(id);
    dim->n = 11;
    dim->codes = oc_calloc(11, sizeof *dim->codes);
    dim->labels = oc_calloc(11, sizeof *dim->labels);
    dim->parent = oc_malloc(11 * sizeof *dim->parent);
    for (i = 0; i < 11; i++) {
        dim->codes[i] = oc_strdup(codes[i]);
        dim->parent[i] = par[i];
    }
    dim->source = 1;   /* both code the region */
}

/* which: 1 = by county (T1), 2 = by size (T2), 3 = both (the joint table). */
static oc_table *d_table(int which, const char *id)
{
    oc_table *t = oc_calloc(1, sizeof *t);
    size_t nd = which == 3 ? 2 : 1, r, c;
    t->id = oc_strdup(id);
    t->dataset = oc_strdup("d");
    t->ndims = nd;
    t->dims = oc_calloc(nd, sizeof *t->dims);
    if (which & 1)
        d_dim(&t->dims[0], "COUNTY", d_codes_county, d_par_county);
    if (which & 2)
        d_dim(&t->dims[nd - 1], "SIZE", d_codes_size, d_par_size);
    t->ncells = which == 3 ? 121 : 11;
    t->value = oc_calloc(t->ncells, sizeof *t->value);
    t->status = oc_calloc(t->ncells, 1);
    t->totals = 1;
    t->min_count = 4;   /* maxN = 3 */
    for (r = 0; r < 8; r++) {   /* the records of region r, on every cell above them */
        int32_t a, b;
        for (a = (which & 1) ? (int32_t)r + 3 : 0; a >= 0; a = (which & 1) ? d_par_county[a] : -1)
            for (b = (which & 2) ? (int32_t)r + 3 : 0; b >= 0; b = (which & 2) ? d_par_size[b] : -1)
                t->value[(size_t)a * (which == 3 ? 11 : 1) + (size_t)b] += d_count[r];
    }
    for (c = 0; c < t->ncells; c++)
        if (t->value[c] >= 1 && t->value[c] < 4 && which != 3)
            t->status[c] = CELL_PRIMARY;
    return t;
}

/* Case D: each table alone needs no secondary, yet T2(small) - T1(C1) =
 * K + N, so with N published K = 3 is disclosed.  The joint audit sees it
 * when the tables are protected one by one; linked protection suppresses
 * N in both tables (the reference's answer) and passes. */
Test(suppress, case_d_linked_tables)
{
    oc_table *t1 = d_table(1, "T1"), *t2 = d_table(2, "T2"), *cover = d_table(3, "COVER");
    oc_table *both[2];
    protect_report pr;
    oc_error err;
    sdc_model *m;
    audit_opts o;
    audit_result r;
    size_t c, k_cell = 7 * 11 + 0, disclosed = 0;
    oc_error_clear(&err);
    cr_assert_eq(cover->value[0], 36);
    cr_assert_eq(t1->value[1], 20);   /* C1 = A + B + I + J */
    cr_assert_eq(t2->value[2], 30);   /* SMALL */
    /* one by one: no secondaries */
    t1->method = t2->method = SDC_HYPERCUBE;
    cr_assert_eq(protect_table(t1, 1, &pr, &err), OC_OK, "%s", err.msg);
    cr_assert_eq(protect_table(t2, 1, &pr, &err), OC_OK, "%s", err.msg);
    cr_assert_eq(sc_count(t1, CELL_SECONDARY) + sc_count(t2, CELL_SECONDARY), 0);
    /* ... but the joint attacker recovers K: the cover with their patterns */
    for (c = 0; c < cover->ncells; c++) {
        size_t a = c / 11, b = c % 11;
        cover->status[c] = cover->value[c] ? CELL_FREE : CELL_PUBLISHED;
        if (b == 0)
            cover->status[c] = t1->status[a];
        if (a == 0)
            cover->status[c] = t2->status[b];
    }
    cover->secondary = 1;
    audit_opts_default(&o, cover);
    cr_assert_eq(sdc_model_build(cover, &m, &err), OC_OK);
    cr_assert_eq(audit_table(cover, m, &o, &r, &err), OC_OK, "%s", err.msg);
    for (c = 0; c < r.n; c++)
        if (r.cells[c].disclosed) {
            disclosed++;
            if (r.cells[c].cell == k_cell)
                cr_assert_eq(r.cells[c].lo, 3);
        }
    cr_assert_gt(disclosed, 0, "the joint audit misses case D's leak");
    audit_result_fini(&r);
    sdc_model_free(m);
    /* linked: N (cell 10) secondary in both tables, nothing else */
    for (c = 0; c < 11; c++)
        t1->status[c] = t1->status[c] == CELL_SECONDARY ? CELL_PUBLISHED : t1->status[c];
    both[0] = t1;
    both[1] = t2;
    cr_assert_eq(linked_protect(cover, both, 2, &pr, &err), OC_OK, "%s", err.msg);
    cr_assert_eq(t1->status[10], CELL_SECONDARY);
    cr_assert_eq(t2->status[10], CELL_SECONDARY);
    cr_assert_eq(sc_count(t1, CELL_SECONDARY) + sc_count(t2, CELL_SECONDARY), 2);
    cr_assert_str_eq(t1->linked, "T1,T2");
    cr_assert_eq(full_disclosed(t1), 0);
    cr_assert_eq(full_disclosed(t2), 0);
    /* and the joint attacker, with full intervals, finds nothing */
    cover->secondary = 1;
    audit_opts_default(&o, cover);
    cr_assert_eq(sdc_model_build(cover, &m, &err), OC_OK);
    cr_assert_eq(audit_table(cover, m, &o, &r, &err), OC_OK, "%s", err.msg);
    cr_assert_eq(r.disclosed, 0);
    audit_result_fini(&r);
    sdc_model_free(m);
    table_free(t1);
    table_free(t2);
    table_free(cover);
}

/* Protection levels by moves: upl 2 on 4-D random tables; the full audit
 * checks that every primary's interval reaches value + 2.  (A lower level
 * can be out of reach of any pattern: a margin of 2 over two suppressed
 * ones is at least 2 for an attacker who knows they are not empty.) */
Test(suppress, hypercube_protection_levels)
{
    size_t n[4] = {4, 3, 3, 3}, rep;
    srand(99);
    for (rep = 0; rep < 4; rep++) {
        oc_table *t = sc_random_nd(4, n, 3);
        protect_report pr;
        oc_error err;
        oc_error_clear(&err);
        t->method = SDC_HYPERCUBE;
        t->upl = 2;
        cr_assert_eq(protect_table(t, 1, &pr, &err), OC_OK, "rep %zu: %s", rep, err.msg);
        cr_assert_eq(full_disclosed(t), 0, "rep %zu", rep);
        table_free(t);
    }
}

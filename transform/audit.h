/*
 * audit.h - what an attacker can deduce about suppressed cells.
 *
 * Owns the attacker model of DESIGN.md: for every suppressed cell, the
 * smallest and largest value consistent with the published cells and the
 * table's additivity (sdc_model; a margin that also holds records of its
 * own code is ">= the sum of its parts"), counts being non-negative and,
 * when zeros are published, every suppressed cell being at least 1.
 *
 *  - LP (GLPK simplex), one problem per connected component of suppressed
 *    cells (cells linked through relations), the basis re-used from one
 *    objective to the next;
 *  - verdicts without intervals (protection's repair loop): an LP that
 *    pushes all unsettled cells up (then down) at once yields a feasible
 *    table; every cell it moves by a whole number (two if the point is
 *    fractional) or past its protection level is shown safe.  Rounds repeat
 *    while they settle cells; only the rest get their two LPs each.  Exact
 *    cells are never settled this way (no feasible point moves them);
 *  - whole numbers: LP bounds are rounded inwards; where an optimal vertex
 *    is fractional and only two whole values remain, the bound is solved
 *    again as an integer program (GLPK branch and cut, at most 200
 *    nodes each, a budget that keeps verdicts the same on every machine;
 *    one that runs out counts as if the other value were impossible, so
 *    the cell fails rather than passes);
 *  - singletons: the unit alone in an interior cell of count 1 knows that
 *    cell; with it fixed, the primary cells sharing a relation with it are
 *    solved again (a margin that holds nobody but the unit is not a
 *    disclosure);
 *  - protection levels for primary cells: the interval must reach
 *    value + upl and value - lpl (clipped at the lower bound).
 * A cell fails ("disclosed") when its interval holds a single whole number
 * or misses a protection level.
 */
#ifndef AUDIT_H
#define AUDIT_H

#include <stddef.h>

#include "hypercube.h"
#include "oc_error.h"
#include "sdc_model.h"
#include "table.h"

typedef enum audit_reason {
    AUDIT_PASS = 0,
    AUDIT_EXACT,       /* the interval holds one whole number */
    AUDIT_LEVEL,       /* narrower than the protection level asks */
    AUDIT_SINGLETON    /* exact or too narrow for the unit of a singleton */
} audit_reason;

const char *audit_reason_name(audit_reason r);   /* "pass", "exact", ... */

typedef struct audit_opts {
    int    nonempty;     /* a suppressed cell is >= 1 (zeros are published) */
    int    integer;      /* counts are whole numbers */
    int    singletons;   /* insider knowledge of singletons */
    double upl, lpl;     /* absolute protection levels for primary cells */
    double upl_pct, lpl_pct;   /* the same, in percent of the cell's value */
    int    intervals;    /* 1: exact intervals for every cell (reports); 0: verdicts
                          * only, most cells settled by feasible points, and lo/hi
                          * then only filled for the cells that needed them */
    const hc_moves *moves;   /* verdicts only: integral moves (hypercube.h) that,
                                     * once checked, settle cells without an LP; or NULL */
} audit_opts;

/* What protection by moves (hypercube.h) must reach for this attacker. */
void audit_hc_need(const audit_opts *o, hc_need *n);

/* Defaults for a table: nonempty unless zeros are protected, integer and
 * singleton knowledge on, the table's protection levels (upl, lpl), exact
 * intervals. */
void audit_opts_default(audit_opts *o, const oc_table *t);

typedef struct audit_cell {
    size_t       cell;       /* index into the table's cells */
    double       lo, hi;     /* attacker's interval; hi = INFINITY when unbounded */
    audit_reason verdict;
    size_t       by;         /* AUDIT_SINGLETON: the singleton's cell */
    int          disclosed;  /* verdict != AUDIT_PASS */
} audit_cell;

typedef struct audit_result {
    size_t      n;          /* suppressed cells audited */
    audit_cell *cells;      /* owned, in cell order */
    size_t      disclosed;
    size_t      components, largest;   /* connected components, cells in the largest */
    size_t      lps, mips;  /* solves */
} audit_result;

OC_NODISCARD oc_status audit_table(const oc_table *t, const sdc_model *m, const audit_opts *o, audit_result *res,
                                   oc_error *err);

/* LP only (no integers, no singletons, no levels): the classic audit. */
OC_NODISCARD oc_status audit_lp(const oc_table *t, const sdc_model *m, int nonempty, audit_result *res,
                                oc_error *err);
void audit_result_fini(audit_result *r);

#endif

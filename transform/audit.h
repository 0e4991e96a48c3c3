/*
 * audit.h - what an attacker can deduce about suppressed cells.
 *
 * For every suppressed cell, the smallest and largest value consistent
 * with the published cells and the table's additivity (sdc_model), counts
 * being non-negative (and, when zeros are published, every suppressed cell
 * being at least 1): two linear programs per cell, solved with GLPK over
 * the suppressed cells only, re-using the basis from one solve to the next.
 * A cell is disclosed when its interval holds a single whole number.
 *
 * This is the LP audit (SDC.md b5).  Not yet here: the integer program,
 * singleton (insider) knowledge and protection levels (issue #3).
 */
#ifndef AUDIT_H
#define AUDIT_H

#include <stddef.h>

#include "oc_error.h"
#include "sdc_model.h"
#include "table.h"

typedef struct audit_cell {
    size_t cell;       /* index into the table's cells */
    double lo, hi;     /* hi = INFINITY when unbounded */
    int    disclosed;  /* the interval holds exactly one whole number */
} audit_cell;

typedef struct audit_result {
    size_t      n;          /* suppressed cells audited */
    audit_cell *cells;      /* owned */
    size_t      disclosed;
} audit_result;

/* nonempty: a suppressed cell is known to be >= 1 (true when zeros are
 * published, i.e. !t->protect_zeros). */
OC_NODISCARD oc_status audit_lp(const oc_table *t, const sdc_model *m, int nonempty, audit_result *res,
                                oc_error *err);
void audit_result_fini(audit_result *r);

#endif

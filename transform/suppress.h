/*
 * suppress.h - secondary cell suppression for count tables with margins.
 *
 * Owns: choosing which published cells to suppress so that no primary
 * (sensitive) cell can be worked out from the published ones through the
 * table's additivity, including by a unit that is alone in its cell (a
 * singleton) and knows its own contribution.
 *
 * Method (GaussSuppression's rule, Langsrud 2024, on a sparse null-space
 * representation): every cell is a sum of "atoms", the finest cells of
 * the table (the interior cells, plus a hidden atom for the own records of
 * a hierarchy code that also has children).  Candidates (non-sensitive,
 * non-empty cells) are taken in order of decreasing count (ties: the cell
 * covering more atoms first, then table order), so large cells and totals
 * are published and small cells are preferred as secondaries.  A candidate
 * is published unless publishing it would let some sensitive cell be
 * computed exactly from the cells published so far; then it becomes a
 * secondary suppression.  Empty cells are published first (a zero is never
 * used as a secondary) unless zeros are protected.
 *
 * "Can be computed" is exact linear algebra: the published cells fix the
 * atoms up to the space D of atom changes that leave every published cell
 * unchanged; a cell is determined iff its sum is constant on D.  D is kept
 * as a sparse basis that loses one vector per published cell, computed in
 * the integers modulo the prime 2^61 - 1 (no coefficient growth, so no
 * table is too deep for it).
 *
 * Beyond linear algebra, because counts are whole numbers >= 0 (>= 1 for a
 * suppressed cell when zeros are published):
 *  - a line (one relation) whose sensitive cells all sit at that lower
 *    bound, with nothing else sensitive in it, has their sum as an extra
 *    target, so the line gets one more suppression (three ones under a
 *    published total would otherwise all be exact);
 *  - after a pass, two suppressed cells at the lower bound that move in
 *    opposite directions on D (u + c*w fixed, c > 0) have that combination
 *    added as a target;
 *  - singletons: a cell holding one unit lets that unit subtract itself.
 *    For every singleton s and sensitive cell p whose sums move together on
 *    D (p = c + lambda*s for published c), p - lambda*s becomes a target.
 * The pass then runs again (at most 8 passes), as GaussSuppression's
 * "subSum" and tau-ARGUS's virtual cells do.  What remains (exactness that
 * needs more than pairs, integrality in tables that are not totally
 * unimodular) is found by the audit and repaired by protect.h.
 *
 * Deterministic: no hashing of pointers, no randomness; same table, same
 * pattern on every machine.
 */
#ifndef SUPPRESS_H
#define SUPPRESS_H

#include <stddef.h>

#include "oc_error.h"
#include "table.h"

typedef struct suppress_stats {
    size_t primary;      /* sensitive cells on entry */
    size_t secondary;    /* cells this call suppressed */
    size_t rounds;       /* greedy passes (1 + singleton rounds) */
    size_t atoms;        /* atoms of the table */
} suppress_stats;

/* Marks CELL_SECONDARY cells of t in place (t->status must hold the
 * primaries).  Tables without totals have no relations and get none.
 * extra: optional cells (indices) that must also be suppressed, as if
 * primary (used by the audit's repair loop); n_extra may be 0.
 * keep: optional per-cell flags of cells that must stay suppressed but
 * need no protection of their own (the repair loop's integer moves). */
OC_NODISCARD oc_status suppress_secondary(oc_table *t, const size_t *extra, size_t n_extra,
                                          const unsigned char *keep, suppress_stats *stats, oc_error *err);

#endif

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
 * as an integer basis that eliminates one vector per published cell; with
 * totals processed first the basis vectors stay short (a few atoms each),
 * so the work follows the number of cells, not its square.
 *
 * Singletons: a cell holding one unit lets that unit subtract itself.  For
 * every singleton s and sensitive cell p whose sums move together on D
 * (p = c + lambda*s for published c), p - lambda*s becomes an extra
 * sensitive combination and the greedy pass runs again (at most a few
 * rounds), as GaussSuppression's "subSum" and tau-ARGUS's virtual cells do.
 *
 * Deterministic: no hashing of pointers, no randomness; same table, same
 * pattern on every machine.  The result is then checked by audit.h, which
 * also knows that counts are non-negative whole numbers.
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
 * primary (used by the audit's repair loop); n_extra may be 0. */
OC_NODISCARD oc_status suppress_secondary(oc_table *t, const size_t *extra, size_t n_extra,
                                          suppress_stats *stats, oc_error *err);

#endif

/*
 * hypercube.h - integral moves through suppressed cells ("hypercubes"):
 * protection of large tables, and certificates for the audit.
 *
 * A move changes interior cells by +1 or -1 and every margin by the sum of
 * its parts.  It is the tensor product of one "leg" per group of
 * dimensions: +1 on a unit and -1 on another (their ancestors change with
 * them, the common ones cancel), or +1 on a unit and on every ancestor up
 * to the totals.  A group is one dimension (units: its leaves) or the
 * dimensions that code one variable (tab_dim.source; units: the leaf
 * tuples some record has), so that a move between age bands also moves
 * the child/adult code and never needs a combination no record can have.
 * Along flat dimensions a move through an interior cell is the classic
 * 2^d corners of a hypercube (Repsilber; SDC.md b4.3).  If every cell a move
 * changes is suppressed and the true table plus t times the move stays
 * within the attacker's bounds (counts >= 0, suppressed counts >= 1 when
 * zeros are published) for t = +a or t = -a, that changed table is
 * consistent with everything published and whole: the attacker cannot tell
 * the two apart, so each cell the move changes is not disclosed, and the
 * cell moves by a in that direction.  This is a proof with an explicit
 * witness, so the audit (audit.h) can settle such cells without an LP,
 * after checking each move against the table's relations itself.
 *
 * Owns:
 *  - hc_protect: the hypercube method (used for tables too large for the
 *    Gaussian pass of suppress.h): for every cell to protect, in table
 *    order, unless moves found so far already protect it, the move through
 *    it that suppresses the fewest cells, then the least count (local
 *    search, one group at a time, then branch and bound when there are at
 *    most three groups), whose cells are
 *    non-empty and can move far enough for the protection levels.  A
 *    primary singleton's neighbours need a move that avoids it: when a
 *    cell's move holds other singletons, a second move avoiding them is
 *    added (a singleton is then a corner of two cubes, as in tau-ARGUS).
 *  - hc_certify: for the cells suppressed by another method, moves made of
 *    suppressed cells only, so that most cells need no LP in the audit.
 *
 * Deterministic: candidates are scanned in code order, ties keep the first.
 */
#ifndef HYPERCUBE_H
#define HYPERCUBE_H

#include <stddef.h>

#include "oc_error.h"
#include "table.h"

typedef struct hc_moves {
    size_t       n;        /* moves */
    size_t      *off;      /* owned: n + 1 offsets into cell and sign */
    size_t      *cell;     /* owned: the cells each move changes (margins included) */
    signed char *sign;     /* owned: +1 or -1 */
    size_t       mcap, ccap;
} hc_moves;

void hc_moves_init(hc_moves *mv);
void hc_moves_fini(hc_moves *mv);

/* What the protection asks of the cells (mirrors audit_opts). */
typedef struct hc_need {
    int    nonempty;            /* suppressed counts are >= 1 */
    int    singletons;          /* a singleton's unit knows its cell */
    double upl, lpl, upl_pct, lpl_pct;   /* primary cells' protection levels */
} hc_need;

/* Protects every CELL_PRIMARY cell and every cell in extra[] (n_extra may
 * be 0) with moves, suppressing (CELL_SECONDARY) the cells they change.
 * Appends the moves to mv.  thorough: branch and bound for every search
 * (by default only for tables of up to three groups of dimensions). */
OC_NODISCARD oc_status hc_protect(oc_table *t, const hc_need *nd, const size_t *extra, size_t n_extra, int thorough,
                                  hc_moves *mv, oc_error *err);

/* For every suppressed cell not yet shown by mv, looks for a move made of
 * suppressed cells only and appends it to mv.  The table is unchanged. */
OC_NODISCARD oc_status hc_certify(const oc_table *t, const hc_need *nd, hc_moves *mv, oc_error *err);

/* Does move k of mv change cell? */
int hc_move_holds(const hc_moves *mv, size_t k, size_t cell);

#endif

/*
 * cube.h - counting records into one table during the single pass over a
 * dataset, then building the finished table with its margins.
 *
 * A cube holds the interior cells: in a dense mixed-radix array while the
 * dimensions' code counts keep it under 2 Mi cells (open dimensions grow
 * their radix by half as new codes appear), else in an open-addressing hash
 * table keyed by the codes packed into 63 bits.  Memory grows with the
 * number of cells, never with the number of records.
 * Margins ("_T") along every dimension and along ICCS levels are derived
 * only when the table is built, so the per-record work is one filter check,
 * one pack and one hash increment.
 */
#ifndef CUBE_H
#define CUBE_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"
#include "table.h"

#define CUBE_MAX_DIMS 16

typedef struct cube_where {
    int        dim;        /* schema dimension index */
    size_t     ncodes;
    char     **codes;      /* owned: allowed codes (a hierarchy code allows its subtree) */
} cube_where;

typedef struct cube_spec {
    char       *id, *title;          /* owned */
    size_t      nby;
    int         by[CUBE_MAX_DIMS];   /* schema dimension indices */
    size_t      nwhere;
    cube_where *where;               /* owned */
    int         totals;
    int64_t     min_count;
    int         protect_zeros;
    uint32_t    group_dims;          /* group rule: bit i = by[i] is a sensitive dimension */
    double      upl, lpl;            /* protection levels (absolute) */
    double      upl_pct, lpl_pct;    /* ... in percent of the value */
    int         method;              /* secondary suppression: SDC_AUTO, SDC_GAUSS, SDC_HYPERCUBE */
} cube_spec;

void cube_spec_fini(cube_spec *sp);

/* Marks the schema dimension `name` as sensitive for the group rule
 * (sp->group_dims); it must be one of sp->by.  Returns 0, or -1 if it is
 * not. */
int cube_spec_group_dim(cube_spec *sp, const schema *s, const char *name);

/* Parses "DIM=CODE[,CODE...]" into sp->where (appends). */
OC_NODISCARD oc_status cube_spec_add_where(cube_spec *sp, const schema *s, const char *text, oc_error *err);

typedef struct cube cube;

/* Takes ownership of *sp (its contents are moved; sp is zeroed). */
OC_NODISCARD oc_status cube_new(schema *s, cube_spec *sp, cube **out, oc_error *err);
void cube_free(cube *c);   /* accepts NULL */

/* One recoded record (codes[] per schema dimension, weight).  Returns
 * OC_ENOMEM or OC_EDATA (too many cells) on failure. */
OC_NODISCARD oc_status cube_add(cube *c, const uint32_t *codes, uint64_t weight, oc_error *err);

int    cube_is_dense(const cube *c); /* counting in the dense array (else the hash table) */

/* Builds the table (margins, output order, primary protection).  read and
 * rejected come from the caller's row accounting. */
OC_NODISCARD oc_status cube_build(cube *c, const tab_accounting *ds, oc_table **out, oc_error *err);

#endif

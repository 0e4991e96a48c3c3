/*
 * table.h - a finished output table: the full cross product of its
 * dimensions' output codes (margins "_T" included when totals are on), one
 * value and one status per cell, in row-major order (last dimension
 * fastest).  This is what protection works on and what export/ writes.
 * The table owns everything; free with table_free().
 */
#ifndef TABLE_H
#define TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"

typedef enum cell_status {
    CELL_PUBLISHED = 0,   /* OBS_STATUS A, CONF_STATUS F */
    CELL_PRIMARY   = 1,   /* OBS_STATUS Q, CONF_STATUS A */
    CELL_SECONDARY = 2,   /* OBS_STATUS Q, CONF_STATUS D */
    CELL_FREE      = 3,   /* only in the joint table of linked protection (linked.h): a
                           * cell no released table holds, unknown to the attacker and
                           * needing no protection; never written */
    CELL_SOURCE    = 4    /* includes a count suppressed at the source ("<5"): not exact,
                           * so not published (OBS_STATUS Q, CONF_STATUS C); value holds
                           * the exact part only.  Protection treats it as unknown to the
                           * attacker, like CELL_FREE */
} cell_status;

/* Cells the attacker does not see and that need no protection themselves. */
static inline int cell_unknown(uint8_t st) { return st == CELL_FREE || st == CELL_SOURCE; }

/* Secondary suppression methods (protect.h). */
enum { SDC_AUTO = 0, SDC_GAUSS = 1, SDC_HYPERCUBE = 2 };

typedef struct tab_dim {
    char    *id;       /* owned */
    size_t   n;        /* output codes */
    char   **codes;    /* owned */
    char   **labels;   /* owned; entries may be NULL */
    int32_t *parent;   /* owned: position of each code's parent (its margin), -1 for
                        * the top (_T) or when the table has no totals */
    int      source;   /* 1 + the source column of the dimension; dimensions with the
                        * same source code one variable (AGE and AGE_STATUS from one
                        * age column); 0: unknown */
} tab_dim;

typedef struct tab_accounting {
    uint64_t read;       /* data records read (header excluded) */
    uint64_t counted;    /* records that went into the table */
    uint64_t filtered;   /* records excluded by `where` */
    uint64_t rejected;   /* records rejected (dataset-wide) */
    uint64_t totals;     /* records that are totals of the source (dataset-wide): checked
                          * against their parts, not counted; read = counted + filtered +
                          * rejected + totals */
    uint64_t totals_disagree;   /* ... whose value is not the sum of their parts */
    uint64_t by_reason[SCH_R_COUNT_];
} tab_accounting;

typedef struct oc_table {
    char          *id, *title, *dataset;   /* owned; title may be NULL */
    char          *where;                  /* owned text "DIM=CODE,...;..." or NULL */
    size_t         ndims;
    tab_dim       *dims;                   /* owned */
    size_t         ncells;
    uint64_t      *value;                  /* owned */
    uint8_t       *status;                 /* owned, cell_status */
    int            totals;
    int64_t        min_count;              /* 0: no primary rule */
    int            protect_zeros;
    uint32_t       group_dims;             /* group rule: bit d = dims[d] is sensitive */
    size_t         group_flagged;          /* totals the group rule flagged */
    int            secondary;              /* 1 if secondary suppression was applied */
    int            method;                 /* secondary suppression: SDC_AUTO, SDC_GAUSS, SDC_HYPERCUBE */
    char          *linked;                 /* owned: "ID,ID,..." of the tables protected together
                                            * with this one (linked.h), or NULL */
    double         upl, lpl;               /* protection levels of primary cells (absolute) */
    double         upl_pct, lpl_pct;       /* ... and in percent of the value */
    tab_accounting acct;
} oc_table;

void table_free(oc_table *t);   /* accepts NULL */

/* What a reader sees for code k of d: its label, else "Total" for _T,
 * "Unknown" for _U, "Other" for _O, "Not applicable" for _Z, else the
 * code.  Borrowed. */
const char *table_code_label(const tab_dim *d, size_t k);

/* Positions of cell `cell` along every dimension (pos[d] indexes
 * dims[d].codes; pos has ndims entries). */
void table_cell_pos(const oc_table *t, size_t cell, size_t *pos);

/* The cell at positions pos[] (one per dimension): the inverse of
 * table_cell_pos. */
size_t table_cell_at(const oc_table *t, const size_t *pos);

/* Position of code (code, len) in d, or -1. */
int table_code_index(const tab_dim *d, const char *code, size_t len);

/* Appends "DIM=CODE<sep>DIM=CODE..." naming cell `cell` to b. */
OC_NODISCARD oc_status table_cell_name(const oc_table *t, size_t cell, const char *sep, oc_buf *b);

/* Applies the threshold rule: 1 <= value < min_count (or value == 0 with
 * protect_zeros) becomes CELL_PRIMARY, any other cell CELL_PUBLISHED,
 * except CELL_SOURCE cells, which stay as they are (so status must be
 * set).  Returns the number of primary cells. */
size_t table_protect_primary(oc_table *t);

/* The group (attribute) disclosure rule, for every dimension d in
 * t->group_dims: a non-empty total along d whose units all sit in one of
 * its two or more categories would tell that every unit has that
 * attribute (all victims in a district are girls aged 15-17) as soon as the
 * empty categories are published.  Those empty cells become CELL_PRIMARY
 * (protected zeros), so secondary suppression keeps an attacker from
 * knowing they are empty.  Sets t->group_flagged to the number of totals
 * flagged.  Needs totals; call after table_protect_primary. */
OC_NODISCARD oc_status table_group_rule(oc_table *t, oc_error *err);

#endif

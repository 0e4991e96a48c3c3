/*
 * sdc_model.h - the additivity relations of a table with margins: every
 * margin cell equals the sum of the cells one level below it along one
 * dimension (its children: the codes whose parent it is), the other
 * dimensions held fixed.  This is the system an attacker can use to
 * recover suppressed cells, and what secondary suppression and the audit
 * work on.  A table without totals has no relations.
 */
#ifndef SDC_MODEL_H
#define SDC_MODEL_H

#include <stddef.h>

#include "oc_error.h"
#include "table.h"

typedef struct sdc_model {
    size_t  ncells;
    size_t  nrel;
    size_t *off;   /* owned: nrel + 1 offsets into idx */
    size_t *idx;   /* owned: relation r is idx[off[r]] = sum of idx[off[r]+1 .. off[r+1]-1] */
    size_t *coff;  /* owned: ncells + 1 offsets into crel */
    size_t *crel;  /* owned: the relations holding cell c are crel[coff[c] .. coff[c+1]-1] */
} sdc_model;

OC_NODISCARD oc_status sdc_model_build(const oc_table *t, sdc_model **out, oc_error *err);
void sdc_model_free(sdc_model *m);   /* accepts NULL */

#endif

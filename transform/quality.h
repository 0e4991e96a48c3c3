/*
 * quality.h - the data-quality profile of a dataset (Recommendation 10):
 * per group (e.g. reporting agency and year), the share of records whose
 * sex, age ... is unknown, with groups above a threshold flagged, and the
 * rows rejected by reason.
 *
 * Input: a table (unprotected, never written) whose dimensions are the
 * group dimensions, then the profiled ones, with totals; the unknown code
 * is _U.  Output rows (CSV):
 *   DATASET,GROUP,RECORDS,MEASURE,PCT,FLAG,OBS_STATUS
 *   MEASURE UNKNOWN:<DIM>  PCT = percent of the group's records with _U
 *   MEASURE REJECTED:<reason> (GROUP _T, RECORDS = rows read)
 *                          PCT = percent of the rows read rejected for it
 * GROUP is "DIM=CODE;DIM=CODE" (or _T for the whole dataset).  FLAG is
 * HIGH_UNKNOWN when PCT exceeds max_unknown.
 *
 * Disclosure: the profile must not let anyone recover a cell the tables
 * suppress (a count of unknown sex is a table cell).  So a group's record
 * count is published rounded to the nearest 10, its shares as whole
 * percent, and only for groups of at least min_records records (at least
 * 200): a share then leaves the count of unknowns uncertain by at least
 * one record either way.  Smaller groups, and groups whose count includes
 * a count suppressed at the source ("<5": not exact): OBS_STATUS Q, no
 * values.
 */
#ifndef QUALITY_H
#define QUALITY_H

#include <stddef.h>
#include <stdint.h>

#include "oc_error.h"
#include "oc_mem.h"
#include "schema.h"
#include "table.h"

#define DQ_MIN_RECORDS 200

typedef struct dq_spec {
    const char *dataset;
    size_t      ngroup;        /* the table's first ngroup dimensions group the records */
    double      max_unknown;   /* percent */
    uint64_t    min_records;   /* >= DQ_MIN_RECORDS */
    uint64_t    rows_read;     /* the dataset's accounting, for the reject rows */
    const uint64_t *by_reason; /* SCH_R_COUNT_ entries */
} dq_spec;

/* Appends t's profile to out (the header too when out is empty); *rows
 * data rows.  OC_ENOMEM only. */
OC_NODISCARD oc_status dq_write(const oc_table *t, const dq_spec *sp, oc_buf *out, size_t *rows);

#endif

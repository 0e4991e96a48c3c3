/* quality.c - see quality.h. */
#define _POSIX_C_SOURCE 200809L
#include "quality.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cube.h"   /* CUBE_MAX_DIMS: a table has at most that many dimensions */


static oc_status row(oc_buf *b, const char *ds, const char *group, const char *records, const char *measure,
                     const char *pct, const char *flag, char status)
{
    char st[4] = {',', status, '\n', 0};
    if (oc_csv_str(b, ds) != OC_OK || oc_buf_append(b, ",", 1) != OC_OK || oc_csv_str(b, group) != OC_OK ||
        oc_buf_printf(b, ",%s,", records) != OC_OK || oc_csv_str(b, measure) != OC_OK ||
        oc_buf_printf(b, ",%s,%s", pct, flag) != OC_OK || oc_buf_append(b, st, 3) != OC_OK)
        return OC_ENOMEM;
    return OC_OK;
}

oc_status dq_write(const oc_table *t, const dq_spec *sp, oc_buf *out, size_t *rows)
{
    size_t k[CUBE_MAX_DIMS], d, ngroups = 1, g, f, c;
    int tot[CUBE_MAX_DIMS], unk[CUBE_MAX_DIMS], r;
    uint64_t minr = sp->min_records < DQ_MIN_RECORDS ? DQ_MIN_RECORDS : sp->min_records;
    *rows = 0;
    if (t->ndims > CUBE_MAX_DIMS || sp->ngroup > t->ndims)
        return OC_ENOMEM;   /* ruled out by the caller */
    if (out->len == 0 && oc_buf_printf(out, "DATASET,GROUP,RECORDS,MEASURE,PCT,FLAG,OBS_STATUS\n") != OC_OK)
        return OC_ENOMEM;
    for (d = 0; d < t->ndims; d++) {
        tot[d] = table_code_index(&t->dims[d], "_T", 2);
        unk[d] = table_code_index(&t->dims[d], "_U", 2);
        if (tot[d] < 0)
            return OC_ENOMEM;   /* the caller builds the table with totals */
    }
    for (d = 0; d < sp->ngroup; d++)
        ngroups *= t->dims[d].n;
    for (g = 0; g < ngroups; g++) {
        char group[1024], recs[32];
        size_t rem = g, at = 0, all_total = 1;
        int inexact;
        uint64_t records;
        for (d = sp->ngroup; d-- > 0;) {
            k[d] = rem % t->dims[d].n;
            rem /= t->dims[d].n;
            all_total &= (int)k[d] == tot[d];
        }
        group[0] = '\0';
        for (d = 0; d < sp->ngroup && at < sizeof group; d++)
            at += (size_t)snprintf(group + at, sizeof group - at, "%s%s=%s", d ? ";" : "", t->dims[d].id,
                                   t->dims[d].codes[k[d]]);
        if (all_total)
            snprintf(group, sizeof group, "_T");
        for (d = sp->ngroup; d < t->ndims; d++)
            k[d] = (size_t)tot[d];
        c = table_cell_at(t, k);
        records = t->value[c];
        inexact = t->status[c] == CELL_SOURCE;
        snprintf(recs, sizeof recs, "%llu", (unsigned long long)((records + 5) / 10 * 10));
        for (f = sp->ngroup; f < t->ndims; f++) {
            char measure[160], pct[32];
            uint64_t u = 0;
            size_t uc = 0;
            double share;
            snprintf(measure, sizeof measure, "UNKNOWN:%s", t->dims[f].id);
            if (unk[f] >= 0) {   /* the unknown cell of dimension f in this group */
                k[f] = (size_t)unk[f];
                uc = table_cell_at(t, k);
                k[f] = (size_t)tot[f];
                inexact |= t->status[uc] == CELL_SOURCE;
            }
            if (records < minr || inexact) {
                if (row(out, sp->dataset, group, "", measure, "", "", 'Q') != OC_OK)
                    return OC_ENOMEM;
                (*rows)++;
                continue;
            }
            if (unk[f] >= 0)
                u = t->value[uc];
            share = 100.0 * (double)u / (double)records;
            snprintf(pct, sizeof pct, "%.0f", floor(share + 0.5));
            if (row(out, sp->dataset, group, recs, measure, pct, share > sp->max_unknown ? "HIGH_UNKNOWN" : "",
                    'A') != OC_OK)
                return OC_ENOMEM;
            (*rows)++;
        }
    }
    /* rejects by reason, over the whole dataset (as in the manifest) */
    for (r = 1; sp->by_reason && r < SCH_R_COUNT_; r++)
        if (sp->by_reason[r]) {
            char measure[160], pct[32], recs[32];
            snprintf(measure, sizeof measure, "REJECTED:%s", schema_reason_name((sch_reason)r));
            snprintf(recs, sizeof recs, "%llu", (unsigned long long)sp->rows_read);
            snprintf(pct, sizeof pct, "%.1f", sp->rows_read ? 100.0 * (double)sp->by_reason[r] / (double)sp->rows_read : 0);
            if (row(out, sp->dataset, "_T", recs, measure, pct, "", 'A') != OC_OK)
                return OC_ENOMEM;
            (*rows)++;
        }
    return OC_OK;
}

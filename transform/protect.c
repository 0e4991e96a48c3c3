/* protect.c - see protect.h. */
#define _POSIX_C_SOURCE 200809L
#include "protect.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "oc_mem.h"
#include "sdc_model.h"

#define MAX_REPAIR_ROUNDS 25

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void cheapest_in(const oc_table *t, const sdc_model *m, size_t r, size_t *best)
{
    size_t k;
    for (k = m->off[r]; k < m->off[r + 1]; k++) {
        size_t c = m->idx[k];
        if (t->status[c] != CELL_PUBLISHED || t->value[c] == 0)
            continue;
        if (*best == SIZE_MAX || t->value[c] < t->value[*best] || (t->value[c] == t->value[*best] && c < *best))
            *best = c;
    }
}

/* The cheapest published non-empty cell in a relation with `cell`, else in
 * a relation of one of its suppressed neighbours; SIZE_MAX if none. */
static size_t repair_cell(const oc_table *t, const sdc_model *m, size_t cell)
{
    size_t best = SIZE_MAX, i, k, j;
    for (i = m->coff[cell]; i < m->coff[cell + 1]; i++)
        cheapest_in(t, m, m->crel[i], &best);
    for (i = m->coff[cell]; i < m->coff[cell + 1] && best == SIZE_MAX; i++)
        for (k = m->off[m->crel[i]]; k < m->off[m->crel[i] + 1]; k++) {
            size_t c = m->idx[k];
            if (t->status[c] == CELL_PUBLISHED || c == cell)
                continue;
            for (j = m->coff[c]; j < m->coff[c + 1]; j++)
                cheapest_in(t, m, m->crel[j], &best);
        }
    return best;
}

oc_status protect_table(oc_table *t, int secondary, protect_report *rep, oc_error *err)
{
    sdc_model *m = NULL;
    audit_opts o;
    audit_result res;
    size_t *extra = NULL, nextra = 0, round, c;
    unsigned char *is_extra = NULL;
    oc_status st;
    double t0;

    memset(rep, 0, sizeof *rep);
    memset(&res, 0, sizeof res);
    if (!secondary || !t->totals || (t->min_count <= 0 && t->group_flagged == 0)) {
        t->secondary = 0;
        return OC_OK;
    }
    if ((st = sdc_model_build(t, &m, err)) != OC_OK)
        return st;
    extra = oc_malloc((t->ncells ? t->ncells : 1) * sizeof *extra);
    is_extra = oc_calloc(t->ncells ? t->ncells : 1, 1);
    if (!extra || !is_extra) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    audit_opts_default(&o, t);
    o.intervals = 0;   /* verdicts are enough here */
    for (round = 0;; round++) {
        size_t i, added = 0;
        t0 = now();
        for (c = 0; c < t->ncells; c++)
            if (t->status[c] == CELL_SECONDARY)
                t->status[c] = CELL_PUBLISHED;
        if ((st = suppress_secondary(t, extra, nextra, &rep->sup, err)) != OC_OK)
            goto out;
        t->secondary = 1;
        rep->secs_suppress += now() - t0;
        t0 = now();
        audit_result_fini(&res);
        st = audit_table(t, m, &o, &res, err);
        rep->secs_audit += now() - t0;
        if (st != OC_OK)
            goto out;
        rep->audited = res.n;
        rep->components = res.components;
        rep->largest = res.largest;
        if (res.disclosed == 0)
            break;
        if (round < MAX_REPAIR_ROUNDS)
            for (i = 0; i < res.n; i++) {
                size_t r;
                if (!res.cells[i].disclosed)
                    continue;
                r = repair_cell(t, m, res.cells[i].cell);
                if (r != SIZE_MAX && !is_extra[r]) {
                    is_extra[r] = 1;
                    extra[nextra++] = r;
                    added++;
                }
            }
        if (added == 0) {
            const audit_cell *a = NULL;
            oc_buf where;
            for (i = 0; i < res.n && !a; i++)
                if (res.cells[i].disclosed)
                    a = &res.cells[i];
            oc_buf_init(&where, 0);
            if (table_cell_name(t, a->cell, ",", &where) != OC_OK) {
                oc_buf_fini(&where);
                st = oc_error_set(err, OC_ENOMEM, "out of memory");
                goto out;
            }
            st = oc_error_set(err, OC_EAUDIT,
                              "table %s fails its audit: %zu suppressed cell(s) can be recovered, e.g. %s "
                              "(%s, interval [%g, %g])",
                              t->id ? t->id : "?", res.disclosed, where.data, audit_reason_name(a->verdict), a->lo,
                              a->hi);
            oc_buf_fini(&where);
            goto out;
        }
        rep->repairs = nextra;
    }
out:
    audit_result_fini(&res);
    sdc_model_free(m);
    oc_free(extra);
    oc_free(is_extra);
    return st;
}

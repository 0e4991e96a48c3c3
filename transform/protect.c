/* protect.c - see protect.h. */
#define _POSIX_C_SOURCE 200809L
#include "protect.h"

#include <stdint.h>
#include <stdio.h>
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

/* cell -> relations containing it (CSR) */
typedef struct relidx { size_t *off, *list; } relidx;

static int relidx_build(const oc_table *t, const sdc_model *m, relidx *x)
{
    size_t r, k, c, *fill;
    x->off = oc_calloc(t->ncells + 1, sizeof *x->off);
    x->list = oc_malloc((m->nrel ? m->off[m->nrel] : 1) * sizeof *x->list);
    fill = oc_calloc(t->ncells ? t->ncells : 1, sizeof *fill);
    if (!x->off || !x->list || !fill) {
        oc_free(fill);
        return -1;
    }
    for (r = 0; r < m->nrel; r++)
        for (k = m->off[r]; k < m->off[r + 1]; k++)
            x->off[m->idx[k] + 1]++;
    for (c = 0; c < t->ncells; c++)
        x->off[c + 1] += x->off[c];
    for (r = 0; r < m->nrel; r++)
        for (k = m->off[r]; k < m->off[r + 1]; k++)
            x->list[x->off[m->idx[k]] + fill[m->idx[k]]++] = r;
    oc_free(fill);
    return 0;
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
static size_t repair_cell(const oc_table *t, const sdc_model *m, const relidx *x, size_t cell)
{
    size_t best = SIZE_MAX, i, k, j;
    for (i = x->off[cell]; i < x->off[cell + 1]; i++)
        cheapest_in(t, m, x->list[i], &best);
    for (i = x->off[cell]; i < x->off[cell + 1] && best == SIZE_MAX; i++)
        for (k = m->off[x->list[i]]; k < m->off[x->list[i] + 1]; k++) {
            size_t c = m->idx[k];
            if (t->status[c] == CELL_PUBLISHED || c == cell)
                continue;
            for (j = x->off[c]; j < x->off[c + 1]; j++)
                cheapest_in(t, m, x->list[j], &best);
        }
    return best;
}

oc_status protect_table(oc_table *t, int secondary, protect_report *rep, oc_error *err)
{
    sdc_model *m = NULL;
    relidx rx = {NULL, NULL};
    audit_opts o;
    audit_result res;
    size_t *extra = NULL, nextra = 0, round, c;
    oc_status st;
    double t0;

    memset(rep, 0, sizeof *rep);
    memset(&res, 0, sizeof res);
    if (!secondary || !t->totals || t->min_count <= 0) {
        t->secondary = 0;
        return OC_OK;
    }
    if ((st = sdc_model_build(t, &m, err)) != OC_OK)
        return st;
    extra = oc_malloc((t->ncells ? t->ncells : 1) * sizeof *extra);
    if (!extra || relidx_build(t, m, &rx) != 0) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    audit_opts_default(&o, t);
    o.upl = t->upl;
    o.lpl = t->lpl;
    o.upl_pct = t->upl_pct;
    o.lpl_pct = t->lpl_pct;
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
                size_t r, k;
                int dup = 0;
                if (!res.cells[i].disclosed)
                    continue;
                r = repair_cell(t, m, &rx, res.cells[i].cell);
                if (r == SIZE_MAX)
                    continue;
                for (k = 0; k < nextra; k++)
                    dup |= extra[k] == r;
                if (!dup) {
                    extra[nextra++] = r;
                    added++;
                }
            }
        if (added == 0) {
            const audit_cell *a = NULL;
            size_t d, rest, pos[64];
            char where[512];
            size_t off = 0;
            for (i = 0; i < res.n && !a; i++)
                if (res.cells[i].disclosed)
                    a = &res.cells[i];
            rest = a->cell;
            for (d = t->ndims; d-- > 0;) {
                pos[d] = rest % t->dims[d].n;
                rest /= t->dims[d].n;
            }
            where[0] = '\0';
            for (d = 0; d < t->ndims && off < sizeof where; d++)
                off += (size_t)snprintf(where + off, sizeof where - off, "%s%s=%s", d ? "," : "", t->dims[d].id,
                                        t->dims[d].codes[pos[d]]);
            st = oc_error_set(err, OC_EAUDIT,
                              "table %s fails its audit: %zu suppressed cell(s) can be recovered, e.g. %s "
                              "(%s, interval [%g, %g])",
                              t->id ? t->id : "?", res.disclosed, where, audit_reason_name(a->verdict), a->lo,
                              a->hi);
            goto out;
        }
        rep->repairs = nextra;
    }
out:
    audit_result_fini(&res);
    sdc_model_free(m);
    oc_free(extra);
    oc_free(rx.off);
    oc_free(rx.list);
    return st;
}

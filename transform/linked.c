/* linked.c - see linked.h. */
#include "linked.h"

#include <string.h>

#include "audit.h"
#include "oc_mem.h"
#include "sdc_model.h"

/* map[d]: for table dimension d, the cover dimension; cmap[d][code]: the
 * cover's code.  OC_EAUDIT if the table is not a part of the cover. */
static oc_status map_table(const oc_table *cover, const oc_table *t, size_t *cdim, size_t **cmap, oc_error *err)
{
    size_t d, e, i, j;
    for (d = 0; d < t->ndims; d++) {
        for (e = 0; e < cover->ndims && strcmp(cover->dims[e].id, t->dims[d].id) != 0; e++)
            ;
        if (e == cover->ndims)
            return oc_error_set(err, OC_EAUDIT, "linked protection: %s is not a dimension of the joint table",
                                t->dims[d].id);
        cdim[d] = e;
        if (!(cmap[d] = oc_malloc((t->dims[d].n ? t->dims[d].n : 1) * sizeof **cmap)))
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        for (i = 0; i < t->dims[d].n; i++) {
            for (j = 0; j < cover->dims[e].n && strcmp(cover->dims[e].codes[j], t->dims[d].codes[i]) != 0; j++)
                ;
            if (j == cover->dims[e].n)
                return oc_error_set(err, OC_EAUDIT, "linked protection: code %s of %s is not in the joint table",
                                    t->dims[d].codes[i], t->dims[d].id);
            cmap[d][i] = j;
        }
    }
    return OC_OK;
}

/* The cover cell of every cell of t (idx[c]). */
static oc_status cover_cells(const oc_table *cover, const oc_table *t, size_t *idx, oc_error *err)
{
    size_t cdim[64], *cmap[64] = {0}, cpos[64], pos[64], d, c;
    oc_status st;
    if (t->ndims > 64 || cover->ndims > 64)
        return oc_error_set(err, OC_EAUDIT, "linked protection: too many dimensions");
    if ((st = map_table(cover, t, cdim, cmap, err)) != OC_OK)
        goto out;
    for (d = 0; d < cover->ndims; d++) {
        size_t i;
        cpos[d] = SIZE_MAX;
        for (i = 0; i < cover->dims[d].n; i++)
            if (cover->dims[d].parent[i] < 0) {
                cpos[d] = i;   /* the total */
                break;
            }
    }
    for (c = 0; c < t->ncells; c++) {
        size_t k = 0;
        table_cell_pos(t, c, pos);
        for (d = 0; d < t->ndims; d++)
            cpos[cdim[d]] = cmap[d][pos[d]];
        for (d = 0; d < cover->ndims; d++) {
            if (cpos[d] == SIZE_MAX) {
                st = oc_error_set(err, OC_EAUDIT, "linked protection: %s has no total", cover->dims[d].id);
                goto out;
            }
            k = k * cover->dims[d].n + cpos[d];
        }
        if (cover->value[k] != t->value[c]) {
            st = oc_error_set(err, OC_EAUDIT, "linked protection: table %s and the joint table disagree",
                              t->id ? t->id : "?");
            goto out;
        }
        idx[c] = k;
    }
out:
    for (d = 0; d < 64; d++)
        oc_free(cmap[d]);
    return st;
}

oc_status linked_protect(oc_table *cover, oc_table *const *tabs, size_t n, protect_report *rep, oc_error *err)
{
    size_t **idx = NULL, i, c, len = 0;
    unsigned char *released = NULL;
    oc_status st = OC_OK;
    char *names = NULL;
    memset(rep, 0, sizeof *rep);
    idx = oc_calloc(n ? n : 1, sizeof *idx);
    released = oc_calloc(cover->ncells ? cover->ncells : 1, 1);
    if (!idx || !released) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    for (c = 0; c < cover->ncells; c++)
        if (cover->status[c] != CELL_SOURCE)
            cover->status[c] = CELL_PUBLISHED;
    cover->min_count = 0;
    cover->group_flagged = 0;
    cover->upl = cover->lpl = cover->upl_pct = cover->lpl_pct = 0;
    for (i = 0; i < n; i++) {
        const oc_table *t = tabs[i];
        if (!(idx[i] = oc_malloc((t->ncells ? t->ncells : 1) * sizeof **idx))) {
            st = oc_error_set(err, OC_ENOMEM, "out of memory");
            goto out;
        }
        if ((st = cover_cells(cover, t, idx[i], err)) != OC_OK)
            goto out;
        for (c = 0; c < t->ncells; c++) {
            released[idx[i][c]] = 1;
            if (t->status[c] == CELL_PRIMARY)
                cover->status[idx[i][c]] = CELL_PRIMARY;
        }
        /* the strictest rule of the tables */
        if (t->min_count > cover->min_count)
            cover->min_count = t->min_count;
        cover->group_flagged += t->group_flagged;
        cover->protect_zeros |= t->protect_zeros;
#define MAXF(f) if (t->f > cover->f) cover->f = t->f
        MAXF(upl);
        MAXF(lpl);
        MAXF(upl_pct);
        MAXF(lpl_pct);
#undef MAXF
        len += strlen(t->id ? t->id : "?") + 1;
    }
    for (c = 0; c < cover->ncells; c++)
        if (!released[c] && cover->value[c] > 0)
            cover->status[c] = CELL_FREE;
    cover->method = SDC_HYPERCUBE;
    if ((st = protect_table(cover, 1, rep, err)) != OC_OK)
        goto out;
    if (!(names = oc_malloc(len ? len : 1))) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    names[0] = '\0';
    for (i = 0; i < n; i++) {
        if (i)
            strcat(names, ",");
        strcat(names, tabs[i]->id ? tabs[i]->id : "?");
    }
    /* the pattern back into each table, then its own audit */
    for (i = 0; i < n; i++) {
        oc_table *t = tabs[i];
        sdc_model *m = NULL;
        audit_opts o;
        audit_result res;
        for (c = 0; c < t->ncells; c++)
            t->status[c] = cover->status[idx[i][c]];
        t->secondary = 1;
        t->method = SDC_HYPERCUBE;
        oc_free(t->linked);
        if (!(t->linked = oc_strdup(names))) {
            st = oc_error_set(err, OC_ENOMEM, "out of memory");
            goto out;
        }
        memset(&res, 0, sizeof res);
        audit_opts_default(&o, t);
        o.intervals = 0;
        if ((st = sdc_model_build(t, &m, err)) == OC_OK && (st = audit_table(t, m, &o, &res, err)) == OC_OK &&
            res.disclosed)
            st = oc_error_set(err, OC_EAUDIT, "table %s fails its own audit after linked protection",
                              t->id ? t->id : "?");
        audit_result_fini(&res);
        sdc_model_free(m);
        if (st != OC_OK)
            goto out;
    }
out:
    for (i = 0; idx && i < n; i++)
        oc_free(idx[i]);
    oc_free(idx);
    oc_free(released);
    oc_free(names);
    return st;
}

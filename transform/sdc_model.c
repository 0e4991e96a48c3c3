/* sdc_model.c - see sdc_model.h.  One pass over the cells: a cell whose
 * code along dimension d has children heads one relation for d. */
#include "sdc_model.h"

#include "oc_mem.h"

void sdc_model_free(sdc_model *m)
{
    if (!m)
        return;
    oc_free(m->off);
    oc_free(m->idx);
    oc_free(m->coff);
    oc_free(m->crel);
    oc_free(m);
}

oc_status sdc_model_build(const oc_table *t, sdc_model **out, oc_error *err)
{
    sdc_model *m = oc_calloc(1, sizeof *m);
    size_t stride[64], *kids[64] = {0}, *koff[64] = {0};
    size_t d, c, nrel = 0, nidx = 0, r = 0, k;
    oc_status st = OC_OK;
    *out = NULL;
    if (!m || t->ndims > 64)
        goto nomem;
    m->ncells = t->ncells;
    /* children of every code, per dimension (CSR) */
    for (d = t->ndims; d-- > 0;)
        stride[d] = d + 1 < t->ndims ? stride[d + 1] * t->dims[d + 1].n : 1;
    for (d = 0; d < t->ndims; d++) {
        const tab_dim *dim = &t->dims[d];
        size_t n = dim->n, i;
        koff[d] = oc_calloc(n + 1, sizeof **koff);
        kids[d] = oc_calloc(n ? n : 1, sizeof **kids);
        if (!koff[d] || !kids[d])
            goto nomem;
        for (i = 0; i < n; i++)
            if (dim->parent && dim->parent[i] >= 0)
                koff[d][dim->parent[i] + 1]++;
        for (i = 0; i < n; i++)
            koff[d][i + 1] += koff[d][i];
        /* children of each parent in code order */
        {
            size_t *fill = oc_calloc(n ? n : 1, sizeof *fill);
            if (!fill)
                goto nomem;
            for (i = 0; i < n; i++)
                if (dim->parent && dim->parent[i] >= 0) {
                    size_t p = (size_t)dim->parent[i];
                    kids[d][koff[d][p] + fill[p]++] = i;
                }
            oc_free(fill);
        }
    }
    /* count, then fill */
    for (c = 0; c < t->ncells; c++)
        for (d = 0; d < t->ndims; d++) {
            size_t pos = (c / stride[d]) % t->dims[d].n, nk = koff[d][pos + 1] - koff[d][pos];
            if (nk) {
                nrel++;
                nidx += 1 + nk;
            }
        }
    m->nrel = nrel;
    m->off = oc_malloc((nrel + 1) * sizeof *m->off);
    m->idx = oc_malloc((nidx ? nidx : 1) * sizeof *m->idx);
    if (!m->off || !m->idx)
        goto nomem;
    m->off[0] = 0;
    for (c = 0; c < t->ncells; c++)
        for (d = 0; d < t->ndims; d++) {
            size_t pos = (c / stride[d]) % t->dims[d].n, a = koff[d][pos], b = koff[d][pos + 1];
            size_t at = m->off[r];
            if (a == b)
                continue;
            m->idx[at++] = c;
            for (k = a; k < b; k++)
                m->idx[at++] = c + (kids[d][k] - pos) * stride[d];
            m->off[++r] = at;
        }
    /* the other way round: cell -> relations */
    m->coff = oc_calloc(t->ncells + 1, sizeof *m->coff);
    m->crel = oc_malloc((nidx ? nidx : 1) * sizeof *m->crel);
    if (!m->coff || !m->crel)
        goto nomem;
    for (k = 0; k < nidx; k++)
        m->coff[m->idx[k] + 1]++;
    for (c = 0; c < t->ncells; c++)
        m->coff[c + 1] += m->coff[c];
    {
        size_t *fill = oc_calloc(t->ncells ? t->ncells : 1, sizeof *fill);
        if (!fill)
            goto nomem;
        for (r = 0; r < nrel; r++)
            for (k = m->off[r]; k < m->off[r + 1]; k++)
                m->crel[m->coff[m->idx[k]] + fill[m->idx[k]]++] = r;
        oc_free(fill);
    }
    goto out;
nomem:
    st = oc_error_set(err, OC_ENOMEM, "out of memory");
    sdc_model_free(m);
    m = NULL;
out:
    for (d = 0; d < t->ndims && d < 64; d++) {
        oc_free(kids[d]);
        oc_free(koff[d]);
    }
    *out = m;
    return st;
}

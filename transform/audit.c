/* audit.c - see audit.h. */
#include "audit.h"

#include <glpk.h>
#include <math.h>
#include <string.h>

#include "oc_mem.h"

void audit_result_fini(audit_result *r)
{
    if (!r)
        return;
    oc_free(r->cells);
    memset(r, 0, sizeof *r);
}

/* Whole numbers in [lo, hi], capped at 2. */
static int whole_numbers(double lo, double hi)
{
    double a = ceil(lo - 1e-7), b = floor(hi + 1e-7);
    if (isinf(hi))
        return 2;
    if (b < a)
        return 0;
    return b - a >= 1 ? 2 : 1;
}

oc_status audit_lp(const oc_table *t, const sdc_model *m, int nonempty, audit_result *res, oc_error *err)
{
    size_t c, r, k, nsup = 0, nrows = 0;
    size_t *col = NULL;            /* cell -> column (1-based), 0 = published */
    int *ind = NULL;
    double *val = NULL;
    glp_prob *lp = NULL;
    glp_smcp parm;
    oc_status st = OC_OK;

    memset(res, 0, sizeof *res);
    col = oc_calloc(t->ncells ? t->ncells : 1, sizeof *col);
    if (!col)
        goto nomem;
    for (c = 0; c < t->ncells; c++)
        if (t->status[c] != CELL_PUBLISHED)
            col[c] = ++nsup;
    res->cells = oc_calloc(nsup ? nsup : 1, sizeof *res->cells);
    ind = oc_malloc((t->ncells + 2) * sizeof *ind);
    val = oc_malloc((t->ncells + 2) * sizeof *val);
    if (!res->cells || !ind || !val)
        goto nomem;
    res->n = nsup;
    if (nsup == 0)
        goto out;
    lp = glp_create_prob();
    glp_add_cols(lp, (int)nsup);
    for (c = 0; c < t->ncells; c++)
        if (col[c]) {
            glp_set_col_bnds(lp, (int)col[c], GLP_LO, nonempty ? 1.0 : 0.0, 0.0);
            res->cells[col[c] - 1].cell = c;
        }
    for (r = 0; r < m->nrel; r++) {
        int n = 0, row;
        double rhs = 0;
        for (k = m->off[r]; k < m->off[r + 1]; k++) {
            size_t cell = m->idx[k];
            double coef = k == m->off[r] ? 1.0 : -1.0;   /* total - sum of parts = 0 */
            if (col[cell]) {
                ind[++n] = (int)col[cell];
                val[n] = coef;
            } else {
                rhs -= coef * (double)t->value[cell];
            }
        }
        if (n == 0)
            continue;
        row = glp_add_rows(lp, 1);
        glp_set_row_bnds(lp, row, GLP_FX, rhs, rhs);
        glp_set_mat_row(lp, row, n, ind, val);
        nrows++;
    }
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    for (k = 0; k < nsup; k++) {
        audit_cell *a = &res->cells[k];
        int j = (int)k + 1, dir;
        glp_set_obj_coef(lp, j, 1.0);
        for (dir = 0; dir < 2; dir++) {
            int ret, stat;
            glp_set_obj_dir(lp, dir == 0 ? GLP_MIN : GLP_MAX);
            ret = nrows ? glp_simplex(lp, &parm) : 0;
            stat = nrows ? glp_get_status(lp) : GLP_UNBND;
            if (ret != 0 && ret != GLP_ENOPFS && ret != GLP_ENODFS) {
                st = oc_error_set(err, OC_EAUDIT, "the audit's linear program failed (GLPK code %d)", ret);
                goto out;
            }
            if (dir == 0)
                a->lo = stat == GLP_OPT ? glp_get_obj_val(lp) : (nonempty ? 1.0 : 0.0);
            else
                a->hi = stat == GLP_OPT ? glp_get_obj_val(lp) : INFINITY;
            if (stat == GLP_NOFEAS) {
                st = oc_error_set(err, OC_EAUDIT, "the table is not additive: its margins do not add up");
                goto out;
            }
        }
        glp_set_obj_coef(lp, j, 0.0);
        a->disclosed = whole_numbers(a->lo, a->hi) <= 1;
        res->disclosed += (size_t)a->disclosed;
    }
    goto out;
nomem:
    st = oc_error_set(err, OC_ENOMEM, "out of memory");
out:
    if (lp)
        glp_delete_prob(lp);
    oc_free(col);
    oc_free(ind);
    oc_free(val);
    if (st != OC_OK)
        audit_result_fini(res);
    return st;
}

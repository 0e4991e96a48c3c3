/* audit.c - see audit.h. */
#include "audit.h"

#include <glpk.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oc_mem.h"

#define EPS 1e-6
#define MIP_NODES 200   /* branch-and-bound nodes one integer program may use */

const char *audit_reason_name(audit_reason r)
{
    switch (r) {
    case AUDIT_PASS: return "pass";
    case AUDIT_EXACT: return "exact";
    case AUDIT_LEVEL: return "protection_level";
    case AUDIT_SINGLETON: return "singleton";
    }
    return "?";
}

void audit_opts_default(audit_opts *o, const oc_table *t)
{
    memset(o, 0, sizeof *o);
    o->nonempty = !t->protect_zeros;
    o->integer = 1;
    o->singletons = 1;
    o->upl = t->upl;
    o->lpl = t->lpl;
    o->upl_pct = t->upl_pct;
    o->lpl_pct = t->lpl_pct;
    o->intervals = 1;
}

void audit_result_fini(audit_result *r)
{
    if (!r)
        return;
    oc_free(r->cells);
    memset(r, 0, sizeof *r);
}

/* ---- union-find ---------------------------------------------------------- */

static size_t uf_find(size_t *p, size_t a)
{
    while (p[a] != a) {
        p[a] = p[p[a]];
        a = p[a];
    }
    return a;
}

static void uf_union(size_t *p, size_t a, size_t b)
{
    a = uf_find(p, a);
    b = uf_find(p, b);
    if (a != b) {
        if (a < b)
            p[b] = a;
        else
            p[a] = b;
    }
}

/* ---- one component ------------------------------------------------------- */

typedef struct comp {
    glp_prob *lp;
    size_t    n;          /* columns */
    size_t   *cells;      /* column j+1 -> cell */
    double   *lb;         /* per column */
} comp;

typedef struct actx {
    const oc_table   *t;
    const sdc_model  *m;
    const audit_opts *o;
    size_t           *col;      /* cell -> column within its component (1-based), 0 = published */
    size_t           *root;     /* union-find over suppressed indices */
    size_t           *sidx;     /* cell -> suppressed index + 1 */
    size_t           *near;     /* cell -> singleton cell + 1 it was last marked for */
    int              *ind;
    double           *val;
    audit_result     *res;
    oc_error         *err;
} actx;

static int solve_lp(actx *a, glp_prob *lp, int dir, double *out, int *unbounded)
{
    glp_smcp parm;
    int ret, stat;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    glp_set_obj_dir(lp, dir);
    ret = glp_simplex(lp, &parm);
    a->res->lps++;
    if (ret != 0 && ret != GLP_ENOPFS && ret != GLP_ENODFS) {
        /* numerical trouble: start again from the standard basis */
        glp_std_basis(lp);
        ret = glp_simplex(lp, &parm);
        if (ret != 0 && ret != GLP_ENOPFS && ret != GLP_ENODFS)
            return -1;
    }
    stat = glp_get_status(lp);
    if (stat == GLP_NOFEAS)
        return -2;
    *unbounded = stat == GLP_UNBND;
    *out = stat == GLP_OPT ? glp_get_obj_val(lp) : 0;
    return 0;
}

/* Is the LP's optimal point whole-numbered?  Then it is also the integer
 * program's optimum (always so for totally unimodular tables). */
static int lp_integral(glp_prob *lp)
{
    int j, n = glp_get_num_cols(lp);
    for (j = 1; j <= n; j++) {
        double v = glp_get_col_prim(lp, j);
        if (fabs(v - floor(v + 0.5)) > EPS)
            return 0;
    }
    return 1;
}

/* A node budget rather than a time limit keeps the audit deterministic:
 * the same table gets the same verdicts on every machine. */
static void mip_budget(glp_tree *tree, void *info)
{
    int *nodes = info;
    if (glp_ios_reason(tree) == GLP_ISELECT && ++*nodes > MIP_NODES)
        glp_ios_terminate(tree);
}

static int solve_mip(actx *a, glp_prob *lp, int dir, double *out)
{
    glp_iocp parm;
    int ret, stat, nodes = 0;
    glp_init_iocp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_OFF;   /* the LP relaxation was just solved */
    parm.br_tech = GLP_BR_MFV; /* cheap branching: the default estimates every candidate from the tableau */
    parm.fp_heur = GLP_ON;     /* feasibility pump: finds the whole-number tables a narrow budget misses */
    parm.cb_func = mip_budget;
    parm.cb_info = &nodes;
    glp_set_obj_dir(lp, dir);
    ret = glp_intopt(lp, &parm);
    a->res->mips++;
    if (ret == GLP_ESTOP)
        return -3;   /* undecided within the budget */
    if (ret != 0 && ret != GLP_ENOPFS)
        return -1;
    stat = glp_mip_status(lp);
    if (stat != GLP_OPT)
        return -2;
    *out = glp_mip_obj_val(lp);
    return 0;
}

/* Interval of column j (1-based) in lp; integer tightening when asked. */
static oc_status interval(actx *a, comp *c, int j, double *lo, double *hi)
{
    int unb = 0, r;
    double v;
    if (glp_get_num_rows(c->lp) == 0) {   /* in no relation: anything goes */
        *lo = c->lb[j - 1];
        *hi = INFINITY;
        return OC_OK;
    }
    glp_set_obj_coef(c->lp, j, 1.0);
    int frac = 0;
    if ((r = solve_lp(a, c->lp, GLP_MIN, &v, &unb)) != 0)
        goto fail;
    *lo = unb ? c->lb[j - 1] : v;
    frac |= !unb && !lp_integral(c->lp);
    if ((r = solve_lp(a, c->lp, GLP_MAX, &v, &unb)) != 0)
        goto fail;
    *hi = unb ? INFINITY : v;
    frac |= !unb && !lp_integral(c->lp);
    if (a->o->integer) {
        double l = ceil(*lo - EPS), h = isinf(*hi) ? *hi : floor(*hi + EPS);
        /* two whole values left and a fractional vertex: the integer
         * program may rule one out */
        if (frac && !isinf(h) && h - l == 1) {
            /* ask the integer program, in place: the columns become
             * integer, branch and bound starts from the LP just solved
             * again in that direction.  One that runs out of its budget is
             * read the safe way, as if the other value were impossible
             * (the cell then counts as exact and gets repaired). */
            int k, rm, rx, unb2;
            double lpv;
            for (k = 1; k <= (int)c->n; k++)
                glp_set_col_kind(c->lp, k, GLP_IV);
            rm = solve_lp(a, c->lp, GLP_MIN, &lpv, &unb2) == 0 ? solve_mip(a, c->lp, GLP_MIN, &v) : -1;
            if (rm == 0)
                l = v;
            else if (rm == -3 || rm == -1)
                l = h;
            else
                l = h + 1;   /* no integer solution at all: the table is inconsistent */
            if (l < h) {
                rx = solve_lp(a, c->lp, GLP_MAX, &lpv, &unb2) == 0 ? solve_mip(a, c->lp, GLP_MAX, &v) : -1;
                if (rx == 0)
                    h = v;
                else
                    h = l;
            }
            for (k = 1; k <= (int)c->n; k++)
                glp_set_col_kind(c->lp, k, GLP_CV);
            if (l > h) {
                glp_set_obj_coef(c->lp, j, 0.0);
                return oc_error_set(a->err, OC_EAUDIT, "the published cells admit no whole-number solution");
            }
        }
        *lo = l;
        *hi = h;
    }
    glp_set_obj_coef(c->lp, j, 0.0);
    return OC_OK;
fail:
    glp_set_obj_coef(c->lp, j, 0.0);
    if (r == -2)
        return oc_error_set(a->err, OC_EAUDIT, "the table is not additive: its margins do not add up");
    return oc_error_set(a->err, OC_EAUDIT, "the audit's linear program failed");
}

static audit_reason judge(const actx *a, size_t cell, double lb, double lo, double hi)
{
    const oc_table *t = a->t;
    double v = (double)t->value[cell], need_hi, need_lo, ca, cb;
    ca = ceil(lo - EPS);
    cb = isinf(hi) ? INFINITY : floor(hi + EPS);
    if (!isinf(cb) && cb - ca < 1)
        return AUDIT_EXACT;
    if (t->status[cell] != CELL_PRIMARY)
        return AUDIT_PASS;
    need_hi = fmax(a->o->upl, a->o->upl_pct / 100.0 * v);
    need_lo = fmax(a->o->lpl, a->o->lpl_pct / 100.0 * v);
    if (need_hi > 0 && hi < v + need_hi - EPS)
        return AUDIT_LEVEL;
    if (need_lo > 0 && lo > fmax(lb, v - need_lo) + EPS)
        return AUDIT_LEVEL;
    return AUDIT_PASS;
}

/* Builds the LP of the component whose cells are comp->cells. */
static oc_status build_comp(actx *a, comp *c, const unsigned char *in_comp)
{
    const oc_table *t = a->t;
    const sdc_model *m = a->m;
    size_t r, k, j;
    c->lp = glp_create_prob();
    glp_add_cols(c->lp, (int)c->n);
    for (j = 0; j < c->n; j++) {
        size_t cell = c->cells[j];
        c->lb[j] = a->o->nonempty && t->value[cell] > 0 ? 1.0 : 0.0;
        glp_set_col_bnds(c->lp, (int)j + 1, GLP_LO, c->lb[j], 0.0);
    }
    for (r = 0; r < m->nrel; r++) {
        int n = 0, row, touches = 0;
        double rhs = 0;
        uint64_t kids = 0;
        size_t head = m->idx[m->off[r]];
        for (k = m->off[r]; k < m->off[r + 1]; k++)
            if (a->col[m->idx[k]] && in_comp[m->idx[k]])
                touches = 1;
        if (!touches)
            continue;
        for (k = m->off[r]; k < m->off[r + 1]; k++) {
            size_t cell = m->idx[k];
            double coef = k == m->off[r] ? 1.0 : -1.0;
            if (k != m->off[r])
                kids += t->value[cell];
            if (a->col[cell]) {
                a->ind[++n] = (int)a->col[cell];
                a->val[n] = coef;
            } else {
                rhs -= coef * (double)t->value[cell];
            }
        }
        if (kids > t->value[head])
            return oc_error_set(a->err, OC_EAUDIT, "the table is not additive: a margin is smaller than its parts");
        row = glp_add_rows(c->lp, 1);
        /* a margin holding records of its own code: >= its parts */
        if (kids < t->value[head])
            glp_set_row_bnds(c->lp, row, GLP_LO, rhs, 0.0);
        else
            glp_set_row_bnds(c->lp, row, GLP_FX, rhs, rhs);
        glp_set_mat_row(c->lp, row, n, a->ind, a->val);
    }
    return OC_OK;
}

/* What a cell still needs shown: a value one whole number away from its
 * own (not exact), and reaching its protection levels. */
enum { NEED_MOVE = 1, NEED_UP = 2, NEED_DOWN = 4 };

static unsigned needs(const actx *a, size_t cell)
{
    const oc_table *t = a->t;
    double v = (double)t->value[cell];
    unsigned n = NEED_MOVE;
    if (t->status[cell] == CELL_PRIMARY) {
        if (fmax(a->o->upl, a->o->upl_pct / 100.0 * v) > 0)
            n |= NEED_UP;
        if (fmax(a->o->lpl, a->o->lpl_pct / 100.0 * v) > 0)
            n |= NEED_DOWN;
    }
    return n;
}

/* Clears from need[i] what the LP's current point shows for column
 * cols[i].  A fractional point only counts two or more whole values away,
 * where the interval's rounding (interval()) could not call an integer
 * program that might narrow it. */
static int witness(const actx *a, const comp *c, const size_t *cols, size_t n, unsigned *need, const double *pt,
                   int integral)
{
    const oc_table *t = a->t;
    int progress = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        size_t j = cols[i], cell = c->cells[j];
        double v = (double)t->value[cell], x = pt[j];
        double up = floor(x + EPS), down = ceil(x - EPS), gap = integral ? 1 : 2;
        unsigned was = need[i];
        if (!need[i])
            continue;
        if (up >= v + gap || down <= v - gap)
            need[i] &= ~(unsigned)NEED_MOVE;
        if ((need[i] & NEED_UP) && up >= v + fmax(a->o->upl, a->o->upl_pct / 100.0 * v) - EPS &&
            (integral || up >= v + 2))
            need[i] &= ~(unsigned)NEED_UP;
        if ((need[i] & NEED_DOWN) && down <= fmax(c->lb[j], v - fmax(a->o->lpl, a->o->lpl_pct / 100.0 * v)) + EPS &&
            (integral || down <= v - 2))
            need[i] &= ~(unsigned)NEED_DOWN;
        progress |= need[i] != was;
    }
    return progress;
}

/* Feasible points (the LP's optimal vertices, columns in order, with an
 * integral flag).  Those of a component's first settle() are re-used for
 * its singleton checks: a point where the singleton sits at its own count
 * is a feasible table for its unit. */
typedef struct points {
    size_t  n, dim;          /* points, columns per point */
    size_t  xcap, icap;      /* allocated doubles and flags */
    double *x;
    unsigned char *integral;
} points;

/* Starts an empty set of points of dim columns (storage is kept). */
static void points_reset(points *p, size_t dim)
{
    p->n = 0;
    p->dim = dim;
}

static int points_add(points *p, glp_prob *lp)
{
    size_t j;
    if ((p->n + 1) * p->dim > p->xcap) {
        size_t cap = ((p->n + 1) * p->dim) * 2;
        double *x = oc_realloc(p->x, (cap ? cap : 1) * sizeof *x);
        if (!x)
            return -1;
        p->x = x;
        p->xcap = cap;
    }
    if (p->n == p->icap) {
        size_t cap = p->icap ? p->icap * 2 : 16;
        unsigned char *in = oc_realloc(p->integral, cap);
        if (!in)
            return -1;
        p->integral = in;
        p->icap = cap;
    }
    for (j = 0; j < p->dim; j++)
        p->x[p->n * p->dim + j] = glp_get_col_prim(lp, (int)j + 1);
    p->integral[p->n] = (unsigned char)lp_integral(lp);
    p->n++;
    return 0;
}

/* Proves columns safe from feasible points instead of solving two
 * programs per cell: each LP pushes every unsettled column up (or down)
 * at once, and any column the optimum moves far enough is settled.  Stops
 * when a round settles nothing; need[i] == 0 marks the settled ones, the
 * rest are left to interval().  need[] comes filled (needs()); the optimal
 * points are added to pts. */
static oc_status settle(actx *a, comp *c, const size_t *cols, size_t n, unsigned *need, points *pts)
{
    size_t i;
    int round;
    if (glp_get_num_rows(c->lp) == 0)
        return OC_OK;
    for (round = 0; round < 64; round++) {
        int progress = 0, dir;
        for (dir = 0; dir < 2; dir++) {
            unsigned want = dir == 0 ? (NEED_MOVE | NEED_UP) : (NEED_MOVE | NEED_DOWN);
            size_t k = 0;
            double v;
            int unb = 0, r;
            for (i = 0; i < n; i++)
                if (need[i] & want) {
                    glp_set_obj_coef(c->lp, (int)cols[i] + 1, 1.0);
                    k++;
                }
            if (k == 0)
                continue;
            r = solve_lp(a, c->lp, dir == 0 ? GLP_MAX : GLP_MIN, &v, &unb);
            for (i = 0; i < n; i++)
                glp_set_obj_coef(c->lp, (int)cols[i] + 1, 0.0);
            if (r == -2)
                return oc_error_set(a->err, OC_EAUDIT, "the table is not additive: its margins do not add up");
            if (r != 0 || unb)
                return OC_OK;   /* leave the rest to interval() */
            if (points_add(pts, c->lp) != 0)
                return oc_error_set(a->err, OC_ENOMEM, "out of memory");
            progress |= witness(a, c, cols, n, need, pts->x + (pts->n - 1) * pts->dim, pts->integral[pts->n - 1]);
        }
        if (!progress)
            break;
    }
    return OC_OK;
}

static int is_interior(const oc_table *t, size_t cell, const unsigned char *const *haskids)
{
    size_t d, rest = cell;
    for (d = t->ndims; d-- > 0;) {
        size_t pos = rest % t->dims[d].n;
        rest /= t->dims[d].n;
        if (haskids[d][pos])
            return 0;
    }
    return 1;
}

/* Does cell `outer` cover cell `inner` (same or ancestor code everywhere)? */
static int contains(const oc_table *t, size_t outer, size_t inner)
{
    size_t d;
    for (d = t->ndims; d-- > 0;) {
        size_t po = outer % t->dims[d].n, pi = inner % t->dims[d].n;
        int32_t p = (int32_t)pi;
        outer /= t->dims[d].n;
        inner /= t->dims[d].n;
        while (p >= 0 && (size_t)p != po)
            p = t->dims[d].parent ? t->dims[d].parent[p] : -1;
        if (p < 0)
            return 0;
    }
    return 1;
}

oc_status audit_table(const oc_table *t, const sdc_model *m, const audit_opts *o, audit_result *res, oc_error *err)
{
    actx a;
    size_t c, i, nsup = 0, *fill = NULL, *start = NULL, *members = NULL;
    unsigned char *in_comp = NULL, *haskids[64] = {0};
    size_t *cols = NULL;
    unsigned *need = NULL;
    points pts = {0, 0, 0, 0, NULL, NULL}, scratch = {0, 0, 0, 0, NULL, NULL};
    oc_status st = OC_OK;
    comp cp;

    memset(res, 0, sizeof *res);
    memset(&a, 0, sizeof a);
    memset(&cp, 0, sizeof cp);
    a.t = t;
    a.m = m;
    a.o = o;
    a.res = res;
    a.err = err;
    a.col = oc_calloc(t->ncells ? t->ncells : 1, sizeof *a.col);
    a.sidx = oc_calloc(t->ncells ? t->ncells : 1, sizeof *a.sidx);
    in_comp = oc_calloc(t->ncells ? t->ncells : 1, 1);
    a.near = oc_calloc(t->ncells ? t->ncells : 1, sizeof *a.near);
    if (!a.col || !a.sidx || !in_comp || !a.near || t->ndims > 64)
        goto nomem;
    for (c = 0; c < t->ncells; c++)
        if (t->status[c] != CELL_PUBLISHED)
            a.sidx[c] = ++nsup;
    res->n = nsup;
    res->cells = oc_calloc(nsup ? nsup : 1, sizeof *res->cells);
    a.root = oc_malloc((nsup ? nsup : 1) * sizeof *a.root);
    a.ind = oc_malloc((t->ncells + 2) * sizeof *a.ind);
    a.val = oc_malloc((t->ncells + 2) * sizeof *a.val);
    fill = oc_calloc(nsup ? nsup : 1, sizeof *fill);
    start = oc_calloc(nsup + 1, sizeof *start);
    members = oc_malloc((nsup ? nsup : 1) * sizeof *members);
    cp.cells = oc_malloc((nsup ? nsup : 1) * sizeof *cp.cells);
    cp.lb = oc_malloc((nsup ? nsup : 1) * sizeof *cp.lb);
    cols = oc_malloc((nsup ? nsup : 1) * sizeof *cols);
    need = oc_malloc((nsup ? nsup : 1) * sizeof *need);
    if (!cols || !need || !res->cells || !a.root || !a.ind || !a.val || !fill || !start || !members || !cp.cells || !cp.lb)
        goto nomem;
    for (i = 0; i < t->ndims; i++) {
        size_t k;
        haskids[i] = oc_calloc(t->dims[i].n ? t->dims[i].n : 1, 1);
        if (!haskids[i])
            goto nomem;
        for (k = 0; k < t->dims[i].n; k++)
            if (t->dims[i].parent && t->dims[i].parent[k] >= 0)
                haskids[i][t->dims[i].parent[k]] = 1;
    }
    for (i = 0; i < nsup; i++)
        a.root[i] = i;
    for (c = 0; c < t->ncells; c++)
        if (a.sidx[c]) {
            res->cells[a.sidx[c] - 1].cell = c;
            res->cells[a.sidx[c] - 1].lo = o->nonempty && t->value[c] > 0 ? 1.0 : 0.0;
            res->cells[a.sidx[c] - 1].hi = INFINITY;
        }
    for (i = 0; i < m->nrel; i++) {
        size_t k, first = 0;
        for (k = m->off[i]; k < m->off[i + 1]; k++) {
            size_t s = a.sidx[m->idx[k]];
            if (!s)
                continue;
            if (first)
                uf_union(a.root, first - 1, s - 1);
            else
                first = s;
        }
    }
    /* components in order of their first cell: counting sort by root */
    for (i = 0; i < nsup; i++)
        start[uf_find(a.root, i) + 1]++;
    for (i = 0; i < nsup; i++)
        start[i + 1] += start[i];
    for (i = 0; i < nsup; i++) {
        size_t r = uf_find(a.root, i);
        members[start[r] + fill[r]++] = i;
    }
    for (i = 0; i < nsup; i++) {
        size_t lo = start[i], hi = start[i + 1], j, s;
        if (hi == lo)
            continue;
        res->components++;
        if (hi - lo > res->largest)
            res->largest = hi - lo;
        cp.n = hi - lo;
        for (j = 0; j < cp.n; j++) {
            size_t cell = res->cells[members[lo + j]].cell;
            cp.cells[j] = cell;
            a.col[cell] = j + 1;
            in_comp[cell] = 1;
        }
        if ((st = build_comp(&a, &cp, in_comp)) != OC_OK)
            goto comp_out;
        for (j = 0; j < cp.n; j++) {
            cols[j] = j;
            need[j] = 1;
        }
        points_reset(&pts, cp.n);
        if (!o->intervals) {
            for (j = 0; j < cp.n; j++)
                need[j] = needs(&a, cp.cells[j]);
            if ((st = settle(&a, &cp, cols, cp.n, need, &pts)) != OC_OK)
                goto comp_out;
        }
        for (j = 0; j < cp.n; j++) {
            audit_cell *ac = &res->cells[members[lo + j]];
            if (!need[j]) {
                ac->verdict = AUDIT_PASS;   /* shown by a feasible point */
                continue;
            }
            if ((st = interval(&a, &cp, (int)j + 1, &ac->lo, &ac->hi)) != OC_OK)
                goto comp_out;
            ac->verdict = judge(&a, ac->cell, cp.lb[j], ac->lo, ac->hi);
        }
        /* singletons: fix each one and look again at its neighbours */
        if (o->singletons)
            for (s = 0; s < cp.n; s++) {
                size_t scell = cp.cells[s], r, k;
                if (t->value[scell] != 1 || !is_interior(t, scell, (const unsigned char *const *)haskids))
                    continue;
                size_t nc = 0, q;
                glp_set_col_bnds(cp.lp, (int)s + 1, GLP_FX, 1.0, 1.0);
                for (r = m->coff[scell]; r < m->coff[scell + 1]; r++)
                    for (k = m->off[m->crel[r]]; k < m->off[m->crel[r] + 1]; k++)
                        a.near[m->idx[k]] = scell + 1;
                /* the unit learns about others: primary cells only, and
                 * not a margin that holds nobody but the unit itself */
                for (j = 0; j < cp.n; j++) {
                    size_t cell = cp.cells[j];
                    if (j == s || res->cells[members[lo + j]].verdict != AUDIT_PASS ||
                        t->status[cell] != CELL_PRIMARY || (t->value[cell] == 1 && contains(t, cell, scell)) ||
                        a.near[cell] != scell + 1)
                        continue;
                    cols[nc++] = j;
                }
                for (q = 0; q < nc; q++)
                    need[q] = 1;
                if (!o->intervals && nc) {
                    size_t pi;
                    for (q = 0; q < nc; q++)
                        need[q] = needs(&a, cp.cells[cols[q]]);
                    /* tables already seen with the singleton at its count */
                    for (pi = 0; pi < pts.n; pi++)
                        if (fabs(pts.x[pi * pts.dim + s] - 1.0) < EPS)
                            (void)witness(&a, &cp, cols, nc, need, pts.x + pi * pts.dim, pts.integral[pi]);
                    points_reset(&scratch, cp.n);
                    if ((st = settle(&a, &cp, cols, nc, need, &scratch)) != OC_OK)
                        goto comp_out;
                }
                for (q = 0; q < nc; q++) {
                    size_t cell;
                    audit_cell *ac;
                    double l2, h2;
                    audit_reason v;
                    j = cols[q];
                    cell = cp.cells[j];
                    ac = &res->cells[members[lo + j]];
                    if (!need[q])
                        continue;
                    if ((st = interval(&a, &cp, (int)j + 1, &l2, &h2)) != OC_OK)
                        goto comp_out;
                    v = judge(&a, cell, cp.lb[j], l2, h2);
                    if (v != AUDIT_PASS) {
                        ac->verdict = AUDIT_SINGLETON;
                        ac->by = scell;
                        ac->lo = l2;
                        ac->hi = h2;
                    }
                }
                glp_set_col_bnds(cp.lp, (int)s + 1, GLP_LO, cp.lb[s], 0.0);
            }
    comp_out:
        for (j = 0; j < cp.n; j++) {
            a.col[cp.cells[j]] = 0;
            in_comp[cp.cells[j]] = 0;
        }
        if (cp.lp)
            glp_delete_prob(cp.lp);
        cp.lp = NULL;
        if (st != OC_OK)
            goto out;
    }
    for (i = 0; i < nsup; i++) {
        res->cells[i].disclosed = res->cells[i].verdict != AUDIT_PASS;
        res->disclosed += (size_t)res->cells[i].disclosed;
    }
    goto out;
nomem:
    st = oc_error_set(err, OC_ENOMEM, "out of memory");
out:
    for (i = 0; i < 64; i++)
        oc_free(haskids[i]);
    oc_free(a.col);
    oc_free(a.sidx);
    oc_free(a.near);
    oc_free(a.root);
    oc_free(a.ind);
    oc_free(a.val);
    oc_free(in_comp);
    oc_free(fill);
    oc_free(start);
    oc_free(members);
    oc_free(cp.cells);
    oc_free(cp.lb);
    oc_free(cols);
    oc_free(need);
    oc_free(pts.x);
    oc_free(pts.integral);
    oc_free(scratch.x);
    oc_free(scratch.integral);
    if (st != OC_OK)
        audit_result_fini(res);
    return st;
}

oc_status audit_lp(const oc_table *t, const sdc_model *m, int nonempty, audit_result *res, oc_error *err)
{
    audit_opts o;
    memset(&o, 0, sizeof o);
    o.nonempty = nonempty;
    o.intervals = 1;
    return audit_table(t, m, &o, res, err);
}

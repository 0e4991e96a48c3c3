/* audit.c - see audit.h. */
#include "audit.h"

#include <glpk.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hypercube.h"
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

void audit_hc_need(const audit_opts *o, hc_need *n)
{
    n->nonempty = o->nonempty;
    n->singletons = o->singletons;
    n->upl = o->upl;
    n->lpl = o->lpl;
    n->upl_pct = o->upl_pct;
    n->lpl_pct = o->lpl_pct;
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
    int64_t          *wup, *wdn;   /* per cell: how far one checked move takes it up, down (NULL: none) */
    const hc_moves   *mv;          /* the moves, and per cell the checked ones holding it: */
    size_t           *moff, *mcell;   /* mcell[moff[c] .. moff[c+1]) (move indices) */
    signed char      *msign;          /* the cell's sign in each */
    int64_t          *ap, *am;        /* per move: room of its + cells and of its - cells */
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
/* [wlo, whi]: whole values the cell is known to take in some feasible
 * table (its own value at least; more from moves), so that no integer
 * program has to decide them. */
static oc_status interval(actx *a, comp *c, int j, double wlo, double whi, double *lo, double *hi)
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
            int k, rm, rx, unb2, ask_lo = wlo > l + EPS, ask_hi = whi < h - EPS;
            double lpv;
            if (ask_lo || ask_hi)
                for (k = 1; k <= (int)c->n; k++)
                    glp_set_col_kind(c->lp, k, GLP_IV);
            if (ask_lo) {
                rm = solve_lp(a, c->lp, GLP_MIN, &lpv, &unb2) == 0 ? solve_mip(a, c->lp, GLP_MIN, &v) : -1;
                if (rm == 0)
                    l = v;
                else if (rm == -3 || rm == -1)
                    l = h;
                else
                    l = h + 1;   /* no integer solution at all: the table is inconsistent */
            }
            if (ask_hi && l < h) {
                rx = solve_lp(a, c->lp, GLP_MAX, &lpv, &unb2) == 0 ? solve_mip(a, c->lp, GLP_MAX, &v) : -1;
                if (rx == 0)
                    h = v;
                else
                    h = l;
            }
            if (ask_lo || ask_hi)
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
    if (cell_unknown(t->status[cell]))
        return AUDIT_PASS;   /* not released: nothing to disclose */
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
    if (cell_unknown(t->status[cell]))
        return 0;
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

static double wlo_of(const actx *a, size_t cell)
{
    return (double)a->t->value[cell] - (a->wdn ? (double)a->wdn[cell] : 0.0);
}

static double whi_of(const actx *a, size_t cell)
{
    return (double)a->t->value[cell] + (a->wup ? (double)a->wup[cell] : 0.0);
}

/* ---- cells shown by integral moves (hypercube.h) ----------------------------
 *
 * Each move is checked here, not trusted: every cell it changes is
 * suppressed, and every relation holding one of them still adds up after
 * the change.  Then true table + t * move is a table the attacker cannot
 * rule out for every whole t from -ap to +am (ap, am: the room above the
 * lower bound of the cells that move down).  shown[cell]: 1 if the moves
 * settle the cell against the general attacker (each direction by its
 * best move), 2 if moreover, for each singleton in those two moves, the
 * moves that leave it alone still do (so no singleton's unit can use them
 * either). */
static int move_ok(const actx *a, const hc_moves *mv, size_t k, int64_t *acc, unsigned char *seen, size_t *touched,
                   int64_t *ap, int64_t *am)
{
    const oc_table *t = a->t;
    const sdc_model *m = a->m;
    size_t i, r, nt = 0;
    int ok = 1;
    *ap = *am = INT64_MAX;
    for (i = mv->off[k]; i < mv->off[k + 1]; i++) {
        size_t c = mv->cell[i];
        int64_t room;
        if (c >= t->ncells || t->status[c] == CELL_PUBLISHED || (mv->sign[i] != 1 && mv->sign[i] != -1))
            ok = 0;
        if (!ok)
            break;
        room = (int64_t)t->value[c] - (a->o->nonempty && t->value[c] > 0 ? 1 : 0);
        if (mv->sign[i] > 0 && room < *ap)
            *ap = room;
        if (mv->sign[i] < 0 && room < *am)
            *am = room;
        for (r = m->coff[c]; r < m->coff[c + 1]; r++) {
            size_t rel = m->crel[r];
            if (!seen[rel]) {
                seen[rel] = 1;
                touched[nt++] = rel;
            }
            acc[rel] += (m->idx[m->off[rel]] == c ? 1 : -1) * mv->sign[i];
        }
    }
    for (i = 0; i < nt; i++) {
        if (acc[touched[i]] != 0)
            ok = 0;
        acc[touched[i]] = 0;
        seen[touched[i]] = 0;
    }
    return ok && *ap >= 0 && *am >= 0;
}

/* How far cell i moves up and down through one checked move that leaves
 * cell s (a singleton; SIZE_MAX: none) unchanged. */
static void reach_avoiding(const actx *a, size_t i, size_t s, int64_t *up, int64_t *dn)
{
    size_t e;
    *up = *dn = 0;
    for (e = a->moff[i]; e < a->moff[i + 1]; e++) {
        size_t k = a->mcell[e];
        int64_t u = a->msign[e] > 0 ? a->am[k] : a->ap[k], d = a->msign[e] > 0 ? a->ap[k] : a->am[k];
        if (s != SIZE_MAX && hc_move_holds(a->mv, k, s))
            continue;
        if (u > *up)
            *up = u;
        if (d > *dn)
            *dn = d;
    }
}

static oc_status moves_settle(actx *a, const hc_moves *mv, const unsigned char *const *haskids,
                              unsigned char *shown)
{
    const oc_table *t = a->t;
    size_t k, i, *fill = NULL, *touched = NULL, total, maxlen = 0;
    int64_t *acc = NULL;
    unsigned char *valid = NULL, *seen = NULL;
    oc_status st = OC_OK;
    for (k = 0; k < mv->n; k++)
        if (mv->off[k + 1] - mv->off[k] > maxlen)
            maxlen = mv->off[k + 1] - mv->off[k];
    total = mv->off[mv->n];
    a->mv = mv;
    acc = oc_calloc(a->m->nrel ? a->m->nrel : 1, sizeof *acc);
    seen = oc_calloc(a->m->nrel ? a->m->nrel : 1, 1);
    touched = oc_malloc((maxlen * 2 * t->ndims + 1) * sizeof *touched);
    a->ap = oc_malloc((mv->n + 1) * sizeof *a->ap);
    a->am = oc_malloc((mv->n + 1) * sizeof *a->am);
    valid = oc_calloc(mv->n + 1, 1);
    a->moff = oc_calloc(t->ncells + 1, sizeof *a->moff);
    fill = oc_calloc(t->ncells + 1, sizeof *fill);
    a->mcell = oc_malloc((total + 1) * sizeof *a->mcell);
    a->msign = oc_malloc(total + 1);
    if (!acc || !seen || !touched || !a->ap || !a->am || !valid || !a->moff || !fill || !a->mcell || !a->msign) {
        st = oc_error_set(a->err, OC_ENOMEM, "out of memory");
        goto out;
    }
    for (k = 0; k < mv->n; k++) {
        valid[k] = (unsigned char)move_ok(a, mv, k, acc, seen, touched, &a->ap[k], &a->am[k]);
        if (valid[k])
            for (i = mv->off[k]; i < mv->off[k + 1]; i++)
                a->moff[mv->cell[i] + 1]++;
    }
    for (i = 0; i < t->ncells; i++)
        a->moff[i + 1] += a->moff[i];
    /* per cell: its valid moves and its sign in them */
    for (k = 0; k < mv->n; k++)
        if (valid[k])
            for (i = mv->off[k]; i < mv->off[k + 1]; i++) {
                size_t c = mv->cell[i], at = a->moff[c] + fill[c]++;
                a->mcell[at] = k;
                a->msign[at] = mv->sign[i];
            }
    for (i = 0; i < t->ncells; i++) {
        size_t e, f;
        double v = (double)t->value[i], lb = a->o->nonempty && t->value[i] > 0 ? 1.0 : 0.0;
        int robust = 1;
        /* each direction by its best move: both are feasible tables */
        reach_avoiding(a, i, SIZE_MAX, &a->wup[i], &a->wdn[i]);
        if (a->moff[i] == a->moff[i + 1] ||
            judge(a, i, lb, v - (double)a->wdn[i], v + (double)a->wup[i]) != AUDIT_PASS)
            continue;
        shown[i] = 1;
        /* the singletons of the two moves that reach furthest (any other
         * singleton leaves both usable): the moves that leave each alone
         * must still settle i */
        {
            size_t best[2] = {SIZE_MAX, SIZE_MAX}, w;
            for (e = a->moff[i]; e < a->moff[i + 1]; e++) {
                k = a->mcell[e];
                if (best[0] == SIZE_MAX && (a->msign[e] > 0 ? a->am[k] : a->ap[k]) == a->wup[i])
                    best[0] = k;
                if (best[1] == SIZE_MAX && (a->msign[e] > 0 ? a->ap[k] : a->am[k]) == a->wdn[i])
                    best[1] = k;
            }
            for (w = 0; w < 2 && robust; w++) {
                if (best[w] == SIZE_MAX || (w == 1 && best[1] == best[0]))
                    continue;
                for (f = mv->off[best[w]]; f < mv->off[best[w] + 1] && robust; f++) {
                    size_t sc = mv->cell[f];
                    int64_t up, dn;
                    if (sc == i || t->value[sc] != 1 || !is_interior(t, sc, haskids) ||
                        (t->value[i] == 1 && contains(t, i, sc)))
                        continue;
                    reach_avoiding(a, i, sc, &up, &dn);
                    robust = judge(a, i, lb, v - (double)dn, v + (double)up) == AUDIT_PASS;
                }
            }
        }
        if (robust)
            shown[i] = 2;
    }
out:
    oc_free(acc);
    oc_free(seen);
    oc_free(touched);
    oc_free(valid);
    oc_free(fill);
    return st;
}

oc_status audit_table(const oc_table *t, const sdc_model *m, const audit_opts *o, audit_result *res, oc_error *err)
{
    actx a;
    size_t c, i, nsup = 0, *fill = NULL, *start = NULL, *members = NULL;
    unsigned char *in_comp = NULL, *haskids[64] = {0}, *shown = NULL;
    size_t *cols = NULL;
    hc_moves own;
    const hc_moves *mvp;
    unsigned *need = NULL;
    points pts = {0, 0, 0, 0, NULL, NULL}, scratch = {0, 0, 0, 0, NULL, NULL};
    oc_status st = OC_OK;
    comp cp;

    memset(res, 0, sizeof *res);
    memset(&a, 0, sizeof a);
    hc_moves_init(&own);
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
    /* integral moves: given, or looked for here (hypercube.h) */
    mvp = o->moves;
    if (!mvp && o->integer && t->ncells) {
        hc_need hn;
        audit_hc_need(o, &hn);
        if ((st = hc_certify(t, &hn, &own, err)) != OC_OK)
            goto out;
        mvp = &own;
    }
    if (mvp && mvp->n && t->ncells) {
        shown = oc_calloc(t->ncells, 1);
        a.wup = oc_calloc(t->ncells, sizeof *a.wup);
        a.wdn = oc_calloc(t->ncells, sizeof *a.wdn);
        if (!shown || !a.wup || !a.wdn)
            goto nomem;
        if ((st = moves_settle(&a, mvp, (const unsigned char *const *)haskids, shown)) != OC_OK)
            goto out;
        if (o->intervals) {   /* exact intervals asked: the moves only spare integer programs */
            oc_free(shown);
            shown = NULL;
        }
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
        if (shown) {
            /* settled by moves, singletons included: no LP for this component */
            int all = 1;
            for (j = 0; j < cp.n && all; j++)
                all = shown[cp.cells[j]] == 2 ||
                      (shown[cp.cells[j]] == 1 && (!o->singletons || t->status[cp.cells[j]] != CELL_PRIMARY));
            if (all)
                goto comp_out;
        }
        if ((st = build_comp(&a, &cp, in_comp)) != OC_OK)
            goto comp_out;
        for (j = 0; j < cp.n; j++) {
            cols[j] = j;
            need[j] = 1;
        }
        points_reset(&pts, cp.n);
        if (!o->intervals || o->integer) {
            for (j = 0; j < cp.n; j++)
                need[j] = shown && shown[cp.cells[j]] ? 0 : needs(&a, cp.cells[j]);
            if ((st = settle(&a, &cp, cols, cp.n, need, &pts)) != OC_OK)
                goto comp_out;
            if (o->intervals)   /* exact intervals: the points only spare integer programs */
                for (j = 0; j < cp.n; j++)
                    need[j] = 1;
        }
        for (j = 0; j < cp.n; j++) {
            audit_cell *ac = &res->cells[members[lo + j]];
            double wl = wlo_of(&a, ac->cell), wh = whi_of(&a, ac->cell);
            size_t pi;
            if (!need[j]) {
                ac->verdict = AUDIT_PASS;   /* shown by a feasible point */
                continue;
            }
            /* whole-number tables the LPs met are witnesses too */
            for (pi = 0; pi < pts.n; pi++)
                if (pts.integral[pi]) {
                    double x = floor(pts.x[pi * pts.dim + j] + 0.5);
                    wl = fmin(wl, x);
                    wh = fmax(wh, x);
                }
            if ((st = interval(&a, &cp, (int)j + 1, wl, wh, &ac->lo, &ac->hi)) != OC_OK)
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
                        (shown && shown[cell] == 2) ||
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
                    /* only moves that leave the singleton's cell alone are witnesses */
                    int64_t wu = 0, wd = 0;
                    if (a.moff)
                        reach_avoiding(&a, cell, scell, &wu, &wd);
                    if ((st = interval(&a, &cp, (int)j + 1, (double)t->value[cell] - (double)wd,
                                       (double)t->value[cell] + (double)wu, &l2, &h2)) != OC_OK)
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
    oc_free(shown);
    oc_free(a.wup);
    oc_free(a.wdn);
    oc_free(a.moff);
    oc_free(a.mcell);
    oc_free(a.msign);
    oc_free(a.ap);
    oc_free(a.am);
    hc_moves_fini(&own);
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

/* hypercube.c - see hypercube.h. */
#include "hypercube.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oc_mem.h"

#define NONE    SIZE_MAX
#define MAXLEG  128     /* cells in one leg (two lattices of ancestors) */
#define MAXCUBE 4096    /* cells one move may change */
#define SWEEPS  2       /* local-search sweeps over the dimensions */
#define SHORT   24      /* sweeps try at most this many partners per dimension */
#define PRUNE_OPEN 8    /* pruning gives up on a cell that leaves more cells without a move */
#define CERTIFY_BB_CELLS 200000   /* hc_certify: branch and bound up to this many cells */

void hc_moves_init(hc_moves *mv)
{
    memset(mv, 0, sizeof *mv);
}

void hc_moves_fini(hc_moves *mv)
{
    oc_free(mv->off);
    oc_free(mv->cell);
    oc_free(mv->sign);
    memset(mv, 0, sizeof *mv);
}

/* One group's part of a move: partial cell offsets (the group's
 * dimensions only) and signs.  off[0] is the target's. */
typedef struct leg {
    size_t      l, b;          /* units: moved +1, and the partner (NONE: up to the totals) */
    size_t      n;
    size_t      off[MAXLEG];
    signed char sg[MAXLEG];
} leg;

/* A group of dimensions that code the same variable (AGE bands and
 * child/adult from one age column; two hierarchies over regions): their
 * cells form one lattice, and a move picks whole leaf tuples ("units")
 * there, so that it never needs a combination no record can have. */
#define MAXGD 8
typedef struct grp {
    size_t    m, dim[MAXGD];   /* its dimensions */
    size_t    nunits;
    size_t   *uoff;            /* per unit: partial offset */
    uint32_t *ucode;           /* per unit: m codes */
    unsigned char *short_ok;   /* per unit (groups of more than SHORT units) */
    size_t    xunit;           /* the current target's unit, NONE if its codes are not one */
} grp;

/* Cost of suppressing a cell: CELL_COST plus its count, so a move that
 * suppresses fewer cells wins, then the one with the smaller counts. */
#define CELL_COST 1000.0
typedef struct score {
    size_t pen;     /* cells that may not be used, plus 1 if the move is too short */
    double cost;    /* count newly suppressed */
} score;

static int better(score a, score b)
{
    return a.pen < b.pen || (a.pen == b.pen && a.cost < b.cost);
}

typedef struct hctx {
    oc_table      *t;
    const hc_need *nd;
    size_t         nd_;                   /* dimensions */
    size_t         stride[64];
    unsigned char *leaf[64];              /* per dimension and code */
    size_t        *leaves[64], nleaves[64];
    size_t         ng;                    /* groups of dimensions */
    grp            g[64];
    int            allow_new;             /* published cells may be suppressed */
    int            thorough;              /* branch and bound whatever the number of groups */
    /* cell -> moves holding it: entries are positions in mv->cell */
    hc_moves      *mv;
    size_t        *head, *next;           /* head[cell], next[entry]; NONE ends */
    size_t        *emove;                 /* entry -> its move */
    size_t         ncap;                  /* next[] capacity */
    int64_t       *amp_p, *amp_m;         /* per move: how far it goes down / up */
    unsigned char *dead;                  /* per move: holds a cell published again */
    size_t         acap;
    uint32_t      *forbid, stamp;         /* forbid[cell] == stamp: may not be used */
    uint32_t      *seen, seen_stamp;      /* shown(): singletons already looked at */
    int            shortlist;             /* best_leg: only partners with short_ok */
    double        *skey;                  /* scratch for the shortlist */
    size_t        *sidx;
    struct bbs    *bb;                    /* branch and bound scratch, or NULL */
    /* scratch: the other dimensions' product */
    size_t        *roff;
    signed char   *rsg;
} hctx;

static size_t pos_of(const hctx *h, size_t cell, size_t d)
{
    return (cell / h->stride[d]) % h->t->dims[d].n;
}

static int is_under(const oc_table *t, size_t d, size_t code, size_t x)
{
    for (;;) {
        int32_t p;
        if (code == x)
            return 1;
        p = t->dims[d].parent[code];
        if (p < 0)
            return 0;
        code = (size_t)p;
    }
}

static int interior(const hctx *h, size_t cell)
{
    size_t d;
    for (d = 0; d < h->nd_; d++)
        if (!h->leaf[d][pos_of(h, cell, d)])
            return 0;
    return 1;
}

static int64_t lb_of(const hctx *h, size_t cell)
{
    return h->nd->nonempty && h->t->value[cell] > 0 ? 1 : 0;
}

static int unit_under(const hctx *h, const grp *g, size_t u, const size_t *x)
{
    size_t k;
    if (g->xunit != NONE)
        return u == g->xunit;   /* the target is a unit: only itself is under it */
    for (k = 0; k < g->m; k++)
        if (!is_under(h->t, g->dim[k], g->ucode[u * g->m + k], x[g->dim[k]]))
            return 0;
    return 1;
}

/* Appends sign * (unit u and every cell above it in the group's lattice),
 * cancelling against entries already there.  0 if it does not fit. */
static int add_lattice(const hctx *h, const grp *g, size_t u, signed char sign, leg *lg)
{
    size_t code[MAXGD], k, i;
    for (k = 0; k < g->m; k++)
        code[k] = g->ucode[u * g->m + k];
    for (;;) {
        size_t off = 0;
        for (k = 0; k < g->m; k++)
            off += code[k] * h->stride[g->dim[k]];
        for (i = 0; i < lg->n && lg->off[i] != off; i++)
            ;
        if (i < lg->n) {   /* same cell with the other sign: both go */
            lg->off[i] = lg->off[lg->n - 1];
            lg->sg[i] = lg->sg[lg->n - 1];
            lg->n--;
        } else {
            if (lg->n == MAXLEG)
                return 0;
            lg->off[lg->n] = off;
            lg->sg[lg->n++] = sign;
        }
        /* next ancestor tuple: odometer over the chains */
        for (k = 0; k < g->m; k++) {
            int32_t p = h->t->dims[g->dim[k]].parent[code[k]];
            if (p >= 0) {
                code[k] = (size_t)p;
                break;
            }
            code[k] = g->ucode[u * g->m + k];
        }
        if (k == g->m)
            return 1;
    }
}

/* Moves the target's entry (xoff, which must carry +1) to the front of
 * the leg.  0 if the leg misses the target. */
static int target_first(leg *lg, size_t xoff)
{
    size_t i;
    signed char sg;
    for (i = 0; i < lg->n && lg->off[i] != xoff; i++)
        ;
    if (i == lg->n || lg->sg[i] != 1)
        return 0;
    sg = lg->sg[0];
    lg->off[i] = lg->off[0];
    lg->sg[i] = sg;
    lg->off[0] = xoff;
    lg->sg[0] = 1;
    return 1;
}

/* leg_build for a group of one dimension: the two chains up to the
 * common ancestor, the target's code first. */
static int leg_chain(const hctx *h, const grp *g, size_t xoff, size_t l, size_t b, leg *lg)
{
    size_t d = g->dim[0], st = h->stride[d], x, lc = g->ucode[l], bc = b == NONE ? NONE : g->ucode[b];
    const int32_t *par = h->t->dims[d].parent;
    lg->l = l;
    lg->b = b;
    lg->n = 0;
    for (x = lc;; x = (size_t)par[x]) {
        if (bc != NONE && is_under(h->t, d, bc, x))
            break;   /* the common ancestor */
        if (lg->n == MAXLEG)
            return 0;
        lg->off[lg->n] = x * st;
        lg->sg[lg->n++] = 1;
        if (par[x] < 0) {
            if (bc != NONE)
                return 0;
            break;
        }
    }
    if (bc != NONE)
        for (x = bc; !is_under(h->t, d, lc, x); x = (size_t)par[x]) {
            if (lg->n == MAXLEG)
                return 0;
            lg->off[lg->n] = x * st;
            lg->sg[lg->n++] = -1;
        }
    return target_first(lg, xoff);
}

/* Builds leg (l, b) of group g for the target's partial offset xoff: +1 on
 * unit l and its lattice, -1 on unit b and its (common cells cancel); with
 * b == NONE, +1 on l's lattice up to the totals.  0 if it does not fit or
 * misses the target. */
static int leg_build(const hctx *h, const grp *g, size_t xoff, size_t l, size_t b, leg *lg)
{
    if (g->m == 1)
        return leg_chain(h, g, xoff, l, b, lg);
    lg->l = l;
    lg->b = b;
    lg->n = 0;
    if (!add_lattice(h, g, l, 1, lg) || (b != NONE && !add_lattice(h, g, b, -1, lg)))
        return 0;
    return target_first(lg, xoff);
}

/* The product of every leg but group skip's: cell offsets and signs.
 * Returns the count, 0 if too large. */
static size_t rest_of(hctx *h, const leg *legs, size_t skip)
{
    size_t n = 1, gi, i, k;
    h->roff[0] = 0;
    h->rsg[0] = 1;
    for (gi = 0; gi < h->ng; gi++) {
        if (gi == skip)
            continue;
        if (n * legs[gi].n > MAXCUBE)
            return 0;
        for (i = n; i-- > 0;)
            for (k = legs[gi].n; k-- > 0;) {
                h->roff[i * legs[gi].n + k] = h->roff[i] + legs[gi].off[k];
                h->rsg[i * legs[gi].n + k] = (signed char)(h->rsg[i] * legs[gi].sg[k]);
            }
        n *= legs[gi].n;
    }
    return n;
}

/* Amplitudes a cell must reach: up, down (0: not asked; both 0: one unit
 * either way). */
static void need_of(const hctx *h, size_t cell, int64_t *up, int64_t *down)
{
    const oc_table *t = h->t;
    double v = (double)t->value[cell], nh, nl;
    *up = *down = 0;
    if (t->status[cell] != CELL_PRIMARY)
        return;
    nh = fmax(h->nd->upl, h->nd->upl_pct / 100.0 * v);
    nl = fmax(h->nd->lpl, h->nd->lpl_pct / 100.0 * v);
    if (nh > 0)
        *up = (int64_t)ceil(nh - 1e-9);
    if (nl > 0) {
        int64_t room = (int64_t)t->value[cell] - lb_of(h, cell);
        *down = (int64_t)ceil(nl - 1e-9);
        if (*down > room)
            *down = room;
    }
}

static int reaches(int64_t up, int64_t down, int64_t need_up, int64_t need_down)
{
    if (need_up == 0 && need_down == 0)
        return up >= 1 || down >= 1;
    return up >= need_up && down >= need_down && (up >= 1 || down >= 1);
}

/* Scores leg cand along dimension d with the rest product (n cells) for
 * target cell q (its sign is +1 by construction); stops early once worse
 * than best. */
static score eval(hctx *h, const leg *cand, size_t n, int64_t need_up, int64_t need_down, score best)
{
    const oc_table *t = h->t;
    score s = {0, 0.0};
    int64_t ap = INT64_MAX, am = INT64_MAX;
    size_t k, i;
    /* the partner's codes first: they differ between candidates, so a bad
     * candidate is dropped sooner */
    for (k = cand->n; k-- > 0;) {
        size_t base = cand->off[k];
        for (i = 0; i < n; i++) {
            size_t cell = base + h->roff[i];
            int64_t v = (int64_t)t->value[cell], room = v - lb_of(h, cell);
            if (h->t->status[cell] == CELL_PUBLISHED) {
                if (v == 0 || !h->allow_new) {
                    if (++s.pen > best.pen)
                        return s;
                } else {
                    s.cost += (double)v + CELL_COST;
                    if (s.pen == best.pen && s.cost >= best.cost)
                        return s;
                }
            }
            if (h->forbid[cell] == h->stamp && ++s.pen > best.pen)
                return s;
            if (cand->sg[k] * h->rsg[i] > 0) {
                if (room < ap)
                    ap = room;
            } else if (room < am) {
                am = room;
            }
        }
        if (better(best, s))
            return s;
    }
    if (!reaches(am, ap, need_up, need_down))
        s.pen++;
    return s;
}

/* Best leg of group gi for the target (codes x), the other legs fixed:
 * every unit l under the target with every partner b not under it, or
 * none.  Sets legs[gi] and returns its score if it beats cur; else leaves
 * legs[gi] and returns cur. */
static score best_leg(hctx *h, leg *legs, size_t gi, const size_t *x, size_t xoff, int64_t nu, int64_t ndn,
                      score cur)
{
    const grp *g = &h->g[gi];
    size_t n = rest_of(h, legs, gi), l, j;
    leg cand;
    if (n == 0)
        return cur;
    for (l = g->xunit != NONE ? g->xunit : 0; l < g->nunits; l++) {
        if (!unit_under(h, g, l, x))
            continue;
        for (j = 0; j <= g->nunits; j++) {
            size_t b = j < g->nunits ? j : NONE;
            score s;
            if (b != NONE && ((h->shortlist && g->short_ok && !g->short_ok[b]) || unit_under(h, g, b, x)))
                continue;
            if (!leg_build(h, g, xoff, l, b, &cand))
                continue;
            s = eval(h, &cand, n, nu, ndn, cur);
            if (better(s, cur)) {
                cur = s;
                legs[gi] = cand;
            }
        }
    }
    return cur;
}

static oc_status grow(hctx *h, size_t ncells, oc_error *err)
{
    hc_moves *mv = h->mv;
    size_t need = mv->off ? mv->off[mv->n] + ncells : ncells;
    if (mv->n + 2 > mv->mcap) {
        size_t cap = mv->mcap ? 2 * mv->mcap : 1024;
        size_t *o = oc_realloc(mv->off, cap * sizeof *o);
        if (!o)
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        if (!mv->off)
            o[0] = 0;
        mv->off = o;
        mv->mcap = cap;
    }
    if (mv->n + 1 > h->acap) {
        size_t cap = h->acap ? 2 * h->acap : 1024;
        int64_t *p = oc_realloc(h->amp_p, cap * sizeof *p), *m;
        if (!p)
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        h->amp_p = p;
        m = oc_realloc(h->amp_m, cap * sizeof *m);
        if (!m)
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        h->amp_m = m;
        {
            unsigned char *dd = oc_realloc(h->dead, cap);
            if (!dd)
                return oc_error_set(err, OC_ENOMEM, "out of memory");
            memset(dd + h->acap, 0, cap - h->acap);
            h->dead = dd;
        }
        h->acap = cap;
    }
    if (need > mv->ccap) {
        size_t cap = mv->ccap ? 2 * mv->ccap : 16384, *c;
        signed char *s;
        while (cap < need)
            cap *= 2;
        c = oc_realloc(mv->cell, cap * sizeof *c);
        if (!c)
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        mv->cell = c;
        s = oc_realloc(mv->sign, cap);
        if (!s)
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        mv->sign = s;
        mv->ccap = cap;
    }
    if (need > h->ncap) {
        size_t cap = h->ncap ? 2 * h->ncap : 16384, *nx;
        while (cap < need)
            cap *= 2;
        nx = oc_realloc(h->next, cap * sizeof *nx);
        if (!nx)
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        h->next = nx;
        nx = oc_realloc(h->emove, cap * sizeof *nx);
        if (!nx)
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        h->emove = nx;
        h->ncap = cap;
    }
    return OC_OK;
}

/* Links move k's entries into the per-cell lists and stores how far it
 * can go either way. */
static void link_move(hctx *h, size_t k)
{
    const hc_moves *mv = h->mv;
    int64_t ap = INT64_MAX, am = INT64_MAX;
    size_t i;
    for (i = mv->off[k]; i < mv->off[k + 1]; i++) {
        size_t cell = mv->cell[i];
        int64_t room = (int64_t)h->t->value[cell] - lb_of(h, cell);
        h->next[i] = h->head[cell];
        h->head[cell] = i;
        h->emove[i] = k;
        if (mv->sign[i] > 0 && room < ap)
            ap = room;
        if (mv->sign[i] < 0 && room < am)
            am = room;
    }
    h->amp_p[k] = ap;
    h->amp_m[k] = am;
}

/* Records the move of legs (all of its cells usable), suppressing its
 * published cells. */
static oc_status record(hctx *h, const leg *legs, oc_error *err)
{
    hc_moves *mv = h->mv;
    size_t n = rest_of(h, legs, 0), k, i, at;
    oc_status st;
    if ((st = grow(h, n * legs[0].n, err)) != OC_OK)
        return st;
    at = mv->off[mv->n];
    for (k = 0; k < legs[0].n; k++)
        for (i = 0; i < n; i++) {
            size_t cell = legs[0].off[k] + h->roff[i];
            if (h->t->status[cell] == CELL_PUBLISHED)
                h->t->status[cell] = CELL_SECONDARY;
            mv->cell[at] = cell;
            mv->sign[at++] = (signed char)(legs[0].sg[k] * h->rsg[i]);
        }
    mv->off[mv->n + 1] = at;
    link_move(h, mv->n++);
    return OC_OK;
}

int hc_move_holds(const hc_moves *mv, size_t k, size_t cell)
{
    size_t i;
    for (i = mv->off[k]; i < mv->off[k + 1]; i++)
        if (mv->cell[i] == cell)
            return 1;
    return 0;
}

static int singleton(const hctx *h, size_t cell)
{
    return h->t->value[cell] == 1 && h->t->status[cell] != CELL_PUBLISHED && interior(h, cell);
}

/* Does cell q cover cell s (s's code under q's along every dimension)? */
static int holds(const hctx *h, size_t q, size_t s)
{
    size_t d;
    for (d = 0; d < h->nd_; d++)
        if (!is_under(h->t, d, pos_of(h, s, d), pos_of(h, q, d)))
            return 0;
    return 1;
}

/* How far the live moves holding q and not cell s take it up and down,
 * each direction by its best move; stops once that reaches (nu, ndn). */
static void reach(const hctx *h, size_t q, size_t s, int64_t nu, int64_t ndn, int64_t *up, int64_t *dn)
{
    const hc_moves *mv = h->mv;
    size_t e;
    *up = *dn = 0;
    for (e = h->head[q]; e != NONE && !reaches(*up, *dn, nu, ndn); e = h->next[e]) {
        size_t k = h->emove[e];
        int64_t u, d;
        if (h->dead[k] || hc_move_holds(mv, k, s))
            continue;
        u = mv->sign[e] > 0 ? h->amp_m[k] : h->amp_p[k];
        d = mv->sign[e] > 0 ? h->amp_p[k] : h->amp_m[k];
        if (u > *up)
            *up = u;
        if (d > *dn)
            *dn = d;
    }
}

/* Is cell q shown by the moves so far (each direction by its best move:
 * both are tables the attacker cannot rule out)?  0: yes.  1: no, and
 * *up, *dn say how far they reach.  2: some singleton's unit, holding its
 * cell fixed, would see too little; those singletons are marked in
 * forbid[] (with a fresh stamp). */
static int shown(hctx *h, size_t q, int64_t *up, int64_t *dn)
{
    const hc_moves *mv = h->mv;
    int64_t nu, ndn;
    size_t e, i, best[2] = {NONE, NONE}, w;
    int uncovered = 0;
    need_of(h, q, &nu, &ndn);
    /* each direction by its best move, until they reach far enough */
    *up = *dn = 0;
    for (e = h->head[q]; e != NONE && !reaches(*up, *dn, nu, ndn); e = h->next[e]) {
        size_t k = h->emove[e];
        int64_t u, d;
        if (h->dead[k])
            continue;
        u = mv->sign[e] > 0 ? h->amp_m[k] : h->amp_p[k];
        d = mv->sign[e] > 0 ? h->amp_p[k] : h->amp_m[k];
        if (u > *up) {
            *up = u;
            best[0] = k;
        }
        if (d > *dn) {
            *dn = d;
            best[1] = k;
        }
    }
    if (!reaches(*up, *dn, nu, ndn))
        return 1;
    if (!h->nd->singletons || h->t->status[q] != CELL_PRIMARY)
        return 0;
    /* the singletons of those moves: any other leaves both usable */
    h->stamp++;
    h->seen_stamp++;
    for (w = 0; w < 2; w++) {
        size_t k = best[w];
        if (k == NONE || (w == 1 && k == best[0]))
            continue;
        for (i = mv->off[k]; i < mv->off[k + 1]; i++) {
            size_t s = mv->cell[i];
            int64_t u, d;
            if (s == q || h->seen[s] == h->seen_stamp || !singleton(h, s) ||
                (h->t->value[q] == 1 && holds(h, q, s)))
                continue;   /* a margin holding nobody but the unit tells it nothing */
            h->seen[s] = h->seen_stamp;
            reach(h, q, s, nu, ndn, &u, &d);
            if (!reaches(u, d, nu, ndn)) {
                h->forbid[s] = h->stamp;
                uncovered = 1;
            }
        }
    }
    return uncovered ? 2 : 0;
}

/* Marks in short_ok the SHORT partner units of group gi (one with many
 * units) whose cell on q's line is cheapest: suppressed first, then the
 * smallest counts; empty cells never.  Only when the target's own codes
 * form a unit (the line is defined); else every unit stays allowed. */
static void shortlist(hctx *h, size_t q, size_t gi, size_t xoff, int on)
{
    grp *g = &h->g[gi];
    size_t u, k, m = 0;
    if (!g->short_ok)
        return;
    memset(g->short_ok, !on, g->nunits);
    if (!on)
        return;
    for (u = 0; u < g->nunits; u++) {
        size_t cell = q - xoff + g->uoff[u];
        double key;
        if (g->uoff[u] == xoff)
            continue;
        if (h->t->status[cell] != CELL_PUBLISHED)
            key = 0;
        else if (h->t->value[cell] == 0)
            continue;
        else
            key = (double)h->t->value[cell] + CELL_COST;
        if (m == SHORT && key >= h->skey[m - 1])
            continue;
        for (k = m < SHORT ? m++ : SHORT - 1; k > 0 && h->skey[k - 1] > key; k--) {
            h->skey[k] = h->skey[k - 1];
            h->sidx[k] = h->sidx[k - 1];
        }
        h->skey[k] = key;
        h->sidx[k] = u;
    }
    for (k = 0; k < m; k++)
        g->short_ok[h->sidx[k]] = 1;
}

/* Branch and bound over the legs, one group after the other: the cells of
 * the cube whose codes in later groups are still the target's are cells
 * of every completion, so their cost bounds it from below.  At most
 * BB_CELLS cells are looked at per search (a count, so the result is the
 * same on every machine). */
#define BB_CELLS 20000
typedef struct bbs {
    hctx          *h;
    const size_t  *x, *xoff;
    int64_t        nu, ndn;
    leg            legs[64], best_legs[64];
    score          best;
    size_t         budget;
    size_t        *off[65];    /* face cells per depth */
    signed char   *sg[65];
    size_t         nface[65];
} bbs;

static void bb(bbs *b, size_t depth, score s, int64_t ap, int64_t am)
{
    hctx *h = b->h;
    const grp *g;
    size_t l, j, k, i;
    if (depth == h->ng) {
        if (!reaches(am, ap, b->nu, b->ndn))
            s.pen++;
        if (better(s, b->best)) {
            b->best = s;
            memcpy(b->best_legs, b->legs, h->ng * sizeof *b->legs);
        }
        return;
    }
    g = &h->g[depth];
    for (l = g->xunit != NONE ? g->xunit : 0; l < g->nunits && b->budget > 0; l++) {
        if (!unit_under(h, g, l, b->x))
            continue;
        for (j = 0; j <= g->nunits && b->budget > 0; j++) {
            size_t bc = j < g->nunits ? j : NONE, n = 0;
            leg *lg = &b->legs[depth];
            score t = s;
            int64_t tp = ap, tm = am;
            int dead = 0;
            if ((bc != NONE && unit_under(h, g, bc, b->x)) || !leg_build(h, g, b->xoff[depth], l, bc, lg))
                continue;
            if (b->nface[depth] * lg->n > MAXCUBE)
                continue;
            for (i = 0; i < b->nface[depth] && !dead; i++)
                for (k = 0; k < lg->n && !dead; k++) {
                    size_t cell = b->off[depth][i] - b->xoff[depth] + lg->off[k];
                    signed char sg = (signed char)(b->sg[depth][i] * lg->sg[k]);
                    int64_t v, room;
                    b->off[depth + 1][n] = cell;
                    b->sg[depth + 1][n++] = sg;
                    if (k == 0)
                        continue;   /* off[0] is the target's: counted at an earlier depth */
                    v = (int64_t)h->t->value[cell];
                    room = v - lb_of(h, cell);
                    b->budget -= b->budget > 0;
                    if (h->t->status[cell] == CELL_PUBLISHED) {
                        if (v == 0 || !h->allow_new)
                            t.pen++;
                        else
                            t.cost += (double)v + CELL_COST;
                    }
                    if (h->forbid[cell] == h->stamp)
                        t.pen++;
                    if (sg > 0 && room < tp)
                        tp = room;
                    if (sg < 0 && room < tm)
                        tm = room;
                    dead = !better(t, b->best);
                }
            if (dead)
                continue;
            b->nface[depth + 1] = n;
            bb(b, depth + 1, t, tp, tm);
        }
    }
}

/* Improves *cur (legs) by branch and bound. */
static oc_status exhaust(hctx *h, size_t q, leg *legs, const size_t *x, const size_t *xoff, int64_t nu,
                         int64_t ndn, score *cur, oc_error *err)
{
    size_t d, ng = h->ng;
    bbs *b = h->bb;
    score s0 = {0, 0.0};
    int64_t ap, am = INT64_MAX;
    if (!b) {   /* scratch kept for the context's later searches */
        if (!(b = h->bb = oc_calloc(1, sizeof *b)))
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        for (d = 0; d <= ng; d++) {
            b->off[d] = oc_malloc(MAXCUBE * sizeof *b->off[d]);
            b->sg[d] = oc_malloc(MAXCUBE);
            if (!b->off[d] || !b->sg[d])
                return oc_error_set(err, OC_ENOMEM, "out of memory");
        }
    }
    b->h = h;
    b->x = x;
    b->xoff = xoff;
    b->nu = nu;
    b->ndn = ndn;
    b->best = *cur;
    memcpy(b->best_legs, legs, ng * sizeof *legs);
    b->budget = BB_CELLS;
    /* the target itself */
    if (h->t->status[q] == CELL_PUBLISHED)
        s0.cost += (double)h->t->value[q] + CELL_COST;
    ap = (int64_t)h->t->value[q] - lb_of(h, q);
    b->off[0][0] = q;
    b->sg[0][0] = 1;
    b->nface[0] = 1;
    bb(b, 0, s0, ap, am);
    if (better(b->best, *cur)) {
        *cur = b->best;
        memcpy(legs, b->best_legs, ng * sizeof *legs);
    }
    return OC_OK;
}

/* Searches the cheapest move through q (cells stamped in forbid[] not
 * used) and records it.  1 if found.  The legs are chosen one group at a
 * time (the groups not chosen yet held at q's codes), then improved one
 * group at a time while that lowers the score; up to three groups, branch
 * and bound then looks for better. */
static int search(hctx *h, size_t q, int64_t nu, int64_t ndn, oc_status *st, oc_error *err)
{
    leg legs[64];
    size_t d, gi, x[64], xoff[64], n;
    score cur, inf = {SIZE_MAX, 0.0};
    for (d = 0; d < h->nd_; d++)
        x[d] = pos_of(h, q, d);
    for (gi = 0; gi < h->ng; gi++) {
        const grp *g = &h->g[gi];
        size_t k, u;
        xoff[gi] = 0;
        for (k = 0; k < g->m; k++)
            xoff[gi] += x[g->dim[k]] * h->stride[g->dim[k]];
        h->g[gi].xunit = NONE;   /* the target's codes as a unit, if they are one */
        for (u = 0; u < g->nunits && h->g[gi].xunit == NONE; u++)
            if (g->uoff[u] == xoff[gi])
                h->g[gi].xunit = u;
        legs[gi].n = 1;          /* placeholder: the target's codes only */
        legs[gi].off[0] = xoff[gi];
        legs[gi].sg[0] = 1;
        legs[gi].l = NONE;
    }
    for (gi = 0; gi < h->ng; gi++) {
        (void)best_leg(h, legs, gi, x, xoff[gi], nu, ndn, inf);
        if (legs[gi].l == NONE)
            return 0;   /* no leg fits */
    }
    if ((n = rest_of(h, legs, 0)) == 0)
        return 0;
    cur = eval(h, &legs[0], n, nu, ndn, inf);
    /* sweeps: groups of many units only try the partners cheapest on q's
     * line (and the one chosen) */
    h->shortlist = 1;
    for (gi = 0; gi < h->ng; gi++) {
        const grp *g = &h->g[gi];
        shortlist(h, q, gi, xoff[gi], g->xunit != NONE);
        if (g->short_ok && legs[gi].b != NONE)
            g->short_ok[legs[gi].b] = 1;
    }
    {
        /* one group at a time, until every group has been tried since
         * the last change (the last group was just chosen with the others
         * fixed) */
        size_t last = h->ng - 1, steps = 0;
        /* with suppressed cells only (pruning, certificates) most searches
         * fail: one sweep (5-D 100x20x3x9x4: pruning 8.8 s instead of 9.8 s,
         * 0.2 % more cells) */
        size_t sweeps = h->allow_new ? SWEEPS : 1;
        for (gi = 0; steps < sweeps * h->ng && cur.pen + (cur.cost > 0) > 0; gi = (gi + 1) % h->ng, steps++) {
            score s;
            if (gi == last && steps > 0)
                break;
            s = best_leg(h, legs, gi, x, xoff[gi], nu, ndn, cur);
            if (better(s, cur)) {
                cur = s;
                last = gi;
            }
        }
    }
    h->shortlist = 0;
    /* up to three groups, branch and bound finds better moves (3-D
     * 300x20x3: 22.6 % of cells suppressed instead of 26.5 %); from four
     * on it costs 3-4 times the time and helps on some tables, not all
     * (the caller may try both: `thorough`) */
    if ((h->ng <= 3 || h->thorough) && (*st = exhaust(h, q, legs, x, xoff, nu, ndn, &cur, err)) != OC_OK)
        return 0;
    if (cur.pen != 0)
        return 0;
    *st = record(h, legs, err);
    return *st == OC_OK;
}

/* The root (total) code of dimension d, NONE if it has none. */
static size_t root_of(const oc_table *t, size_t d)
{
    size_t i;
    for (i = 0; i < t->dims[d].n; i++)
        if (t->dims[d].parent[i] < 0)
            return i;
    return NONE;
}

/* Groups: dimensions with the same source (tab_dim.source > 0) form one,
 * the others one each.  Units of a group of one: its leaves; of a larger
 * group: the leaf tuples some record has (the cell with every other
 * dimension at its total is not empty). */
static oc_status groups_init(hctx *h, oc_error *err)
{
    const oc_table *t = h->t;
    size_t d, k, u;
    int pass;
    unsigned char done[64] = {0};
    for (d = 0; d < t->ndims; d++) {
        grp *g;
        size_t e, base = 0, code[MAXGD], cap;
        if (done[d])
            continue;
        g = &h->g[h->ng++];
        g->dim[g->m++] = d;
        done[d] = 1;
        for (e = d + 1; e < t->ndims && t->dims[d].source > 0; e++)
            if (!done[e] && t->dims[e].source == t->dims[d].source && g->m < MAXGD) {
                g->dim[g->m++] = e;
                done[e] = 1;
            }
        if (g->m > 1) {
            /* the other dimensions at their totals */
            for (e = 0; e < t->ndims; e++) {
                size_t r, in = 0;
                for (k = 0; k < g->m; k++)
                    in |= g->dim[k] == e;
                if (in)
                    continue;
                if ((r = root_of(t, e)) == NONE) {
                    /* no totals: the dimensions stay apart */
                    for (k = 1; k < g->m; k++)
                        done[g->dim[k]] = 0;
                    g->m = 1;
                    break;
                }
                base += r * h->stride[e];
            }
        }
        cap = 1;
        for (k = 0; k < g->m; k++)
            cap *= h->nleaves[g->dim[k]];
        /* twice over the leaf tuples: count the units, then fill them in */
        for (pass = 0; pass < 2; pass++) {
            size_t nu = 0;
            if (pass == 1) {
                g->uoff = oc_malloc((g->nunits ? g->nunits : 1) * sizeof *g->uoff);
                g->ucode = oc_malloc((g->nunits ? g->nunits : 1) * g->m * sizeof *g->ucode);
                if (!g->uoff || !g->ucode)
                    return oc_error_set(err, OC_ENOMEM, "out of memory");
            }
            for (k = 0; k < g->m; k++)
                code[k] = 0;   /* indices into leaves[] */
            for (u = 0; u < cap; u++) {
                size_t off = 0;
                for (k = 0; k < g->m; k++)
                    off += h->leaves[g->dim[k]][code[k]] * h->stride[g->dim[k]];
                if (g->m == 1 || t->value[base + off] > 0) {
                    if (pass == 1) {
                        for (k = 0; k < g->m; k++)
                            g->ucode[nu * g->m + k] = (uint32_t)h->leaves[g->dim[k]][code[k]];
                        g->uoff[nu] = off;
                    }
                    nu++;
                }
                for (k = g->m; k-- > 0;) {
                    if (++code[k] < h->nleaves[g->dim[k]])
                        break;
                    code[k] = 0;
                }
            }
            g->nunits = nu;
        }
        if (g->nunits > SHORT && !(g->short_ok = oc_calloc(g->nunits, 1)))
            return oc_error_set(err, OC_ENOMEM, "out of memory");
    }
    return OC_OK;
}

static oc_status ctx_init(hctx *h, oc_table *t, const hc_need *nd, hc_moves *mv, oc_error *err)
{
    size_t d, i;
    oc_status st;
    memset(h, 0, sizeof *h);
    h->t = t;
    h->nd = nd;
    h->nd_ = t->ndims;
    h->mv = mv;
    if (t->ndims == 0 || t->ndims > 64)
        return oc_error_set(err, OC_ECONFIG, "protection supports tables of 1 to 64 dimensions");
    for (d = t->ndims; d-- > 0;)
        h->stride[d] = d + 1 < t->ndims ? h->stride[d + 1] * t->dims[d + 1].n : 1;
    for (d = 0; d < t->ndims; d++) {
        size_t n = t->dims[d].n;
        h->leaf[d] = oc_malloc(n ? n : 1);
        h->leaves[d] = oc_malloc((n ? n : 1) * sizeof **h->leaves);
        if (!h->leaf[d] || !h->leaves[d])
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        memset(h->leaf[d], 1, n);
        for (i = 0; i < n; i++)
            if (t->dims[d].parent[i] >= 0)
                h->leaf[d][t->dims[d].parent[i]] = 0;
        for (i = 0; i < n; i++)
            if (h->leaf[d][i])
                h->leaves[d][h->nleaves[d]++] = i;
    }
    if ((st = groups_init(h, err)) != OC_OK)
        return st;
    h->skey = oc_malloc((SHORT + 1) * sizeof *h->skey);
    h->sidx = oc_malloc((SHORT + 1) * sizeof *h->sidx);
    if (!h->skey || !h->sidx)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    h->head = oc_malloc((t->ncells ? t->ncells : 1) * sizeof *h->head);
    h->forbid = oc_calloc(t->ncells ? t->ncells : 1, sizeof *h->forbid);
    h->seen = oc_calloc(t->ncells ? t->ncells : 1, sizeof *h->seen);
    h->roff = oc_malloc(MAXCUBE * sizeof *h->roff);
    h->rsg = oc_malloc(MAXCUBE);
    if (!h->head || !h->forbid || !h->seen || !h->roff || !h->rsg)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    for (i = 0; i < t->ncells; i++)
        h->head[i] = NONE;
    h->stamp = 1;
    return OC_OK;
}

static void ctx_fini(hctx *h)
{
    size_t d;
    for (d = 0; d < 64; d++) {
        oc_free(h->leaf[d]);
        oc_free(h->leaves[d]);
        oc_free(h->g[d].uoff);
        oc_free(h->g[d].ucode);
        oc_free(h->g[d].short_ok);
    }
    oc_free(h->head);
    oc_free(h->next);
    oc_free(h->emove);
    oc_free(h->forbid);
    oc_free(h->seen);
    oc_free(h->roff);
    oc_free(h->rsg);
    oc_free(h->skey);
    oc_free(h->sidx);
    oc_free(h->amp_p);
    oc_free(h->amp_m);
    oc_free(h->dead);
    if (h->bb) {
        for (d = 0; d < 65; d++) {
            oc_free(h->bb->off[d]);
            oc_free(h->bb->sg[d]);
        }
        oc_free(h->bb);
    }
}

/* Moves already in mv (from an earlier call) are linked in. */
static oc_status link_existing(hctx *h, oc_error *err)
{
    size_t k;
    oc_status st;
    if (h->mv->n == 0)
        return OC_OK;
    if ((st = grow(h, 0, err)) != OC_OK)   /* room for what is there */
        return st;
    for (k = 0; k < h->mv->n; k++)
        link_move(h, k);
    return OC_OK;
}

/* Shows cell q, searching at most three moves; *ok says whether it is
 * shown in the end (a cell no move can show is left to the audit). */
static oc_status settle_cell(hctx *h, size_t q, int *ok, oc_error *err)
{
    int tries, r = 1;
    int64_t up, dn, nu, ndn;
    oc_status st = OC_OK;
    need_of(h, q, &nu, &ndn);
    for (tries = 0; tries < 3 && (r = shown(h, q, &up, &dn)) != 0; tries++) {
        int64_t su = nu, sd = ndn;
        if (r == 1) {
            h->stamp++;   /* nothing forbidden */
            /* a direction the moves already reach needs no new move */
            if (nu > 0 && up >= nu)
                su = 0;
            if (ndn > 0 && dn >= ndn)
                sd = 0;
        }
        if (!search(h, q, su, sd, &st, err)) {
            if (st != OC_OK)
                return st;
            break;
        }
    }
    *ok = r == 0 || shown(h, q, &up, &dn) == 0;
    return OC_OK;
}

static const oc_table *sort_by_count;   /* qsort has no context argument */

static int larger_first(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    uint64_t va = sort_by_count->value[a], vb = sort_by_count->value[b];
    if (va != vb)
        return va > vb ? -1 : 1;
    return a > b ? -1 : a < b;
}

/* Publishes again, largest count first, each secondary whose moves can be
 * replaced by moves through cells still suppressed: the moves holding it
 * die, every cell they held must still be shown (new moves may only use
 * suppressed cells), else the secondary is restored.  pinned[]: cells that
 * stay suppressed. */
static oc_status prune(hctx *h, const unsigned char *pinned, oc_error *err)
{
    oc_table *t = h->t;
    size_t *order = NULL, n = 0, i, *killed = NULL, kcap = 0;
    int64_t up, dn;
    oc_status st = OC_OK;
    for (i = 0; i < t->ncells; i++)
        n += t->status[i] == CELL_SECONDARY && !(pinned && pinned[i]);
    order = oc_malloc((n ? n : 1) * sizeof *order);
    if (!order)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    n = 0;
    for (i = 0; i < t->ncells; i++)
        if (t->status[i] == CELL_SECONDARY && !(pinned && pinned[i]))
            order[n++] = i;
    sort_by_count = t;
    qsort(order, n, sizeof *order, larger_first);
    h->allow_new = 0;
    for (i = 0; i < n; i++) {
        size_t sc = order[i], nk = 0, e, j, q;
        int ok = 1;
        t->status[sc] = CELL_PUBLISHED;
        for (e = h->head[sc]; e != NONE; e = h->next[e]) {
            size_t k = h->emove[e];
            if (h->dead[k])
                continue;
            if (nk == kcap) {
                size_t cap = kcap ? 2 * kcap : 64, *p = oc_realloc(killed, cap * sizeof *p);
                if (!p) {
                    st = oc_error_set(err, OC_ENOMEM, "out of memory");
                    goto out;
                }
                killed = p;
                kcap = cap;
            }
            killed[nk++] = k;
            h->dead[k] = 1;
        }
        {
            /* many cells left without a move: give up before searching
             * (5-D 100x20x3x9x4: suppression 7 s instead of 10 s, 0.3 %
             * more cells) */
            size_t open = 0, lim = PRUNE_OPEN;
            for (j = 0; j < nk && open <= lim; j++)
                for (e = h->mv->off[killed[j]]; e < h->mv->off[killed[j] + 1] && open <= lim; e++)
                    if (t->status[h->mv->cell[e]] != CELL_PUBLISHED && shown(h, h->mv->cell[e], &up, &dn) != 0)
                        open++;
            ok = open <= lim;
        }
        for (j = 0; j < nk && ok; j++)
            for (e = h->mv->off[killed[j]]; e < h->mv->off[killed[j] + 1] && ok; e++) {
                q = h->mv->cell[e];
                if (t->status[q] == CELL_PUBLISHED)
                    continue;
                if ((st = settle_cell(h, q, &ok, err)) != OC_OK)
                    goto out;
            }
        if (!ok) {
            t->status[sc] = CELL_SECONDARY;
            for (j = 0; j < nk; j++)
                h->dead[killed[j]] = 0;
        }
    }
out:
    h->allow_new = 1;
    oc_free(order);
    oc_free(killed);
    return st;
}

oc_status hc_protect(oc_table *t, const hc_need *nd, const size_t *extra, size_t n_extra, int thorough,
                     hc_moves *mv, oc_error *err)
{
    hctx h;
    size_t c, i;
    unsigned char *pinned = NULL;
    int ok;   /* a cell left unshown goes to the audit */
    oc_status st;
    if ((st = ctx_init(&h, t, nd, mv, err)) != OC_OK)
        goto out;
    h.allow_new = 1;
    h.thorough = thorough;
    if ((st = link_existing(&h, err)) != OC_OK)
        goto out;
    for (c = 0; c < t->ncells; c++)
        if (t->status[c] == CELL_PRIMARY && (st = settle_cell(&h, c, &ok, err)) != OC_OK)
            goto out;
    for (i = 0; i < n_extra; i++) {
        if (t->status[extra[i]] == CELL_PUBLISHED)
            t->status[extra[i]] = CELL_SECONDARY;
        if ((st = settle_cell(&h, extra[i], &ok, err)) != OC_OK)
            goto out;
    }
    if (!(pinned = oc_calloc(t->ncells ? t->ncells : 1, 1))) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n_extra; i++)
        pinned[extra[i]] = 1;
    st = prune(&h, pinned, err);
out:
    oc_free(pinned);
    ctx_fini(&h);
    return st;
}

oc_status hc_certify(const oc_table *t, const hc_need *nd, hc_moves *mv, oc_error *err)
{
    hctx h;
    size_t c;
    int ok;   /* a cell left unshown goes to the LPs */
    oc_status st;
    /* the table is only read: no cell is published or suppressed here */
    if ((st = ctx_init(&h, (oc_table *)(uintptr_t)t, nd, mv, err)) != OC_OK)
        goto out;
    h.allow_new = 0;
    /* exhaustive among suppressed cells, so it finds what hc_protect's
     * search found; on large tables (where hc_protect does not use it
     * either) the local search */
    h.thorough = t->ncells <= CERTIFY_BB_CELLS;
    if ((st = link_existing(&h, err)) != OC_OK)
        goto out;
    for (c = 0; c < t->ncells; c++)
        if (t->status[c] != CELL_PUBLISHED && !cell_unknown(t->status[c]) && (st = settle_cell(&h, c, &ok, err)) != OC_OK)
            goto out;
out:
    ctx_fini(&h);
    return st;
}

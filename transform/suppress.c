/* suppress.c - see suppress.h.
 *
 * Vocabulary.  An atom is one finest cell (for a single table: a tuple of
 * per-dimension atoms, each a leaf code or the own part of a code that has
 * children).  A cell is the sum of a set of atoms (model.coff/catom).  D,
 * the space of changes to the atoms that leave every published cell
 * unchanged, is kept as a basis of sparse vectors over atoms; f_c(v) is
 * the sum of v over the atoms of cell c.  A target is a sensitive linear
 * combination of cells (a primary cell, or a primary minus a multiple of a
 * singleton).  It is determined iff f_t vanishes on D.
 *
 * For every target the pass keeps h_t = f_t restricted to D (its values
 * on the basis vectors), as GaussSuppression keeps its reduced primary
 * columns.  Publishing candidate j: g = f_j on the basis.  If g = 0, j is
 * already determined and costs nothing.  Otherwise the shortest vector p
 * with g_p != 0 is the pivot; a target is determined by publishing j iff
 * h_t is proportional to g (then j becomes secondary instead), which only
 * a target with h_t[p] != 0 can be.  Else every vector with g_k != 0 loses
 * its g component against p (v_k -= g_k/g_p v_p), every target touching p
 * is updated the same way, and p leaves the basis.
 *
 * Arithmetic is exact in the field of integers modulo the prime 2^61 - 1:
 * coefficients never grow, so no table can overflow them.  Rational
 * dependencies among the table's 0/1 sums reduce to the same dependencies
 * modulo p unless p divides one of their (small) determinants; the audit
 * (audit.h) checks the final pattern over the rationals in any case.
 *
 * Occurrence lists (atom -> vectors holding it, with the coefficient) are
 * append-only; an entry carries the vector's version and is dropped when
 * read after the vector changed.
 */
#include "suppress.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oc_mem.h"
#include "sdc_model.h"

#define MAXD 64

/* ---- the field Z / (2^61 - 1) ------------------------------------------ */

typedef uint64_t fe;
#define PM ((fe)0x1FFFFFFFFFFFFFFFull)
__extension__ typedef unsigned __int128 u128;

static inline fe f_mul(fe a, fe b)
{
    u128 r = (u128)a * b;
    fe s = ((fe)r & PM) + (fe)(r >> 61);
    return s >= PM ? s - PM : s;
}
static inline fe f_sub(fe a, fe b) { return a >= b ? a - b : a + PM - b; }
static inline fe f_neg(fe a) { return a ? PM - a : 0; }
static fe f_inv(fe a)   /* a^(p-2) */
{
    fe r = 1, e = PM - 2;
    while (e) {
        if (e & 1)
            r = f_mul(r, a);
        a = f_mul(a, a);
        e >>= 1;
    }
    return r;
}

/* ---- sparse vectors (sorted ids, coefficients) ---------------------------- */

typedef struct svec { uint32_t n, cap; uint32_t *id; fe *c; } svec;

static int svec_reserve(svec *v, uint32_t n)
{
    if (n > v->cap) {
        uint32_t cap = v->cap ? v->cap : 2;
        uint32_t *id;
        fe *c;
        while (cap < n)
            cap *= 2;
        if (!(id = oc_realloc(v->id, (size_t)cap * sizeof *id)))
            return -1;
        v->id = id;
        if (!(c = oc_realloc(v->c, (size_t)cap * sizeof *c)))
            return -1;
        v->c = c;
        v->cap = cap;
    }
    return 0;
}

static void svec_free(svec *v)
{
    oc_free(v->id);
    oc_free(v->c);
    memset(v, 0, sizeof *v);
}


/* ---- a single table as a model ------------------------------------------- */

typedef struct dimat {
    size_t    n;          /* codes */
    size_t    na;         /* atoms */
    int32_t  *parent;     /* borrowed from the table */
    uint32_t *acode;      /* atom -> its code */
    unsigned char *leaf;  /* code has no children */
    size_t   *aoff;       /* code -> atoms below it (CSR into alist) */
    uint32_t *alist;
} dimat;

typedef struct grid {
    oc_table *t;
    size_t    nd;
    dimat     dm[MAXD];
    size_t    cstride[MAXD];   /* cell strides */
    size_t    astride[MAXD];   /* atom strides */
    size_t    natoms;
    int64_t  *aval;            /* atom values */
    oc_error *err;
} grid;

static void grid_fini(grid *x)
{
    size_t d;
    for (d = 0; d < MAXD; d++) {
        oc_free(x->dm[d].acode);
        oc_free(x->dm[d].leaf);
        oc_free(x->dm[d].aoff);
        oc_free(x->dm[d].alist);
    }
    oc_free(x->aval);
}

/* ---- the atoms of the table ------------------------------------------- */

static oc_status build_atoms(grid *x)
{
    oc_table *t = x->t;
    size_t d, c, root[MAXD];
    int64_t *w = NULL, *w2 = NULL;
    oc_status st = OC_OK;

    for (d = x->nd; d-- > 0;)
        x->cstride[d] = d + 1 < x->nd ? x->cstride[d + 1] * t->dims[d + 1].n : 1;
    for (d = 0; d < x->nd; d++) {
        const tab_dim *td = &t->dims[d];
        size_t i, nroot = 0;
        for (i = 0; i < td->n; i++)
            if (td->parent[i] < 0) {
                root[d] = i;
                nroot++;
            }
        if (nroot != 1)
            return oc_error_set(x->err, OC_EDATA, "dimension %s has no single total", td->id);
    }
    /* own parts along one dimension at the totals of the others decide
     * which non-leaf codes get an own atom */
    for (d = 0; d < x->nd; d++) {
        const tab_dim *td = &t->dims[d];
        dimat *dm = &x->dm[d];
        size_t i, k, *nk = oc_calloc(td->n + 1, sizeof *nk), *fill;
        unsigned char *has_atom = oc_calloc(td->n + 1, 1);
        size_t base = 0, e;
        if (!nk || !has_atom) {
            oc_free(nk);
            oc_free(has_atom);
            return oc_error_set(x->err, OC_ENOMEM, "out of memory");
        }
        dm->n = td->n;
        dm->parent = td->parent;
        dm->leaf = oc_malloc(td->n ? td->n : 1);
        if (!dm->leaf) {
            oc_free(nk);
            oc_free(has_atom);
            return oc_error_set(x->err, OC_ENOMEM, "out of memory");
        }
        for (e = 0; e < x->nd; e++)
            if (e != d)
                base += root[e] * x->cstride[e];
        for (i = 0; i < td->n; i++)
            if (td->parent[i] >= 0)
                nk[td->parent[i]]++;
        for (i = 0; i < td->n; i++) {
            dm->leaf[i] = nk[i] == 0;
            if (nk[i] == 0) {
                has_atom[i] = 1;
            } else {
                uint64_t sum = 0;
                size_t j;
                for (j = 0; j < td->n; j++)
                    if (td->parent[j] == (int32_t)i)
                        sum += t->value[base + j * x->cstride[d]];
                if (sum > t->value[base + i * x->cstride[d]]) {
                    oc_free(nk);
                    oc_free(has_atom);
                    return oc_error_set(x->err, OC_EDATA, "the table is not additive along %s at %s", td->id,
                                        td->codes[i]);
                }
                has_atom[i] = sum < t->value[base + i * x->cstride[d]];
            }
        }
        dm->na = 0;
        for (i = 0; i < td->n; i++)
            dm->na += has_atom[i];
        dm->acode = oc_malloc((dm->na ? dm->na : 1) * sizeof *dm->acode);
        dm->aoff = oc_calloc(td->n + 1, sizeof *dm->aoff);
        if (!dm->acode || !dm->aoff) {
            oc_free(nk);
            oc_free(has_atom);
            return oc_error_set(x->err, OC_ENOMEM, "out of memory");
        }
        /* every atom belongs to its code and all its ancestors */
        for (i = 0, k = 0; i < td->n; i++)
            if (has_atom[i]) {
                int32_t p = (int32_t)i;
                dm->acode[k++] = (uint32_t)i;
                for (; p >= 0; p = td->parent[p])
                    dm->aoff[p + 1]++;
            }
        for (i = 0; i < td->n; i++)
            dm->aoff[i + 1] += dm->aoff[i];
        dm->alist = oc_malloc((dm->aoff[td->n] ? dm->aoff[td->n] : 1) * sizeof *dm->alist);
        fill = oc_calloc(td->n + 1, sizeof *fill);
        if (!dm->alist || !fill) {
            oc_free(fill);
            oc_free(nk);
            oc_free(has_atom);
            return oc_error_set(x->err, OC_ENOMEM, "out of memory");
        }
        for (i = 0; i < dm->na; i++) {
            int32_t p = (int32_t)dm->acode[i];
            for (; p >= 0; p = td->parent[p])
                dm->alist[dm->aoff[p] + fill[p]++] = (uint32_t)i;
        }
        oc_free(fill);
        oc_free(nk);
        oc_free(has_atom);
    }
    x->natoms = 1;
    for (d = x->nd; d-- > 0;) {
        x->astride[d] = x->natoms;
        if (x->dm[d].na && x->natoms > SIZE_MAX / x->dm[d].na)
            return oc_error_set(x->err, OC_ENOMEM, "out of memory");
        x->natoms *= x->dm[d].na;
    }
    if (x->natoms > UINT32_MAX - 1)
        return oc_error_set(x->err, OC_EDATA, "table too large for secondary suppression (%zu atoms)", x->natoms);

    /* atom values: the own part along every dimension (a linear operator
     * per dimension: code minus the sum of its children) */
    w = oc_malloc((t->ncells ? t->ncells : 1) * sizeof *w);
    w2 = oc_malloc((t->ncells ? t->ncells : 1) * sizeof *w2);
    x->aval = oc_malloc((x->natoms ? x->natoms : 1) * sizeof *x->aval);
    if (!w || !w2 || !x->aval) {
        st = oc_error_set(x->err, OC_ENOMEM, "out of memory");
        goto out;
    }
    for (c = 0; c < t->ncells; c++)
        w[c] = (int64_t)t->value[c];
    for (d = 0; d < x->nd; d++) {
        const tab_dim *td = &t->dims[d];
        memcpy(w2, w, t->ncells * sizeof *w);
        for (c = 0; c < t->ncells; c++) {
            size_t pos = (c / x->cstride[d]) % td->n;
            int32_t p = td->parent[pos];
            if (p >= 0)
                w2[c + ((size_t)p - pos) * x->cstride[d]] -= w[c];
        }
        memcpy(w, w2, t->ncells * sizeof *w);
    }
    for (c = 0; c < x->natoms; c++) {
        size_t cell = 0;
        for (d = 0; d < x->nd; d++)
            cell += x->dm[d].acode[(c / x->astride[d]) % x->dm[d].na] * x->cstride[d];
        if (w[cell] < 0) {
            st = oc_error_set(x->err, OC_EDATA, "the table is not additive: margins are smaller than their parts");
            goto out;
        }
        x->aval[c] = w[cell];
    }
out:
    oc_free(w);
    oc_free(w2);
    return st;
}


/* Atoms of cell c, in increasing order (odometer over the per-dimension
 * atom lists; the last dimension varies fastest, as atom indices do). */
static size_t grid_cell_atoms(const grid *x, size_t c, uint32_t *out)
{
    size_t pos[MAXD], k[MAXD], d, n = 0;
    for (d = 0; d < x->nd; d++) {
        pos[d] = (c / x->cstride[d]) % x->dm[d].n;
        if (x->dm[d].aoff[pos[d]] == x->dm[d].aoff[pos[d] + 1])
            return 0;
        k[d] = x->dm[d].aoff[pos[d]];
    }
    for (;;) {
        size_t a = 0;
        for (d = 0; d < x->nd; d++)
            a += (size_t)x->dm[d].alist[k[d]] * x->astride[d];
        out[n++] = (uint32_t)a;
        for (d = x->nd; d-- > 0;) {
            if (++k[d] < x->dm[d].aoff[pos[d] + 1])
                break;
            k[d] = x->dm[d].aoff[pos[d]];
        }
        if (d == (size_t)-1)
            return n;
    }
}

static size_t grid_cell_natoms(const grid *x, size_t c)
{
    size_t d, n = 1;
    for (d = 0; d < x->nd; d++) {
        size_t p = (c / x->cstride[d]) % x->dm[d].n;
        n *= x->dm[d].aoff[p + 1] - x->dm[d].aoff[p];
    }
    return n;
}

/* ---- the problem: cells over atoms ------------------------------------- */

typedef struct model {
    size_t    ncells, natoms;
    size_t   *coff;            /* cell -> its hidden atoms, catom[coff[c] .. coff[c+1]) increasing */
    uint32_t *catom;
    size_t   *nall;            /* atoms of the cell, hidden or not (candidate order) */
    unsigned char *hidden;     /* atom unknown to an attacker before anything is published */
    const uint64_t *value;     /* cell values */
    const uint8_t  *status;    /* cell status: the primaries */
} model;

static void model_fini(model *m)
{
    oc_free(m->coff);
    oc_free(m->catom);
    oc_free(m->nall);
    oc_free(m->hidden);
    memset(m, 0, sizeof *m);
}

typedef struct occ_ent { uint32_t v, ver; fe c; } occ_ent;
typedef struct occ_list { occ_ent *e; uint32_t n, cap; } occ_list;

typedef struct target {
    size_t ncell;
    size_t *cell;              /* owned */
    fe     *coef;              /* owned */
} target;

typedef struct core {
    const model *m;
    oc_error *err;
    svec     *v;               /* basis vectors, id = the atom they started from */
    occ_list *occ;             /* atom -> (vector, version, coefficient) */
    uint32_t *ver;             /* vector versions: an occurrence entry is live iff its version is current */
    fe       *g;               /* f_j on the basis, over gt */
    unsigned char *gin;
    uint32_t *gt;
    size_t    ngt;
    size_t    ntg, tcap;
    target   *tg;
    size_t   *toff;            /* atom -> targets holding it, with coefficients */
    uint32_t *ttg;
    fe       *tcf;
    fe       *tacc;            /* f_t(pivot) per target */
    uint32_t *tlist;           /* targets touched by the pivot */
    unsigned char *tmark;
    fe       *h;               /* f_t on the basis, over ht */
    unsigned char *hin;
    uint32_t *ht;
    size_t    nht;
    svec      tmp;
} core;

static oc_status nomem(core *x)
{
    return oc_error_set(x->err, OC_ENOMEM, "out of memory");
}


/* dst <- dst - m * src (src given as ids/coefficients, increasing ids). */
static int svec_axpy(core *x, svec *dst, const uint32_t *sid, const fe *sc, uint32_t sn, fe m)
{
    svec *t = &x->tmp;
    uint32_t p = 0, q = 0, n = 0;
    uint32_t *swap_id;
    fe *swap_c;
    uint32_t swap_cap;
    if (svec_reserve(t, dst->n + sn) != 0)
        return -1;
    while (p < dst->n || q < sn) {
        if (q >= sn || (p < dst->n && dst->id[p] < sid[q])) {
            t->id[n] = dst->id[p];
            t->c[n++] = dst->c[p++];
        } else if (p >= dst->n || sid[q] < dst->id[p]) {
            t->id[n] = sid[q];
            t->c[n++] = f_neg(f_mul(m, sc[q]));
            q++;
        } else {
            fe c = f_sub(dst->c[p], f_mul(m, sc[q]));
            if (c) {
                t->id[n] = dst->id[p];
                t->c[n++] = c;
            }
            p++;
            q++;
        }
    }
    swap_id = dst->id;
    swap_c = dst->c;
    swap_cap = dst->cap;
    dst->id = t->id;
    dst->c = t->c;
    dst->cap = t->cap;
    dst->n = n;
    t->id = swap_id;
    t->c = swap_c;
    t->cap = swap_cap;
    t->n = 0;
    return 0;
}

/* Appends an entry; a full list first drops its stale entries (vectors
 * changed since), so a list stays within twice its live entries. */
static int occ_push(occ_list *l, const uint32_t *vers, uint32_t v, uint32_t ver, fe c)
{
    int full = l->n == l->cap;
    if (full && l->n >= 8) {   /* full: drop stale entries first */
        uint32_t i, k = 0;
        for (i = 0; i < l->n; i++)
            if (vers[l->e[i].v] == l->e[i].ver)
                l->e[k++] = l->e[i];
        l->n = k;
    }
    if (l->n == l->cap || (full && l->n * 2 > l->cap)) {   /* still over half full: grow */
        uint32_t cap = l->cap ? l->cap * 2 : 4;
        occ_ent *e = oc_realloc(l->e, (size_t)cap * sizeof *e);
        if (!e)
            return -1;
        l->e = e;
        l->cap = cap;
    }
    l->e[l->n].v = v;
    l->e[l->n].ver = ver;
    l->e[l->n].c = c;
    l->n++;
    return 0;
}

/* (Re)indexes vector k under a new version. */
static int vec_index(core *x, uint32_t k)
{
    const svec *v = &x->v[k];
    uint32_t i, ver = ++x->ver[k];
    for (i = 0; i < v->n; i++)
        if (occ_push(&x->occ[v->id[i]], x->ver, k, ver, v->c[i]) != 0)
            return -1;
    return 0;
}

static void core_clear(core *x)
{
    size_t a;
    for (a = 0; a < x->m->natoms; a++) {
        svec_free(&x->v[a]);
        x->occ[a].n = 0;
    }
}

/* D = every change to the hidden atoms; targets over it. */
static oc_status core_reset(core *x)
{
    const model *m = x->m;
    size_t a;
    core_clear(x);
    for (a = 0; a < m->natoms; a++) {
        x->ver[a]++;
        if (!m->hidden[a])
            continue;
        if (svec_reserve(&x->v[a], 1) != 0)
            return nomem(x);
        x->v[a].n = 1;
        x->v[a].id[0] = (uint32_t)a;
        x->v[a].c[0] = 1;
        if (vec_index(x, (uint32_t)a) != 0)
            return nomem(x);
    }
    return OC_OK;
}

/* acc += mul * f_c on the basis (acc/in/list/n: an accumulator over
 * vector ids). */
static void acc_cell(core *x, size_t c, fe mul, fe *acc, unsigned char *in, uint32_t *list, size_t *n)
{
    const model *m = x->m;
    size_t i;
    for (i = m->coff[c]; i < m->coff[c + 1]; i++) {
        uint32_t a = m->catom[i], j, keep = 0;
        occ_list *l = &x->occ[a];
        for (j = 0; j < l->n; j++) {
            occ_ent e = l->e[j];
            uint32_t vid = e.v;
            fe cf = e.c;
            if (x->ver[vid] != e.ver)
                continue;   /* stale */
            l->e[keep++] = e;
            if (!in[vid]) {
                in[vid] = 1;
                list[(*n)++] = vid;
            }
            acc[vid] += f_mul(mul, cf);
            if (acc[vid] >= PM)
                acc[vid] -= PM;
        }
        l->n = keep;
    }
}

/* Drops the zero entries of an accumulator's list. */
static void acc_compact(fe *acc, unsigned char *in, uint32_t *list, size_t *n)
{
    size_t i, k;
    for (i = 0, k = 0; i < *n; i++) {
        if (acc[list[i]])
            list[k++] = list[i];
        else
            in[list[i]] = 0;
    }
    *n = k;
}

static void acc_clear(fe *acc, unsigned char *in, uint32_t *list, size_t *n)
{
    size_t i;
    for (i = 0; i < *n; i++) {
        acc[list[i]] = 0;
        in[list[i]] = 0;
    }
    *n = 0;
}

/* h <- f_t on the basis */
static void target_fn(core *x, const target *tg)
{
    size_t i;
    for (i = 0; i < tg->ncell; i++)
        acc_cell(x, tg->cell[i], tg->coef[i], x->h, x->hin, x->ht, &x->nht);
    acc_compact(x->h, x->hin, x->ht, &x->nht);
}

static void clear_g(core *x) { acc_clear(x->g, x->gin, x->gt, &x->ngt); }

/* atom -> targets index (rebuilt when targets are added). */
static oc_status index_targets(core *x)
{
    const model *m = x->m;
    size_t t, i, j, n = 0, *fill;
    oc_free(x->toff);
    oc_free(x->ttg);
    oc_free(x->tcf);
    oc_free(x->tacc);
    oc_free(x->tlist);
    x->toff = oc_calloc(m->natoms + 1, sizeof *x->toff);
    x->tacc = oc_calloc(x->ntg ? x->ntg : 1, sizeof *x->tacc);
    x->tlist = oc_malloc((x->ntg ? x->ntg : 1) * sizeof *x->tlist);
    if (!x->toff || !x->tacc || !x->tlist)
        return nomem(x);
    for (t = 0; t < x->ntg; t++)
        for (i = 0; i < x->tg[t].ncell; i++)
            for (j = m->coff[x->tg[t].cell[i]]; j < m->coff[x->tg[t].cell[i] + 1]; j++) {
                x->toff[m->catom[j] + 1]++;
                n++;
            }
    for (i = 0; i < m->natoms; i++)
        x->toff[i + 1] += x->toff[i];
    x->ttg = oc_malloc((n ? n : 1) * sizeof *x->ttg);
    x->tcf = oc_malloc((n ? n : 1) * sizeof *x->tcf);
    fill = oc_calloc(m->natoms + 1, sizeof *fill);
    if (!x->ttg || !x->tcf || !fill) {
        oc_free(fill);
        return nomem(x);
    }
    for (t = 0; t < x->ntg; t++)
        for (i = 0; i < x->tg[t].ncell; i++)
            for (j = m->coff[x->tg[t].cell[i]]; j < m->coff[x->tg[t].cell[i] + 1]; j++) {
                uint32_t a = m->catom[j];
                size_t k = x->toff[a] + fill[a]++;
                x->ttg[k] = (uint32_t)t;
                x->tcf[k] = x->tg[t].coef[i];
            }
    oc_free(fill);
    return OC_OK;
}

/* Would publishing (g, pivot p) determine a target?  Only a target with
 * f_t(v_p) != 0 can be; its f_t on the basis must be proportional to g. */
static int kills_target(core *x, uint32_t p)
{
    const svec *pv = &x->v[p];
    size_t i, j, nl = 0;
    int kill = 0;
    fe ginv = 0;
    for (i = 0; i < pv->n; i++) {
        uint32_t a = pv->id[i];
        for (j = x->toff[a]; j < x->toff[a + 1]; j++) {
            uint32_t t = x->ttg[j];
            if (!x->tmark[t]) {
                x->tmark[t] = 1;
                x->tlist[nl++] = t;
            }
            x->tacc[t] += f_mul(x->tcf[j], pv->c[i]);
            if (x->tacc[t] >= PM)
                x->tacc[t] -= PM;
        }
    }
    for (i = 0; i < nl; i++) {
        uint32_t t = x->tlist[i];
        if (!kill && x->tacc[t]) {
            fe m;
            target_fn(x, &x->tg[t]);
            if (x->nht == x->ngt) {
                if (!ginv)
                    ginv = f_inv(x->g[p]);
                m = f_mul(x->h[p], ginv);
                for (j = 0; j < x->nht; j++) {
                    uint32_t k = x->ht[j];
                    if (!x->gin[k] || x->h[k] != f_mul(m, x->g[k]))
                        break;
                }
                kill = j == x->nht;
            }
            acc_clear(x->h, x->hin, x->ht, &x->nht);
        }
        x->tacc[t] = 0;
        x->tmark[t] = 0;
    }
    return kill;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Publishes the candidate whose functional is g, pivoting on p. */
static oc_status eliminate(core *x, uint32_t p)
{
    fe inv = f_inv(x->g[p]);
    svec *pv = &x->v[p];
    size_t i;
    for (i = 0; i < x->ngt; i++) {
        uint32_t k = x->gt[i];
        if (k == p)
            continue;
        if (svec_axpy(x, &x->v[k], pv->id, pv->c, pv->n, f_mul(x->g[k], inv)) != 0 ||
            vec_index(x, k) != 0)
            return nomem(x);
    }
    x->ver[p]++;   /* its occurrence entries go stale */
    svec_free(pv);
    return OC_OK;
}

typedef struct cand { uint64_t value; size_t natoms; size_t cell; } cand;

static int cand_cmp(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->value != b->value)
        return a->value > b->value ? -1 : 1;
    if (a->natoms != b->natoms)
        return a->natoms > b->natoms ? -1 : 1;
    return a->cell < b->cell ? -1 : a->cell > b->cell;
}

/* One greedy pass over the candidates; sec[i] = 1 for those suppressed. */
static oc_status greedy(core *x, const cand *cd, size_t ncd, unsigned char *sec)
{
    size_t i, j;
    oc_status st;
    if ((st = core_reset(x)) != OC_OK || (st = index_targets(x)) != OC_OK)
        return st;
    for (i = 0; i < ncd; i++) {
        uint32_t piv = UINT32_MAX;
        sec[i] = 0;
        acc_cell(x, cd[i].cell, 1, x->g, x->gin, x->gt, &x->ngt);
        acc_compact(x->g, x->gin, x->gt, &x->ngt);
        if (x->ngt == 0)
            continue;   /* already determined by what is published */
        for (j = 0; j < x->ngt; j++) {
            uint32_t k = x->gt[j];
            if (piv == UINT32_MAX || x->v[k].n < x->v[piv].n || (x->v[k].n == x->v[piv].n && k < piv))
                piv = k;
        }
        if (kills_target(x, piv))
            sec[i] = 1;
        else if ((st = eliminate(x, piv)) != OC_OK)
            return st;
        clear_g(x);
    }
    return OC_OK;
}

/* ---- singletons ---------------------------------------------------------- */

static uint64_t h_key(const svec *h)
{
    /* FNV-1a over the vector scaled to a leading 1 */
    uint64_t k = 1469598103934665603ull;
    fe inv = f_inv(h->c[0]);
    uint32_t i;
    for (i = 0; i < h->n; i++) {
        fe c = f_mul(h->c[i], inv);
        k = (k ^ h->id[i]) * 1099511628211ull;
        k = (k ^ c) * 1099511628211ull;
    }
    return k;
}

static int h_prop(const svec *a, const svec *b)
{
    fe ia, ib;
    uint32_t i;
    if (a->n != b->n || a->n == 0)
        return 0;
    ia = f_inv(a->c[0]);
    ib = f_inv(b->c[0]);
    for (i = 0; i < a->n; i++)
        if (a->id[i] != b->id[i] || f_mul(a->c[i], ia) != f_mul(b->c[i], ib))
            return 0;
    return 1;
}


static oc_status add_target(core *x, size_t ncell, const size_t *cell, const fe *coef)
{
    target *tg;
    if (x->ntg == x->tcap) {
        size_t cap = x->tcap ? x->tcap * 2 : 16;
        target *t2 = oc_realloc(x->tg, cap * sizeof *t2);
        unsigned char *m2;
        if (!t2)
            return nomem(x);
        x->tg = t2;
        if (!(m2 = oc_realloc(x->tmark, cap)))
            return nomem(x);
        memset(m2 + x->tcap, 0, cap - x->tcap);
        x->tmark = m2;
        x->tcap = cap;
    }
    tg = &x->tg[x->ntg];
    memset(tg, 0, sizeof *tg);
    tg->cell = oc_malloc(ncell * sizeof *tg->cell);
    tg->coef = oc_malloc(ncell * sizeof *tg->coef);
    if (!tg->cell || !tg->coef) {
        oc_free(tg->cell);
        oc_free(tg->coef);
        return nomem(x);
    }
    memcpy(tg->cell, cell, ncell * sizeof *cell);
    memcpy(tg->coef, coef, ncell * sizeof *coef);
    tg->ncell = ncell;
    x->ntg++;
    return OC_OK;
}

/* Sign of the rational number a (mod p) stands for, when it has a small
 * numerator and denominator (rational reconstruction); 0 if unknown. */
static int f_sign(fe a)
{
    int64_t r0 = (int64_t)PM, r1 = (int64_t)a, t0 = 0, t1 = 1;
    while (r1 >= ((int64_t)1 << 30)) {
        int64_t q = r0 / r1, r = r0 - q * r1, t = t0 - q * t1;
        r0 = r1;
        r1 = r;
        t0 = t1;
        t1 = t;
    }
    if (r1 == 0 || t1 == 0 || t1 >= ((int64_t)1 << 31) || t1 <= -((int64_t)1 << 31))
        return 0;
    return (t1 > 0) ? 1 : -1;
}

/* Is a suppressed cell of this count at the attacker's lower bound (0, or
 * 1 when zeros are published and so a suppressed cell is non-empty)? */
static int at_lb(uint64_t v, int lb1)
{
    return v == 0 || (lb1 && v == 1);
}

typedef struct pcell {
    size_t cell;
    unsigned char primary;   /* a base target (else a secondary) */
    unsigned char single; /* holds one unit, who knows it */
    unsigned char atlb;   /* at the attacker's lower bound (1 when zeros are published) */
    svec h;               /* f_cell on D */
} pcell;

typedef struct hk { uint64_t key; size_t i; } hk;
static int hk_cmp(const void *pa, const void *pb)
{
    const hk *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

static int has_pair(const core *x, size_t nbase, size_t c0, size_t c1)
{
    size_t k;
    for (k = nbase; k < x->ntg; k++)
        if (x->tg[k].ncell == 2 &&
            ((x->tg[k].cell[0] == c0 && x->tg[k].cell[1] == c1) || (x->tg[k].cell[0] == c1 && x->tg[k].cell[1] == c0)))
            return 1;
    return 0;
}

/* After a pass, pairs of suppressed cells whose sums move together on D
 * (f_u = lambda f_w there, so u - lambda*w is published in effect):
 *  - w a singleton and u primary: the unit in w works u out;
 *  - both at their lower bound with lambda < 0: u + |lambda| w is fixed at
 *    its smallest value, so both are exact.
 * Each such combination becomes a target (once; one new one per cell and
 * round).  lb1 says a suppressed non-empty cell is known to be >= 1. */
static oc_status pair_targets(core *x, size_t nbase, const unsigned char *single, const cand *cd, size_t ncd,
                              const unsigned char *sec, int lb1, size_t *added)
{
    const model *m = x->m;
    pcell *pc = oc_calloc(nbase + ncd + 1, sizeof *pc);
    hk *keys = oc_malloc((nbase + ncd + 1) * sizeof *keys);
    size_t i, j, n = 0, nk = 0, a, b;
    oc_status st = OC_OK;
    *added = 0;
    if (!pc || !keys) {
        st = nomem(x);
        goto out;
    }
    /* every primary (the partner of a singleton may be any of them), and
     * the secondaries at their lower bound */
    for (i = 0; i < nbase + ncd; i++) {
        size_t cell = i < nbase ? x->tg[i].cell[0] : cd[i - nbase].cell;
        pcell *e = &pc[n];
        if (i < nbase ? x->tg[i].ncell != 1 : !sec[i - nbase] || !at_lb(m->value[cell], lb1))
            continue;
        e->cell = cell;
        e->primary = i < nbase;
        e->single = i < nbase && single[i];
        e->atlb = (unsigned char)at_lb(m->value[cell], lb1);
        acc_cell(x, cell, 1, x->h, x->hin, x->ht, &x->nht);
        acc_compact(x->h, x->hin, x->ht, &x->nht);
        qsort(x->ht, x->nht, sizeof *x->ht, cmp_u32);
        if (svec_reserve(&e->h, (uint32_t)(x->nht ? x->nht : 1)) != 0) {
            st = nomem(x);
            goto out;
        }
        for (j = 0; j < x->nht; j++) {
            e->h.id[j] = x->ht[j];
            e->h.c[j] = x->h[x->ht[j]];
        }
        e->h.n = (uint32_t)x->nht;
        acc_clear(x->h, x->hin, x->ht, &x->nht);
        n++;
        if (e->h.n == 0)
            continue;
        keys[nk].key = h_key(&e->h);
        keys[nk++].i = n - 1;
    }
    qsort(keys, nk, sizeof *keys, hk_cmp);
    for (a = 0; a < nk; a = b) {
        for (b = a + 1; b < nk && keys[b].key == keys[a].key; b++)
            ;
        for (i = a; i < b; i++) {
            const pcell *w = &pc[keys[i].i];
            if (!w->single && !w->atlb)
                continue;
            for (j = a; j < b; j++) {
                const pcell *u = &pc[keys[j].i];
                size_t cells[2];
                fe coef[2], lambda;
                int why;
                if (u == w || !h_prop(&u->h, &w->h))
                    continue;
                lambda = f_mul(u->h.c[0], f_inv(w->h.c[0]));
                why = (w->single && u->primary) || (w->atlb && u->atlb && (u->primary || w->primary) && f_sign(lambda) <= 0);
                if (!why)
                    continue;
                /* u - lambda*w, scaled by the leading coefficient of w */
                cells[0] = u->cell;
                cells[1] = w->cell;
                if (has_pair(x, nbase, cells[0], cells[1]))
                    continue;
                coef[0] = w->h.c[0];
                coef[1] = f_neg(u->h.c[0]);
                if ((st = add_target(x, 2, cells, coef)) != OC_OK)
                    goto out;
                (*added)++;
                break;   /* one new combination per cell and round */
            }
        }
    }
out:
    if (pc)
        for (i = 0; i < n; i++)
            svec_free(&pc[i].h);
    oc_free(pc);
    oc_free(keys);
    return st;
}

/* ---- running the pass on a model ------------------------------------------ */

#define MAX_ROUNDS 8

/* Suppresses candidates of m (non-empty, non-target cells) so that no
 * target can be worked out; sets sec_out[c] = 1 for them.  is_extra marks
 * cells to protect besides the primaries (may be NULL). */
static oc_status run_model(const model *m, const unsigned char *is_extra, const unsigned char *keep, int lb1,
                           const size_t *soff,
                           const size_t *scell, size_t nsum, unsigned char *sec_out, suppress_stats *stats,
                           oc_error *err)
{
    core x;
    cand *cd = NULL;
    unsigned char *sec = NULL, *single = NULL;
    size_t ncd = 0, c, i, nbase;
    size_t na = m->natoms ? m->natoms : 1;
    oc_status st = OC_OK;

    memset(&x, 0, sizeof x);
    x.m = m;
    x.err = err;
    x.v = oc_calloc(na, sizeof *x.v);
    x.occ = oc_calloc(na, sizeof *x.occ);
    x.h = oc_calloc(na, sizeof *x.h);
    x.hin = oc_calloc(na, 1);
    x.ht = oc_malloc(na * sizeof *x.ht);
    x.g = oc_calloc(na, sizeof *x.g);
    x.gin = oc_calloc(na, 1);
    x.gt = oc_malloc(na * sizeof *x.gt);
    x.ver = oc_calloc(na, sizeof *x.ver);
    cd = oc_malloc((m->ncells ? m->ncells : 1) * sizeof *cd);
    if (!x.v || !x.occ || !x.h || !x.hin || !x.ht || !x.g || !x.gin || !x.gt || !x.ver || !cd) {
        st = nomem(&x);
        goto out;
    }
    for (c = 0; c < m->ncells; c++) {
        if (keep && keep[c] && m->status[c] != CELL_PRIMARY && !(is_extra && is_extra[c]))
            continue;   /* stays suppressed, needs no protection of its own */
        if (m->status[c] == CELL_PRIMARY || (is_extra && is_extra[c])) {
            fe one = 1;
            if ((st = add_target(&x, 1, &c, &one)) != OC_OK)
                goto out;
        } else if (m->value[c] > 0) {
            cd[ncd].value = m->value[c];
            cd[ncd].natoms = m->nall[c];
            cd[ncd].cell = c;
            ncd++;
        }
    }
    nbase = x.ntg;
    for (i = 0; i < nsum; i++) {
        size_t k, n = soff[i + 1] - soff[i];
        fe *ones = oc_malloc((n ? n : 1) * sizeof *ones);
        if (!ones) {
            st = nomem(&x);
            goto out;
        }
        for (k = 0; k < n; k++)
            ones[k] = 1;
        st = add_target(&x, n, scell + soff[i], ones);
        oc_free(ones);
        if (st != OC_OK)
            goto out;
    }
    sec = oc_calloc(ncd ? ncd : 1, 1);
    single = oc_calloc(nbase ? nbase : 1, 1);
    if (!sec || !single) {
        st = nomem(&x);
        goto out;
    }
    for (i = 0; i < nbase; i++) {
        size_t tc = x.tg[i].cell[0];
        single[i] = m->value[tc] == 1 && m->nall[tc] == 1;
    }
    qsort(cd, ncd, sizeof *cd, cand_cmp);
    for (stats->rounds = 1;; stats->rounds++) {
        size_t added = 0;
        if ((st = greedy(&x, cd, ncd, sec)) != OC_OK)
            goto out;
        if (stats->rounds == MAX_ROUNDS)
            break;
        if ((st = pair_targets(&x, nbase, single, cd, ncd, sec, lb1, &added)) != OC_OK)
            goto out;
        if (added == 0)
            break;
    }
    for (i = 0; i < ncd; i++)
        if (sec[i])
            sec_out[cd[i].cell] = 1;
out:
    if (x.v) {
        core_clear(&x);
        for (i = 0; i < m->natoms; i++)
            oc_free(x.occ[i].e);
    }
    oc_free(x.v);
    oc_free(x.occ);
    oc_free(x.h);
    oc_free(x.hin);
    oc_free(x.ht);
    oc_free(x.toff);
    oc_free(x.ttg);
    oc_free(x.tcf);
    oc_free(x.tacc);
    oc_free(x.tlist);
    oc_free(x.tmark);
    oc_free(x.g);
    oc_free(x.gin);
    oc_free(x.gt);
    oc_free(x.ver);
    for (i = 0; i < x.ntg; i++) {
        oc_free(x.tg[i].cell);
        oc_free(x.tg[i].coef);
    }
    oc_free(x.tg);
    svec_free(&x.tmp);
    oc_free(cd);
    oc_free(sec);
    oc_free(single);
    return st;
}

/* ---- entry point: one table ------------------------------------------------ */

static oc_status grid_model(grid *gx, model *m)
{
    oc_table *t = gx->t;
    size_t c, a, n, total = 0;
    uint32_t *buf = NULL;
    m->ncells = t->ncells;
    m->natoms = gx->natoms;
    m->value = t->value;
    m->status = t->status;
    m->coff = oc_malloc((t->ncells + 1) * sizeof *m->coff);
    m->nall = oc_malloc((t->ncells ? t->ncells : 1) * sizeof *m->nall);
    m->hidden = oc_malloc(gx->natoms ? gx->natoms : 1);
    buf = oc_malloc((gx->natoms ? gx->natoms : 1) * sizeof *buf);
    if (!m->coff || !m->nall || !m->hidden || !buf)
        goto nomem;
    for (a = 0; a < gx->natoms; a++) {
        int hidden = gx->aval[a] != 0;
        if (!hidden && t->protect_zeros) {
            /* a protected empty interior cell stays unknown; an empty own
             * part of a hierarchy code is taken as known */
            size_t d;
            hidden = 1;
            for (d = 0; d < gx->nd; d++)
                if (!gx->dm[d].leaf[gx->dm[d].acode[(a / gx->astride[d]) % gx->dm[d].na]])
                    hidden = 0;
        }
        m->hidden[a] = (unsigned char)hidden;
    }
    /* an empty cell protected on its own (group rule) hides its atoms */
    for (c = 0; c < t->ncells; c++)
        if (t->value[c] == 0 && t->status[c] == CELL_PRIMARY) {
            n = grid_cell_atoms(gx, c, buf);
            for (a = 0; a < n; a++)
                m->hidden[buf[a]] = 1;
        }
    for (c = 0; c < t->ncells; c++) {
        m->nall[c] = grid_cell_natoms(gx, c);
        total += m->nall[c];
    }
    m->catom = oc_malloc((total ? total : 1) * sizeof *m->catom);
    if (!m->catom)
        goto nomem;
    m->coff[0] = 0;
    for (c = 0; c < t->ncells; c++) {
        size_t k = m->coff[c];
        n = grid_cell_atoms(gx, c, buf);
        for (a = 0; a < n; a++)
            if (m->hidden[buf[a]])
                m->catom[k++] = buf[a];
        m->coff[c + 1] = k;
    }
    oc_free(buf);
    return OC_OK;
nomem:
    oc_free(buf);
    return oc_error_set(gx->err, OC_ENOMEM, "out of memory");
}

/* Lines whose sensitive cells are all at the attacker's lower bound (1
 * when zeros are published, else 0), with no other sensitive cell to trade
 * against: if nothing else in the line were suppressed, their sum would be
 * published at its smallest possible value and every one of them exact.
 * Their sum becomes a target, so the pass suppresses one more cell of the
 * line (or its total). */
static oc_status tight_lines(const oc_table *t, const unsigned char *is_extra, size_t **soff_out, size_t **scell_out,
                             size_t *nsum, oc_error *err)
{
    sdc_model *sm = NULL;
    int lb1 = !t->protect_zeros;
    size_t r, k, n = 0, ncap = 0, *soff = NULL, *scell = NULL;
    oc_status st;
    *nsum = 0;
    if ((st = sdc_model_build(t, &sm, err)) != OC_OK)
        return st;
    soff = oc_malloc((sm->nrel + 1) * sizeof *soff);
    if (!soff)
        goto nomem;
    soff[0] = 0;
    for (r = 0; r < sm->nrel; r++) {
        size_t at = 0, slack = 0;
        for (k = sm->off[r] + 1; k < sm->off[r + 1]; k++) {
            size_t c = sm->idx[k];
            if (t->status[c] != CELL_PRIMARY && !is_extra[c])
                continue;
            if (at_lb(t->value[c], lb1))
                at++;
            else
                slack++;
        }
        if (at < 2 || slack)
            continue;
        if (n + at > ncap) {
            size_t *p;
            ncap = (n + at) * 2;
            if (!(p = oc_realloc(scell, ncap * sizeof *p)))
                goto nomem;
            scell = p;
        }
        for (k = sm->off[r] + 1; k < sm->off[r + 1]; k++) {
            size_t c = sm->idx[k];
            if ((t->status[c] == CELL_PRIMARY || is_extra[c]) && at_lb(t->value[c], lb1))
                scell[n++] = c;
        }
        soff[++*nsum] = n;
    }
    sdc_model_free(sm);
    *soff_out = soff;
    *scell_out = scell;
    return OC_OK;
nomem:
    sdc_model_free(sm);
    oc_free(soff);
    oc_free(scell);
    return oc_error_set(err, OC_ENOMEM, "out of memory");
}

oc_status suppress_secondary(oc_table *t, const size_t *extra, size_t n_extra, const unsigned char *keep,
                             suppress_stats *stats, oc_error *err)
{
    grid gx;
    model m;
    unsigned char *is_extra = NULL, *sec = NULL;
    size_t c, i, *soff = NULL, *scell = NULL, nsum = 0;
    oc_status st = OC_OK;

    memset(stats, 0, sizeof *stats);
    memset(&gx, 0, sizeof gx);
    memset(&m, 0, sizeof m);
    gx.t = t;
    gx.nd = t->ndims;
    gx.err = err;
    for (c = 0; c < t->ncells; c++)
        stats->primary += t->status[c] == CELL_PRIMARY;
    if (!t->totals || t->ndims == 0 || t->ndims > MAXD || (stats->primary == 0 && n_extra == 0))
        return OC_OK;
    if ((st = build_atoms(&gx)) != OC_OK)
        goto out;
    stats->atoms = gx.natoms;
    if ((st = grid_model(&gx, &m)) != OC_OK)
        goto out;
    is_extra = oc_calloc(t->ncells ? t->ncells : 1, 1);
    sec = oc_calloc(t->ncells ? t->ncells : 1, 1);
    if (!is_extra || !sec) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n_extra; i++)
        is_extra[extra[i]] = 1;
    if ((st = tight_lines(t, is_extra, &soff, &scell, &nsum, err)) != OC_OK ||
        (st = run_model(&m, is_extra, keep, !t->protect_zeros, soff, scell, nsum, sec, stats, err)) != OC_OK)
        goto out;
    for (c = 0; c < t->ncells; c++)
        if (sec[c] || ((is_extra[c] || (keep && keep[c])) && t->status[c] == CELL_PUBLISHED)) {
            t->status[c] = CELL_SECONDARY;
            stats->secondary++;
        }
    t->secondary = 1;
out:
    model_fini(&m);
    grid_fini(&gx);
    oc_free(soff);
    oc_free(scell);
    oc_free(is_extra);
    oc_free(sec);
    return st;
}

/* suppress.c - see suppress.h.
 *
 * Vocabulary.  An atom is one finest cell (a tuple of per-dimension atoms:
 * a leaf code, or the own part of a code that has children).  A cell's
 * "column" X_c is the 0/1 set of atoms it sums.  D (the unknown space) is
 * spanned by integer vectors over atoms; f_c(v) = sum of v over X_c.  A
 * target is a sensitive linear combination of cells (a primary cell, or a
 * singleton pair).  A target t is determined iff f_t vanishes on D.
 *
 * Publishing candidate j: g_k = f_j(v_k) for every basis vector v_k.  If g
 * is zero, j is already determined (published for free).  Otherwise one
 * vector (the shortest with g != 0) is the pivot; after elimination a
 * target t is determined iff f_t restricted to D was proportional to g,
 * which is tested only for targets that touch the pivot (any target with
 * f_t proportional to g must).
 */
#include "suppress.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oc_mem.h"

#define MAXD 64

__extension__ typedef __int128 wide;   /* exact products of two coefficients */
#define COEF_LIMIT ((int64_t)1 << 40)

typedef struct dimat {
    size_t    n;          /* codes */
    size_t    na;         /* atoms */
    int32_t  *parent;     /* borrowed from the table */
    uint32_t *acode;      /* atom -> its code */
    unsigned char *leaf;  /* code has no children */
    size_t   *aoff;       /* code -> atoms below it (CSR into alist) */
    uint32_t *alist;
} dimat;

typedef struct vec {
    uint32_t  n, cap;
    uint32_t  ver;        /* bumped on every change; UINT32_MAX = eliminated */
    uint32_t *a;          /* atoms, increasing */
    int64_t  *c;          /* coefficients */
} vec;

typedef struct occ_ent { uint32_t v, ver; int64_t c; } occ_ent;
typedef struct occ_list { occ_ent *e; uint32_t n, cap; } occ_list;

typedef struct target {
    size_t  ncell;
    size_t  cell[2];
    int64_t coef[2];
} target;

typedef struct ctx {
    oc_table *t;
    size_t    nd;
    dimat     dm[MAXD];
    size_t    cstride[MAXD];   /* cell strides */
    size_t    astride[MAXD];   /* atom strides */
    size_t    natoms;
    int64_t  *aval;            /* atom values */
    /* D */
    size_t    nvec;
    vec      *v;
    occ_list *occ;             /* per atom */
    /* accumulators over vector ids */
    int64_t  *g, *h;
    uint32_t *gt, *ht;         /* touched lists */
    unsigned char *gin, *hin;  /* on the touched list */
    size_t    ngt, nht;
    /* targets */
    size_t    ntg;
    target   *tg;
    size_t   *thead;           /* cell -> first membership + 1 (0 = none) */
    size_t   *tnext;           /* membership chain: index = 2*target + slot */
    uint32_t *tmark;
    uint32_t  stamp;
    oc_error *err;
} ctx;

/* ---- small helpers ---------------------------------------------------- */

static int64_t gcd64(int64_t a, int64_t b)
{
    if (a < 0)
        a = -a;
    if (b < 0)
        b = -b;
    while (b) {
        int64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

static oc_status nomem(ctx *x)
{
    return oc_error_set(x->err, OC_ENOMEM, "out of memory");
}

static int occ_push(occ_list *l, uint32_t v, uint32_t ver, int64_t c)
{
    if (l->n == l->cap) {
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

/* Positions of cell c along every dimension. */
static void cell_pos(const ctx *x, size_t c, size_t *pos)
{
    size_t d;
    for (d = 0; d < x->nd; d++)
        pos[d] = (c / x->cstride[d]) % x->dm[d].n;
}

/* Is code `anc` the code `c` or one of its ancestors in dimension d? */
static int is_anc(const dimat *dm, size_t anc, size_t c)
{
    int32_t p = (int32_t)c;
    while (p >= 0) {
        if ((size_t)p == anc)
            return 1;
        p = dm->parent[p];
    }
    return 0;
}

static int atom_in_cell(const ctx *x, size_t atom, const size_t *cpos)
{
    size_t d;
    for (d = 0; d < x->nd; d++) {
        size_t ad = (atom / x->astride[d]) % x->dm[d].na;
        if (!is_anc(&x->dm[d], cpos[d], x->dm[d].acode[ad]))
            return 0;
    }
    return 1;
}

/* Calls fn(x, atom, arg) for every atom of cell c (odometer over the
 * per-dimension atom lists).  Returns non-zero if fn did. */
typedef int (*atom_fn)(ctx *x, size_t atom, void *arg);
static int for_atoms(ctx *x, size_t c, atom_fn fn, void *arg)
{
    size_t pos[MAXD], k[MAXD], d;
    cell_pos(x, c, pos);
    for (d = 0; d < x->nd; d++) {
        if (x->dm[d].aoff[pos[d]] == x->dm[d].aoff[pos[d] + 1])
            return 0;
        k[d] = x->dm[d].aoff[pos[d]];
    }
    for (;;) {
        size_t a = 0;
        int r;
        for (d = 0; d < x->nd; d++)
            a += (size_t)x->dm[d].alist[k[d]] * x->astride[d];
        if ((r = fn(x, a, arg)) != 0)
            return r;
        for (d = x->nd; d-- > 0;) {
            if (++k[d] < x->dm[d].aoff[pos[d] + 1])
                break;
            k[d] = x->dm[d].aoff[pos[d]];
        }
        if (d == (size_t)-1)
            return 0;
    }
}

/* ---- the atoms of the table ------------------------------------------- */

static oc_status build_atoms(ctx *x)
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
            return nomem(x);
        }
        dm->n = td->n;
        dm->parent = td->parent;
        dm->leaf = oc_malloc(td->n ? td->n : 1);
        if (!dm->leaf) {
            oc_free(nk);
            oc_free(has_atom);
            return nomem(x);
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
            return nomem(x);
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
            return nomem(x);
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
            return nomem(x);
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
        st = nomem(x);
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

/* ---- the unknown space D ---------------------------------------------- */

static oc_status vec_reserve(vec *v, uint32_t n)
{
    if (n > v->cap) {
        uint32_t cap = v->cap ? v->cap : 2;
        uint32_t *a;
        int64_t *c;
        while (cap < n)
            cap *= 2;
        a = oc_realloc(v->a, (size_t)cap * sizeof *a);
        if (!a)
            return OC_ENOMEM;
        v->a = a;
        c = oc_realloc(v->c, (size_t)cap * sizeof *c);
        if (!c)
            return OC_ENOMEM;
        v->c = c;
        v->cap = cap;
    }
    return OC_OK;
}

static oc_status vec_index(ctx *x, uint32_t id)
{
    vec *v = &x->v[id];
    uint32_t i;
    for (i = 0; i < v->n; i++)
        if (occ_push(&x->occ[v->a[i]], id, v->ver, v->c[i]) != 0)
            return nomem(x);
    return OC_OK;
}

/* Resets D to the identity over atoms not known to be empty. */
static oc_status init_space(ctx *x)
{
    size_t a;
    for (a = 0; a < x->natoms; a++) {
        x->occ[a].n = 0;
    }
    x->nvec = 0;
    for (a = 0; a < x->natoms; a++) {
        vec *v;
        int known_zero = x->aval[a] == 0;
        if (known_zero && x->t->protect_zeros) {
            /* a protected empty interior cell stays unknown; an empty own
             * part of a hierarchy code is taken as known */
            size_t d, leaf = 1;
            for (d = 0; d < x->nd; d++)
                if (!x->dm[d].leaf[x->dm[d].acode[(a / x->astride[d]) % x->dm[d].na]])
                    leaf = 0;
            known_zero = !leaf;
        }
        if (known_zero)
            continue;
        v = &x->v[x->nvec];
        if (vec_reserve(v, 1) != OC_OK)
            return nomem(x);
        v->n = 1;
        v->a[0] = (uint32_t)a;
        v->c[0] = 1;
        v->ver++;
        if (vec_index(x, (uint32_t)x->nvec) != OC_OK)
            return nomem(x);
        x->nvec++;
    }
    return OC_OK;
}

typedef struct acc_arg { int64_t *acc; uint32_t *touched; size_t *nt; unsigned char *in; int64_t mul; } acc_arg;

/* acc[v] += mul * (coefficient of atom in v), over live vectors */
static int acc_atom(ctx *x, size_t atom, void *arg)
{
    acc_arg *A = arg;
    occ_list *l = &x->occ[atom];
    uint32_t i, k = 0;
    for (i = 0; i < l->n; i++) {
        occ_ent e = l->e[i];
        if (x->v[e.v].ver != e.ver)
            continue;   /* stale: drop */
        l->e[k++] = e;
        if (!A->in[e.v]) {
            A->in[e.v] = 1;
            A->touched[(*A->nt)++] = e.v;
        }
        A->acc[e.v] += A->mul * e.c;
    }
    l->n = k;
    return 0;
}

/* Removes zero entries from a touched list (their accumulators are 0). */
static void compact(const int64_t *acc, uint32_t *touched, size_t *nt, unsigned char *in)
{
    size_t i, k = 0;
    for (i = 0; i < *nt; i++) {
        if (acc[touched[i]] != 0)
            touched[k++] = touched[i];
        else
            in[touched[i]] = 0;
    }
    *nt = k;
}

static void clear_acc(int64_t *acc, uint32_t *touched, size_t *nt, unsigned char *in)
{
    size_t i;
    for (i = 0; i < *nt; i++) {
        acc[touched[i]] = 0;
        in[touched[i]] = 0;
    }
    *nt = 0;
}

/* Fills x->h / x->ht with f_t restricted to D. */
static void target_fn(ctx *x, const target *tg)
{
    size_t i;
    acc_arg A = {x->h, x->ht, &x->nht, x->hin, 0};
    for (i = 0; i < tg->ncell; i++) {
        A.mul = tg->coef[i];
        (void)for_atoms(x, tg->cell[i], acc_atom, &A);
    }
    compact(x->h, x->ht, &x->nht, x->hin);
}

/* Is h (x->h over x->ht) proportional to g (x->g over x->gt)? */
static int proportional(const ctx *x)
{
    size_t i;
    uint32_t k0;
    int64_t gk, hk;
    if (x->nht != x->ngt || x->ngt == 0)
        return 0;
    k0 = x->gt[0];
    gk = x->g[k0];
    hk = x->h[k0];
    if (hk == 0)
        return 0;
    for (i = 0; i < x->ngt; i++) {
        uint32_t k = x->gt[i];
        wide l = (wide)x->h[k] * gk, r = (wide)x->g[k] * hk;
        if (l != r)
            return 0;
    }
    return 1;
}

/* Marks the targets having a cell that contains one of the pivot's atoms;
 * returns 1 as soon as one of them is determined by publishing. */
static int pivot_kills_target(ctx *x, uint32_t piv)
{
    const vec *pv = &x->v[piv];
    uint32_t i;
    if (++x->stamp == 0) {
        memset(x->tmark, 0, x->ntg * sizeof *x->tmark);
        x->stamp = 1;
    }
    for (i = 0; i < pv->n; i++) {
        size_t atom = pv->a[i], d, k[MAXD], code[MAXD];
        /* odometer over the ancestor chains of the atom's codes */
        for (d = 0; d < x->nd; d++)
            k[d] = code[d] = x->dm[d].acode[(atom / x->astride[d]) % x->dm[d].na];
        for (;;) {
            size_t cell = 0, m;
            for (d = 0; d < x->nd; d++)
                cell += k[d] * x->cstride[d];
            for (m = x->thead[cell]; m; m = x->tnext[m - 1]) {
                size_t ti = (m - 1) / 2;
                const target *tg = &x->tg[ti];
                size_t j;
                int64_t f = 0;
                if (x->tmark[ti] == x->stamp)
                    continue;
                x->tmark[ti] = x->stamp;
                /* f_t(pivot) */
                for (j = 0; j < tg->ncell; j++) {
                    size_t cpos[MAXD];
                    uint32_t a;
                    cell_pos(x, tg->cell[j], cpos);
                    for (a = 0; a < pv->n; a++)
                        if (atom_in_cell(x, pv->a[a], cpos))
                            f += tg->coef[j] * pv->c[a];
                }
                if (f == 0)
                    continue;
                target_fn(x, tg);
                {
                    int prop = proportional(x);
                    clear_acc(x->h, x->ht, &x->nht, x->hin);
                    if (prop)
                        return 1;
                }
            }
            for (d = x->nd; d-- > 0;) {
                int32_t p = x->dm[d].parent[k[d]];
                if (p >= 0) {
                    k[d] = (size_t)p;
                    break;
                }
                k[d] = code[d];
            }
            if (d == (size_t)-1)
                break;
        }
    }
    return 0;
}

/* v_k <- gp * v_k - gk * v_piv, over every k != piv with g_k != 0; then
 * the pivot leaves the basis. */
static oc_status eliminate(ctx *x, uint32_t piv)
{
    const vec *pv = &x->v[piv];
    int64_t gp = x->g[piv];
    size_t i;
    uint32_t *na = NULL;
    int64_t *nc = NULL;
    uint32_t cap = 0;
    oc_status st = OC_OK;
    for (i = 0; i < x->ngt; i++) {
        uint32_t k = x->gt[i], p = 0, q = 0, n = 0;
        vec *v = &x->v[k];
        int64_t gk = x->g[k], gg = 0;
        if (k == piv)
            continue;
        if (v->n + pv->n > cap) {
            cap = (v->n + pv->n) * 2;
            oc_free(na);
            oc_free(nc);
            na = oc_malloc((size_t)cap * sizeof *na);
            nc = oc_malloc((size_t)cap * sizeof *nc);
            if (!na || !nc) {
                st = nomem(x);
                goto out;
            }
        }
        while (p < v->n || q < pv->n) {
            uint32_t a;
            int64_t c;
            if (q >= pv->n || (p < v->n && v->a[p] < pv->a[q])) {
                a = v->a[p];
                c = gp * v->c[p++];
            } else if (p >= v->n || pv->a[q] < v->a[p]) {
                a = pv->a[q];
                c = -gk * pv->c[q++];
            } else {
                a = v->a[p];
                c = gp * v->c[p++] - gk * pv->c[q++];
            }
            if (c != 0) {
                if (c > COEF_LIMIT || c < -COEF_LIMIT) {
                    st = oc_error_set(x->err, OC_EDATA, "secondary suppression: coefficients overflow");
                    goto out;
                }
                na[n] = a;
                nc[n++] = c;
                gg = gcd64(gg, c);
            }
        }
        if (vec_reserve(v, n) != OC_OK) {
            st = nomem(x);
            goto out;
        }
        for (p = 0; p < n; p++) {
            v->a[p] = na[p];
            v->c[p] = gg > 1 ? nc[p] / gg : nc[p];
        }
        v->n = n;
        v->ver++;
        if (vec_index(x, k) != OC_OK) {
            st = nomem(x);
            goto out;
        }
    }
    x->v[piv].ver = UINT32_MAX;
    x->v[piv].n = 0;
out:
    oc_free(na);
    oc_free(nc);
    return st;
}

/* ---- one greedy pass ---------------------------------------------------- */

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

static void link_targets(ctx *x)
{
    size_t i, j;
    memset(x->thead, 0, x->t->ncells * sizeof *x->thead);
    for (i = 0; i < x->ntg; i++)
        for (j = 0; j < x->tg[i].ncell; j++) {
            size_t m = 2 * i + j;
            x->tnext[m] = x->thead[x->tg[i].cell[j]];
            x->thead[x->tg[i].cell[j]] = m + 1;
        }
}

/* Runs the greedy pass over the candidates; sets sec[i] for the candidates
 * that must be suppressed. */
static oc_status greedy(ctx *x, const cand *cd, size_t ncd, unsigned char *sec)
{
    size_t i;
    oc_status st;
    if ((st = init_space(x)) != OC_OK)
        return st;
    link_targets(x);
    for (i = 0; i < ncd; i++) {
        acc_arg A = {x->g, x->gt, &x->ngt, x->gin, 1};
        size_t j;
        uint32_t piv = UINT32_MAX;
        sec[i] = 0;
        (void)for_atoms(x, cd[i].cell, acc_atom, &A);
        compact(x->g, x->gt, &x->ngt, x->gin);
        if (x->ngt == 0)
            continue;   /* already determined by what is published */
        for (j = 0; j < x->ngt; j++) {
            uint32_t k = x->gt[j];
            if (piv == UINT32_MAX || x->v[k].n < x->v[piv].n || (x->v[k].n == x->v[piv].n && k < piv))
                piv = k;
        }
        if (pivot_kills_target(x, piv))
            sec[i] = 1;
        else if ((st = eliminate(x, piv)) != OC_OK)
            return st;
        clear_acc(x->g, x->gt, &x->ngt, x->gin);
    }
    return OC_OK;
}

/* ---- singletons ---------------------------------------------------------- */

/* Adds a target p - lambda*s for every singleton s and sensitive cell p
 * whose functionals on D are proportional.  Returns how many were added. */
static oc_status singleton_targets(ctx *x, size_t nbase, const size_t *single, size_t nsingle, size_t *added,
                                   size_t *cap)
{
    size_t i, j;
    *added = 0;
    for (i = 0; i < nsingle; i++) {
        target ts = {1, {single[i], 0}, {1, 0}};
        /* h <- f_s, saved in g (g is free between candidates) */
        target_fn(x, &ts);
        if (x->nht == 0)
            continue;
        memcpy(x->gt, x->ht, x->nht * sizeof *x->gt);
        for (j = 0; j < x->nht; j++) {
            x->g[x->ht[j]] = x->h[x->ht[j]];
            x->gin[x->ht[j]] = 1;
        }
        x->ngt = x->nht;
        clear_acc(x->h, x->ht, &x->nht, x->hin);
        for (j = 0; j < nbase; j++) {
            const target *tp = &x->tg[j];
            int prop;
            if (tp->ncell != 1 || tp->cell[0] == single[i])
                continue;
            target_fn(x, tp);
            prop = proportional(x);
            if (prop) {
                int64_t gs = x->g[x->gt[0]], hp = x->h[x->gt[0]], gg = gcd64(gs, hp);
                size_t pcell = tp->cell[0];   /* tp moves if x->tg grows */
                target *nt;
                size_t k, dup = 0;
                for (k = nbase; k < x->ntg; k++)
                    if (x->tg[k].cell[0] == pcell && x->tg[k].cell[1] == single[i])
                        dup = 1;
                if (!dup) {
                    if (x->ntg == *cap) {
                        size_t nc = *cap * 2;
                        target *t2 = oc_realloc(x->tg, nc * sizeof *t2);
                        size_t *n2;
                        uint32_t *m2;
                        if (!t2)
                            return nomem(x);
                        x->tg = t2;
                        n2 = oc_realloc(x->tnext, 2 * nc * sizeof *n2);
                        if (!n2)
                            return nomem(x);
                        x->tnext = n2;
                        m2 = oc_realloc(x->tmark, nc * sizeof *m2);
                        if (!m2)
                            return nomem(x);
                        x->tmark = m2;
                        memset(x->tmark + *cap, 0, (nc - *cap) * sizeof *m2);
                        *cap = nc;
                    }
                    nt = &x->tg[x->ntg++];
                    nt->ncell = 2;
                    nt->cell[0] = pcell;
                    nt->coef[0] = gs / gg;
                    nt->cell[1] = single[i];
                    nt->coef[1] = -hp / gg;
                    (*added)++;
                }
            }
            clear_acc(x->h, x->ht, &x->nht, x->hin);
        }
        clear_acc(x->g, x->gt, &x->ngt, x->gin);
    }
    return OC_OK;
}

/* ---- entry point ---------------------------------------------------------- */

static void ctx_fini(ctx *x)
{
    size_t d, i;
    for (d = 0; d < MAXD; d++) {
        oc_free(x->dm[d].acode);
        oc_free(x->dm[d].leaf);
        oc_free(x->dm[d].aoff);
        oc_free(x->dm[d].alist);
    }
    if (x->v)
        for (i = 0; i < x->natoms; i++) {
            oc_free(x->v[i].a);
            oc_free(x->v[i].c);
        }
    if (x->occ)
        for (i = 0; i < x->natoms; i++)
            oc_free(x->occ[i].e);
    oc_free(x->v);
    oc_free(x->occ);
    oc_free(x->aval);
    oc_free(x->g);
    oc_free(x->h);
    oc_free(x->gt);
    oc_free(x->gin);
    oc_free(x->hin);
    oc_free(x->ht);
    oc_free(x->tg);
    oc_free(x->thead);
    oc_free(x->tnext);
    oc_free(x->tmark);
}

#define MAX_ROUNDS 8

oc_status suppress_secondary(oc_table *t, const size_t *extra, size_t n_extra, suppress_stats *stats,
                             oc_error *err)
{
    ctx x;
    cand *cd = NULL;
    unsigned char *sec = NULL, *is_extra = NULL;
    size_t *single = NULL, nsingle = 0, ncd = 0, c, i, cap, nbase;
    oc_status st = OC_OK;

    memset(stats, 0, sizeof *stats);
    memset(&x, 0, sizeof x);
    x.t = t;
    x.nd = t->ndims;
    x.err = err;
    for (c = 0; c < t->ncells; c++)
        stats->primary += t->status[c] == CELL_PRIMARY;
    if (!t->totals || t->ndims == 0 || t->ndims > MAXD || (stats->primary == 0 && n_extra == 0))
        return OC_OK;
    if ((st = build_atoms(&x)) != OC_OK)
        goto out;
    stats->atoms = x.natoms;
    x.v = oc_calloc(x.natoms ? x.natoms : 1, sizeof *x.v);
    x.occ = oc_calloc(x.natoms ? x.natoms : 1, sizeof *x.occ);
    x.g = oc_calloc(x.natoms ? x.natoms : 1, sizeof *x.g);
    x.h = oc_calloc(x.natoms ? x.natoms : 1, sizeof *x.h);
    x.gt = oc_malloc((x.natoms ? x.natoms : 1) * sizeof *x.gt);
    x.gin = oc_calloc(x.natoms ? x.natoms : 1, 1);
    x.hin = oc_calloc(x.natoms ? x.natoms : 1, 1);
    x.ht = oc_malloc((x.natoms ? x.natoms : 1) * sizeof *x.ht);
    x.thead = oc_malloc(t->ncells * sizeof *x.thead);
    cd = oc_malloc((t->ncells ? t->ncells : 1) * sizeof *cd);
    sec = oc_calloc(t->ncells ? t->ncells : 1, 1);
    is_extra = oc_calloc(t->ncells ? t->ncells : 1, 1);
    single = oc_malloc((t->ncells ? t->ncells : 1) * sizeof *single);
    cap = stats->primary + n_extra + 16;
    x.tg = oc_calloc(cap, sizeof *x.tg);
    x.tnext = oc_calloc(2 * cap, sizeof *x.tnext);
    x.tmark = oc_calloc(cap, sizeof *x.tmark);
    if (!is_extra || !x.v || !x.occ || !x.gin || !x.hin || !x.g || !x.h || !x.gt || !x.ht || !x.thead || !cd || !sec || !single || !x.tg ||
        !x.tnext || !x.tmark) {
        st = nomem(&x);
        goto out;
    }
    /* targets: primaries and extra cells; candidates: the rest, non-empty */
    for (i = 0; i < n_extra; i++)
        is_extra[extra[i]] = 1;
    for (c = 0; c < t->ncells; c++) {
        size_t pos[MAXD], d, na = 1, leaf = 1;
        cell_pos(&x, c, pos);
        for (d = 0; d < x.nd; d++) {
            na *= x.dm[d].aoff[pos[d] + 1] - x.dm[d].aoff[pos[d]];
            if (!x.dm[d].leaf[pos[d]])
                leaf = 0;
        }
        if (t->status[c] == CELL_PRIMARY || is_extra[c]) {
            target *tg = &x.tg[x.ntg++];
            tg->ncell = 1;
            tg->cell[0] = c;
            tg->coef[0] = 1;
            if (leaf && t->value[c] == 1)
                single[nsingle++] = c;
        } else if (t->value[c] > 0) {
            cd[ncd].value = t->value[c];
            cd[ncd].natoms = na;
            cd[ncd].cell = c;
            ncd++;
        }
    }
    qsort(cd, ncd, sizeof *cd, cand_cmp);
    nbase = x.ntg;
    for (stats->rounds = 1;; stats->rounds++) {
        size_t added = 0;
        if ((st = greedy(&x, cd, ncd, sec)) != OC_OK)
            goto out;
        if (nsingle == 0 || stats->rounds == MAX_ROUNDS)
            break;
        if ((st = singleton_targets(&x, nbase, single, nsingle, &added, &cap)) != OC_OK)
            goto out;
        if (added == 0)
            break;
    }
    for (i = 0; i < ncd; i++)
        if (sec[i]) {
            t->status[cd[i].cell] = CELL_SECONDARY;
            stats->secondary++;
        }
    for (i = 0; i < n_extra; i++)
        if (t->status[extra[i]] == CELL_PUBLISHED) {
            t->status[extra[i]] = CELL_SECONDARY;
            stats->secondary++;
        }
    t->secondary = 1;
out:
    ctx_fini(&x);
    oc_free(cd);
    oc_free(sec);
    oc_free(is_extra);
    oc_free(single);
    return st;
}

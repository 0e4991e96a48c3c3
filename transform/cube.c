/*
 * cube.c - see cube.h.
 *
 * Why dense first: a row's cell is effectively random, so the counting is
 * bound by cache misses; a dense array of 8-byte counts takes a quarter to
 * a half of the memory of a hash table (16-byte slots, at most half full)
 * and needs no probing, so more of it stays in cache.
 *
 * Keys (hash mode): dimension i of the table gets bits at shift[i]; a closed
 * dimension needs ceil(log2(ncodes)) bits, an open one the bits of its
 * max_codes bound, so every code fits and the key is exact (no collisions
 * to resolve beyond the hash table's own probing).  The hash table stores
 * key+1 so that 0 marks an empty slot.
 */
#include "cube.h"

#include <stdlib.h>
#include <string.h>

#include "oc_mem.h"
#include "sdc_model.h"

#define MAX_INTERIOR (64u << 20)     /* distinct interior cells per table */
#define MAX_OUTPUT   (256u << 20)    /* output cells per table */
#define DENSE_MAX    (1u << 21)      /* dense counting up to 2 Mi cells (16 MiB) */

typedef struct filt {
    int     dim;
    int     iccs;
    oc_strmap *allowed;   /* owned: allowed code texts */
    int8_t *ok;           /* owned: per code index: 1 yes, 0 no, -1 not yet known */
    size_t  nok;
} filt;

struct cube {
    schema   *s;
    cube_spec sp;
    unsigned  shift[CUBE_MAX_DIMS];
    filt     *filt;       /* sp.nwhere entries */
    /* dense mode: counts in a mixed-radix array (last dimension fastest);
     * open dimensions get a power-of-two radix that doubles as codes come */
    int       dense;
    uint64_t *cells;
    size_t    ncells;
    uint32_t  radix[CUBE_MAX_DIMS];
    size_t    stride[CUBE_MAX_DIMS];
    /* hash mode: when the dense array would be too large */
    struct slot { uint64_t key, count; } *slots;   /* key + 1; 0 = empty */
    size_t    cap, n;
    uint64_t  counted, filtered;
};

void cube_spec_fini(cube_spec *sp)
{
    size_t i, j;
    oc_free(sp->id);
    oc_free(sp->title);
    for (i = 0; i < sp->nwhere; i++) {
        for (j = 0; j < sp->where[i].ncodes; j++)
            oc_free(sp->where[i].codes[j]);
        oc_free(sp->where[i].codes);
    }
    oc_free(sp->where);
    memset(sp, 0, sizeof *sp);
}

static int code_or_ancestor(const sch_dim *d, const char *code)
{
    size_t n = dim_ncodes(d), i, want = strlen(code);
    uint32_t idx;
    if (dim_find(d, code, want, &idx))
        return 1;
    if (!d->iccs || !iccs_valid(code, want))
        return 0;
    for (i = 0; i < n; i++) {
        size_t len;
        const char *k = dim_code(d, (uint32_t)i, &len);
        while ((len = iccs_parent_len(k, len)) > 0)
            if (len == want && memcmp(k, code, len) == 0)
                return 1;
    }
    return 0;
}

int cube_spec_group_dim(cube_spec *sp, const schema *s, const char *name)
{
    int d = schema_dim_index(s, name);
    size_t k;
    for (k = 0; k < sp->nby; k++)
        if (sp->by[k] == d && d >= 0) {
            sp->group_dims |= (uint32_t)1 << k;
            return 0;
        }
    return -1;
}

oc_status cube_spec_add_where(cube_spec *sp, const schema *s, const char *text, oc_error *err)
{
    const char *eq = strchr(text, '='), *p;
    char name[128];
    cube_where *w, *nw;
    int d;
    size_t nl;
    if (!eq || eq == text || (size_t)(eq - text) >= sizeof name)
        return oc_error_set(err, OC_EUSAGE, "filter must be DIM=CODE[,CODE...], got '%s'", text);
    nl = (size_t)(eq - text);
    memcpy(name, text, nl);
    name[nl] = '\0';
    d = schema_dim_index(s, name);
    if (d < 0)
        return oc_error_set(err, OC_EUSAGE, "filter names unknown dimension '%s'", name);
    nw = oc_realloc(sp->where, (sp->nwhere + 1) * sizeof *nw);
    if (!nw)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    sp->where = nw;
    w = &sp->where[sp->nwhere++];
    memset(w, 0, sizeof *w);
    w->dim = d;
    p = eq + 1;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char **nc = oc_realloc(w->codes, (w->ncodes + 1) * sizeof *nc);
        if (!nc)
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        w->codes = nc;
        if (!(w->codes[w->ncodes] = oc_strndup(p, len)))
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        w->ncodes++;
        if (!comma)
            break;
        p = comma + 1;
    }
    /* Closed dimensions: every listed code must exist (in a hierarchy, as a
     * code or as the ancestor of one). */
    if (!s->dims[d].open) {
        size_t i;
        for (i = 0; i < w->ncodes; i++)
            if (!code_or_ancestor(&s->dims[d], w->codes[i]))
                return oc_error_set(err, OC_EUSAGE, "filter: dimension '%s' has no code '%s'", name,
                                    w->codes[i]);
    }
    return OC_OK;
}

static unsigned bits_for(uint64_t n)
{
    unsigned b = 1;
    while (b < 63 && (1ULL << b) < n)
        b++;
    return b;
}

static uint64_t dim_bound(const schema *s, int d)
{
    const sch_dim *dm = &s->dims[d];
    if (!dm->open)
        return dim_ncodes(dm);
    if (dm->kind == DIM_CODE)
        return s->cols[dm->col].max_open;
    return 65535;
}

void cube_free(cube *c)
{
    size_t i;
    if (!c)
        return;
    for (i = 0; c->filt && i < c->sp.nwhere; i++) {
        oc_strmap_free(c->filt[i].allowed);
        oc_free(c->filt[i].ok);
    }
    oc_free(c->filt);
    oc_free(c->slots);
    oc_free(c->cells);
    cube_spec_fini(&c->sp);
    oc_free(c);
}

oc_status cube_new(schema *s, cube_spec *sp, cube **out, oc_error *err)
{
    cube *c = oc_calloc(1, sizeof *c);
    unsigned total = 0;
    size_t i, j;
    *out = NULL;
    if (!c) {
        cube_spec_fini(sp);
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    }
    c->s = s;
    c->sp = *sp;
    memset(sp, 0, sizeof *sp);
    for (i = 0; i < c->sp.nby; i++) {
        unsigned b = bits_for(dim_bound(s, c->sp.by[i]));
        for (j = 0; j < i; j++)
            if (c->sp.by[j] == c->sp.by[i]) {
                oc_error_set(err, OC_EUSAGE, "dimension '%s' is listed twice", s->dims[c->sp.by[i]].id);
                cube_free(c);
                return err->code;
            }
        c->shift[i] = total;
        total += b;
    }
    if (total > 63) {
        oc_error_set(err, OC_ECONFIG, "table '%s': its dimensions need %u bits of key, more than 63 "
                     "(lower max_codes of open columns)", c->sp.id ? c->sp.id : "?", total);
        cube_free(c);
        return OC_ECONFIG;
    }
    c->filt = oc_calloc(c->sp.nwhere ? c->sp.nwhere : 1, sizeof *c->filt);
    c->cap = 1024;
    c->slots = oc_calloc(c->cap, sizeof *c->slots);
    if (!c->filt || !c->slots) {
        cube_free(c);
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    }
    {
        uint64_t prod = 1;
        for (i = 0; i < c->sp.nby; i++) {
            const sch_dim *dm = &s->dims[c->sp.by[i]];
            uint64_t r = dim_ncodes(dm);
            if (dm->open)
                r = r < 8 ? 8 : r + r / 2;
            c->radix[i] = (uint32_t)(r ? r : 1);
            prod *= c->radix[i];
            if (prod > DENSE_MAX)
                break;
        }
        if (prod <= DENSE_MAX) {
            c->dense = 1;
            c->ncells = (size_t)prod;
            for (i = c->sp.nby; i-- > 0;)
                c->stride[i] = i + 1 < c->sp.nby ? c->stride[i + 1] * c->radix[i + 1] : 1;
            if (!(c->cells = oc_calloc(c->ncells, sizeof *c->cells))) {
                cube_free(c);
                return oc_error_set(err, OC_ENOMEM, "out of memory");
            }
        }
    }
    for (i = 0; i < c->sp.nwhere; i++) {
        filt *f = &c->filt[i];
        f->dim = c->sp.where[i].dim;
        f->iccs = s->dims[f->dim].iccs;
        if (!(f->allowed = oc_strmap_new())) {
            cube_free(c);
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        }
        for (j = 0; j < c->sp.where[i].ncodes; j++) {
            const char *code = c->sp.where[i].codes[j];
            if (oc_strmap_put(f->allowed, code, strlen(code), 1, NULL) != OC_OK) {
                cube_free(c);
                return oc_error_set(err, OC_ENOMEM, "out of memory");
            }
        }
    }
    *out = c;
    return OC_OK;
}

/* Is code text k allowed by filter f (itself or, in a hierarchy, an ancestor)? */
static int allowed_text(const filt *f, const char *k, size_t len)
{
    uint32_t dummy;
    for (;;) {
        if (oc_strmap_get(f->allowed, k, len, &dummy))
            return 1;
        if (!f->iccs)
            return 0;
        len = iccs_parent_len(k, len);
        if (len == 0)
            return 0;
    }
}

static int filt_ok(const cube *c, filt *f, uint32_t idx)
{
    if (idx >= f->nok) {
        size_t n = dim_ncodes(&c->s->dims[f->dim]), i;
        int8_t *ok;
        if (n <= idx)
            n = (size_t)idx + 1;
        ok = oc_realloc(f->ok, n);
        if (!ok)
            return -1;
        for (i = f->nok; i < n; i++)
            ok[i] = -1;
        f->ok = ok;
        f->nok = n;
    }
    if (f->ok[idx] < 0) {
        size_t len;
        const char *k = dim_code(&c->s->dims[f->dim], idx, &len);
        f->ok[idx] = (int8_t)allowed_text(f, k, len);
    }
    return f->ok[idx];
}

static oc_status grow(cube *c, oc_error *err)
{
    size_t nc = c->cap * 2, i;
    struct slot *ns;
    if (c->n >= MAX_INTERIOR)
        return oc_error_set(err, OC_EDATA, "table '%s' has more than %u distinct cells", c->sp.id ? c->sp.id : "?",
                            MAX_INTERIOR);
    ns = oc_calloc(nc, sizeof *ns);
    if (!ns)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    for (i = 0; i < c->cap; i++) {
        if (c->slots[i].key) {
            size_t j = (size_t)oc_hash_u64(c->slots[i].key) & (nc - 1);
            while (ns[j].key)
                j = (j + 1) & (nc - 1);
            ns[j] = c->slots[i];
        }
    }
    oc_free(c->slots);
    c->slots = ns;
    c->cap = nc;
    return OC_OK;
}

/* *cell += w, keeping SCH_WEIGHT_SUPPRESSED as a flag: -1 on overflow. */
static int count_add(uint64_t *cell, uint64_t w)
{
    uint64_t a = *cell & ~SCH_WEIGHT_SUPPRESSED, b = w & ~SCH_WEIGHT_SUPPRESSED;
    if (a > ~SCH_WEIGHT_SUPPRESSED - b)
        return -1;
    *cell = (a + b) | ((*cell | w) & SCH_WEIGHT_SUPPRESSED);
    return 0;
}

static oc_status add_key(cube *c, uint64_t key, uint64_t weight, oc_error *err)
{
    size_t i, mask;
    struct slot *sl;
    if ((c->n + 1) * 2 > c->cap) {
        oc_status st = grow(c, err);
        if (st != OC_OK)
            return st;
    }
    mask = c->cap - 1;
    i = (size_t)oc_hash_u64(key) & mask;
    while (c->slots[i].key != key) {
        if (c->slots[i].key == 0) {
            c->slots[i].key = key;
            c->n++;
            break;
        }
        i = (i + 1) & mask;
    }
    sl = &c->slots[i];
    if (count_add(&sl->count, weight) != 0)
        return oc_error_set(err, OC_EDATA, "count overflow in table '%s'", c->sp.id ? c->sp.id : "?");
    return OC_OK;
}

static uint64_t pack(const cube *c, const uint32_t *idx)
{
    uint64_t key = 1;
    size_t i;
    for (i = 0; i < c->sp.nby; i++)
        key += (uint64_t)idx[i] << c->shift[i];
    return key;
}

static void dense_codes(const cube *c, size_t k, uint32_t *idx)
{
    size_t i;
    for (i = 0; i < c->sp.nby; i++)
        idx[i] = (uint32_t)((k / c->stride[i]) % c->radix[i]);
}

/* Table dimension i needs room for code v: grow its radix by half (a
 * tighter array stays in cache; the number of regrowths stays logarithmic),
 * or leave the dense mode when the array would grow past DENSE_MAX. */
static oc_status regrow(cube *c, size_t dim, uint32_t v, oc_error *err)
{
    uint64_t r = c->radix[dim], total;
    uint32_t nr[CUBE_MAX_DIMS], idx[CUBE_MAX_DIMS];
    size_t ns[CUBE_MAX_DIMS], i, k;
    uint64_t *cells;
    while (r <= v)
        r += r / 2 + 1;
    total = (uint64_t)(c->ncells / c->radix[dim]) * r;
    if (total > DENSE_MAX) {
        for (k = 0; k < c->ncells; k++)
            if (c->cells[k]) {
                oc_status st;
                dense_codes(c, k, idx);
                if ((st = add_key(c, pack(c, idx), c->cells[k], err)) != OC_OK)
                    return st;
            }
        oc_free(c->cells);
        c->cells = NULL;
        c->dense = 0;
        return OC_OK;
    }
    cells = oc_calloc((size_t)total, sizeof *cells);
    if (!cells)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    memcpy(nr, c->radix, sizeof nr);
    nr[dim] = (uint32_t)r;
    for (i = c->sp.nby; i-- > 0;)
        ns[i] = i + 1 < c->sp.nby ? ns[i + 1] * nr[i + 1] : 1;
    for (k = 0; k < c->ncells; k++)
        if (c->cells[k]) {
            size_t at = 0;
            dense_codes(c, k, idx);
            for (i = 0; i < c->sp.nby; i++)
                at += idx[i] * ns[i];
            cells[at] = c->cells[k];
        }
    oc_free(c->cells);
    c->cells = cells;
    c->ncells = (size_t)total;
    memcpy(c->radix, nr, sizeof nr);
    memcpy(c->stride, ns, sizeof ns);
    return OC_OK;
}

oc_status cube_add(cube *c, const uint32_t *codes, uint64_t weight, oc_error *err)
{
    uint32_t idx[CUBE_MAX_DIMS];
    size_t i;
    oc_status st;
    for (i = 0; i < c->sp.nwhere; i++) {
        int ok = filt_ok(c, &c->filt[i], codes[c->filt[i].dim]);
        if (ok < 0)
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        if (!ok) {
            c->filtered++;
            return OC_OK;
        }
    }
    for (i = 0; i < c->sp.nby; i++)
        idx[i] = codes[c->sp.by[i]];
    if (c->dense) {
        size_t at = 0;
        for (i = 0; i < c->sp.nby; i++) {
            if (idx[i] >= c->radix[i]) {
                if ((st = regrow(c, i, idx[i], err)) != OC_OK)
                    return st;
                if (!c->dense)
                    goto hash;
                i = (size_t)-1;      /* strides changed: start again */
                at = 0;
                continue;
            }
            at += idx[i] * c->stride[i];
        }
        if (count_add(&c->cells[at], weight) != 0)
            return oc_error_set(err, OC_EDATA, "count overflow in table '%s'", c->sp.id ? c->sp.id : "?");
    } else {
hash:
        if ((st = add_key(c, pack(c, idx), weight, err)) != OC_OK)
            return st;
    }
    c->counted++;
    return OC_OK;
}

int cube_is_dense(const cube *c) { return c->dense; }

/* ---------- building the table ---------- */

typedef struct outdim {
    size_t    n;
    char    **codes;      /* owned until moved into the table */
    char    **labels;
    size_t    ncodes;     /* schema codes of the dimension */
    uint32_t *chain_off;  /* per schema code: start in chain[] */
    uint8_t  *chain_len;  /* per schema code: 0 = not in the table */
    uint32_t *chain;
    size_t    stride;
} outdim;

static void outdim_fini(outdim *o)
{
    size_t i;
    if (o->codes)
        for (i = 0; i < o->n; i++)
            oc_free(o->codes[i]);
    if (o->labels)
        for (i = 0; i < o->n; i++)
            oc_free(o->labels[i]);
    oc_free(o->codes);
    oc_free(o->labels);
    oc_free(o->chain_off);
    oc_free(o->chain_len);
    oc_free(o->chain);
}

static int code_kept(cube *c, int sd, uint32_t idx)
{
    size_t w;
    for (w = 0; w < c->sp.nwhere; w++)
        if (c->filt[w].dim == sd && filt_ok(c, &c->filt[w], idx) != 1)
            return 0;
    return 1;
}

static int text_kept(const cube *c, int sd, const char *k, size_t len)
{
    size_t w;
    for (w = 0; w < c->sp.nwhere; w++)
        if (c->filt[w].dim == sd && !allowed_text(&c->filt[w], k, len))
            return 0;
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int ux = strcmp(x, SCH_CODE_U) == 0, uy = strcmp(y, SCH_CODE_U) == 0;
    if (ux != uy)
        return ux - uy;
    return strcmp(x, y);
}

static oc_status push_code(outdim *o, oc_strmap *pos, const char *k, size_t len, const char *label)
{
    int existed;
    if (oc_strmap_put(pos, k, len, (uint32_t)o->n, &existed) != OC_OK)
        return OC_ENOMEM;
    if (existed)
        return OC_OK;
    if (!(o->codes[o->n] = oc_strndup(k, len)))
        return OC_ENOMEM;
    o->labels[o->n] = NULL;
    if (label && !(o->labels[o->n] = oc_strdup(label)))
        return OC_ENOMEM;
    o->n++;
    return OC_OK;
}

static oc_status build_dim(cube *c, int sd, outdim *o)
{
    const sch_dim *d = &c->s->dims[sd];
    size_t n = dim_ncodes(d), i, maxout, nchain = 0;
    int totals = c->sp.totals, hier = d->iccs && totals;
    uint32_t *perm = oc_calloc(n ? n : 1, sizeof *perm);
    oc_strmap *pos = oc_strmap_new();
    char **extra = NULL;
    size_t nextra = 0;
    oc_status st = OC_ENOMEM;

    o->ncodes = n;
    /* at most: _T + every code + every ancestor (3 per ICCS code) */
    maxout = 1 + n * (hier ? 4 : 1);
    o->codes = oc_calloc(maxout, sizeof *o->codes);
    o->labels = oc_calloc(maxout, sizeof *o->labels);
    o->chain_off = oc_calloc(n ? n : 1, sizeof *o->chain_off);
    o->chain_len = oc_calloc(n ? n : 1, sizeof *o->chain_len);
    o->chain = oc_calloc(n ? n * 5 : 1, sizeof *o->chain);
    if (!perm || !pos || !o->codes || !o->labels || !o->chain_off || !o->chain_len || !o->chain)
        goto out;
    dim_output_order(d, perm);
    if (totals && push_code(o, pos, "_T", 2, "Total") != OC_OK)
        goto out;
    if (hier) {
        /* the kept codes and their kept ancestors, in ICCS order */
        oc_strmap *seen = oc_strmap_new();
        if (!seen)
            goto out;
        extra = oc_calloc(maxout, sizeof *extra);
        if (!extra) {
            oc_strmap_free(seen);
            goto out;
        }
        for (i = 0; i < n; i++) {
            size_t len;
            const char *k = dim_code(d, perm[i], &len);
            if (!code_kept(c, sd, perm[i]))
                continue;
            while (len > 0) {
                int existed;
                if (text_kept(c, sd, k, len)) {
                    if (oc_strmap_put(seen, k, len, 0, &existed) != OC_OK) {
                        oc_strmap_free(seen);
                        goto out;
                    }
                    if (!existed && !(extra[nextra++] = oc_strndup(k, len))) {
                        oc_strmap_free(seen);
                        goto out;
                    }
                }
                len = iccs_parent_len(k, len);
            }
        }
        oc_strmap_free(seen);
        qsort(extra, nextra, sizeof *extra, cmp_str);
        for (i = 0; i < nextra; i++) {
            uint32_t idx;
            const char *label = dim_find(d, extra[i], strlen(extra[i]), &idx) ? dim_label(d, idx) : NULL;
            if (push_code(o, pos, extra[i], strlen(extra[i]), label) != OC_OK)
                goto out;
        }
    } else {
        for (i = 0; i < n; i++) {
            size_t len;
            const char *k = dim_code(d, perm[i], &len);
            if (code_kept(c, sd, perm[i]) && push_code(o, pos, k, len, dim_label(d, perm[i])) != OC_OK)
                goto out;
        }
    }
    /* chains: the code itself, its ancestors (hierarchy), then _T */
    for (i = 0; i < n; i++) {
        size_t len;
        const char *k = dim_code(d, (uint32_t)i, &len);
        uint32_t p;
        o->chain_off[i] = (uint32_t)nchain;
        if (!code_kept(c, sd, (uint32_t)i))
            continue;
        if (!oc_strmap_get(pos, k, len, &p))
            continue;
        o->chain[nchain++] = p;
        if (hier) {
            size_t l = iccs_parent_len(k, len);
            while (l > 0) {
                if (oc_strmap_get(pos, k, l, &p))
                    o->chain[nchain++] = p;
                l = iccs_parent_len(k, l);
            }
        }
        if (totals)
            o->chain[nchain++] = 0;
        o->chain_len[i] = (uint8_t)(nchain - o->chain_off[i]);
    }
    st = OC_OK;
out:
    for (i = 0; i < nextra; i++)
        oc_free(extra[i]);
    oc_free(extra);
    oc_free(perm);
    oc_strmap_free(pos);
    return st;
}

const char *table_code_label(const tab_dim *d, size_t k)
{
    const char *c = d->codes[k];
    if (d->labels && d->labels[k] && d->labels[k][0])
        return d->labels[k];
    if (!strcmp(c, "_T"))
        return "Total";
    if (!strcmp(c, "_U"))
        return "Unknown";
    if (!strcmp(c, "_O"))
        return "Other";
    if (!strcmp(c, "_Z"))
        return "Not applicable";
    return c;
}

void table_free(oc_table *t)
{
    size_t i, j;
    if (!t)
        return;
    for (i = 0; i < t->ndims; i++) {
        for (j = 0; j < t->dims[i].n; j++) {
            oc_free(t->dims[i].codes[j]);
            oc_free(t->dims[i].labels[j]);
        }
        oc_free(t->dims[i].codes);
        oc_free(t->dims[i].labels);
        oc_free(t->dims[i].parent);
        oc_free(t->dims[i].id);
    }
    oc_free(t->dims);
    oc_free(t->value);
    oc_free(t->status);
    oc_free(t->id);
    oc_free(t->title);
    oc_free(t->linked);
    oc_free(t->dataset);
    oc_free(t->where);
    oc_free(t);
}

void table_cell_pos(const oc_table *t, size_t cell, size_t *pos)
{
    size_t d;
    for (d = t->ndims; d-- > 0;) {
        pos[d] = cell % t->dims[d].n;
        cell /= t->dims[d].n;
    }
}

size_t table_cell_at(const oc_table *t, const size_t *pos)
{
    size_t d, at = 0;
    for (d = 0; d < t->ndims; d++)
        at = at * t->dims[d].n + pos[d];
    return at;
}

int table_code_index(const tab_dim *d, const char *code, size_t len)
{
    size_t k;
    for (k = 0; k < d->n; k++)
        if (strlen(d->codes[k]) == len && memcmp(d->codes[k], code, len) == 0)
            return (int)k;
    return -1;
}

oc_status table_cell_name(const oc_table *t, size_t cell, const char *sep, oc_buf *b)
{
    size_t d, rest = cell, div = 1;
    for (d = 0; d < t->ndims; d++)
        div *= t->dims[d].n;
    for (d = 0; d < t->ndims; d++) {
        div /= t->dims[d].n;
        if (oc_buf_printf(b, "%s%s=%s", d ? sep : "", t->dims[d].id, t->dims[d].codes[rest / div]) != OC_OK)
            return OC_ENOMEM;
        rest %= div;
    }
    return OC_OK;
}

size_t table_protect_primary(oc_table *t)
{
    size_t i, n = 0;
    for (i = 0; i < t->ncells; i++) {
        uint64_t v = t->value[i];
        int sens = (t->min_count > 0 && v >= 1 && v < (uint64_t)t->min_count) ||
                   (t->protect_zeros && v == 0);
        if (t->status[i] == CELL_SOURCE)   /* not published anyway */
            continue;
        t->status[i] = sens ? CELL_PRIMARY : CELL_PUBLISHED;
        n += (size_t)sens;
    }
    return n;
}

oc_status table_group_rule(oc_table *t, oc_error *err)
{
    sdc_model *m;
    size_t r, k;
    oc_status st;
    t->group_flagged = 0;
    if (!t->totals || !t->group_dims)
        return OC_OK;
    if ((st = sdc_model_build(t, &m, err)) != OC_OK)
        return st;
    /* each relation: a total and its categories along one dimension */
    for (r = 0; r < m->nrel; r++) {
        size_t head = m->idx[m->off[r]], first = m->idx[m->off[r] + 1], nz = 0, d, stride = 1;
        uint64_t sum = 0;
        if (m->off[r + 1] - m->off[r] < 3 || t->value[head] == 0)
            continue;   /* fewer than two categories, or nobody */
        /* the dimension: where the total and its first category differ */
        for (d = t->ndims; d-- > 0; stride *= t->dims[d].n)
            if ((head / stride) % t->dims[d].n != (first / stride) % t->dims[d].n)
                break;
        if (d == (size_t)-1 || !(t->group_dims >> d & 1))
            continue;
        for (k = m->off[r] + 1; k < m->off[r + 1]; k++) {
            nz += t->value[m->idx[k]] > 0;
            sum += t->value[m->idx[k]];
        }
        if (nz != 1 || sum != t->value[head])
            continue;
        t->group_flagged++;
        for (k = m->off[r] + 1; k < m->off[r + 1]; k++)
            if (t->value[m->idx[k]] == 0)
                t->status[m->idx[k]] = CELL_PRIMARY;
    }
    sdc_model_free(m);
    return OC_OK;
}

static char *where_text(const cube *c)
{
    oc_buf b;
    size_t i, j;
    if (c->sp.nwhere == 0)
        return NULL;
    oc_buf_init(&b, 0);
    for (i = 0; i < c->sp.nwhere; i++) {
        if ((i && oc_buf_append(&b, ";", 1) != OC_OK) ||
            oc_buf_printf(&b, "%s=", c->s->dims[c->sp.where[i].dim].id) != OC_OK)
            goto fail;
        for (j = 0; j < c->sp.where[i].ncodes; j++)
            if ((j && oc_buf_append(&b, ",", 1) != OC_OK) ||
                oc_buf_printf(&b, "%s", c->sp.where[i].codes[j]) != OC_OK)
                goto fail;
    }
    return b.data;
fail:
    oc_buf_fini(&b);
    return NULL;
}

/* Parent positions of a dimension's output codes: with totals, _T (at 0)
 * is every code's parent, or in an ICCS hierarchy the nearest ancestor
 * present in the table. */
static int32_t *parents(const tab_dim *d, int totals, int iccs)
{
    int32_t *par = oc_malloc((d->n ? d->n : 1) * sizeof *par);
    size_t i, j;
    if (!par)
        return NULL;
    for (i = 0; i < d->n; i++) {
        const char *k = d->codes[i];
        size_t len = strlen(k);
        par[i] = -1;
        if (!totals || (i == 0 && !strcmp(k, "_T")))
            continue;
        par[i] = 0;
        if (!iccs)
            continue;
        while ((len = iccs_parent_len(k, len)) > 0) {
            for (j = 1; j < i; j++)   /* ancestors come first (pre-order) */
                if (strlen(d->codes[j]) == len && !memcmp(d->codes[j], k, len))
                    break;
            if (j < i) {
                par[i] = (int32_t)j;
                break;
            }
        }
    }
    return par;
}

oc_status cube_build(cube *c, const tab_accounting *ds, oc_table **out, oc_error *err)
{
    outdim od[CUBE_MAX_DIMS];
    oc_table *t = NULL;
    size_t nd = c->sp.nby, i, k;
    uint64_t ncells = 1;
    oc_status st = OC_OK;

    *out = NULL;
    memset(od, 0, sizeof od);
    for (i = 0; i < nd; i++)
        if (build_dim(c, c->sp.by[i], &od[i]) != OC_OK) {
            st = oc_error_set(err, OC_ENOMEM, "out of memory");
            goto out;
        }
    for (i = nd; i-- > 0;) {
        od[i].stride = (size_t)ncells;
        ncells *= od[i].n ? od[i].n : 1;
        if (ncells > MAX_OUTPUT) {
            st = oc_error_set(err, OC_EDATA, "table '%s' would have more than %u cells",
                              c->sp.id ? c->sp.id : "?", MAX_OUTPUT);
            goto out;
        }
    }
    t = oc_calloc(1, sizeof *t);
    if (!t)
        goto nomem;
    t->ndims = nd;
    t->dims = oc_calloc(nd ? nd : 1, sizeof *t->dims);
    for (i = 0; i < nd; i++)
        if (od[i].n == 0)
            ncells = 0;
    t->ncells = (size_t)ncells;
    t->value = oc_calloc(t->ncells ? t->ncells : 1, sizeof *t->value);
    t->status = oc_calloc(t->ncells ? t->ncells : 1, 1);
    t->id = oc_strdup(c->sp.id ? c->sp.id : "TABLE");
    t->dataset = oc_strdup(c->s->dataset);
    t->title = c->sp.title ? oc_strdup(c->sp.title) : NULL;
    if (!t->dims || !t->value || !t->status || !t->id || !t->dataset || (c->sp.title && !t->title))
        goto nomem;
    if (c->sp.nwhere && !(t->where = where_text(c)))
        goto nomem;
    for (i = 0; i < nd; i++) {
        if (!(t->dims[i].id = oc_strdup(c->s->dims[c->sp.by[i]].id)))
            goto nomem;
        t->dims[i].n = od[i].n;
        t->dims[i].codes = od[i].codes;
        t->dims[i].labels = od[i].labels;
        od[i].codes = od[i].labels = NULL;
        if (!(t->dims[i].parent = parents(&t->dims[i], c->sp.totals, c->s->dims[c->sp.by[i]].iccs)))
            goto nomem;
        t->dims[i].source = c->s->dims[c->sp.by[i]].col + 1;
    }
    /* spread every interior cell over its margins */
    for (k = 0; k < (c->dense ? c->ncells : c->cap); k++) {
        uint32_t idx[CUBE_MAX_DIMS], at[CUBE_MAX_DIMS];
        uint64_t count;
        int skip = 0;
        if (c->dense) {
            if (!(count = c->cells[k]))
                continue;
            dense_codes(c, k, idx);
        } else {
            uint64_t key = c->slots[k].key;
            if (!key)
                continue;
            count = c->slots[k].count;
            key -= 1;
            for (i = 0; i < nd; i++) {
                unsigned width = (i + 1 < nd ? c->shift[i + 1] : 64) - c->shift[i];
                uint64_t mask = width >= 64 ? UINT64_MAX : ((1ULL << width) - 1);
                idx[i] = (uint32_t)((key >> c->shift[i]) & mask);
            }
        }
        for (i = 0; i < nd; i++) {
            if (idx[i] >= od[i].ncodes || od[i].chain_len[idx[i]] == 0)
                skip = 1;
            at[i] = 0;
        }
        if (skip)
            continue;
        for (;;) {
            size_t cell = 0;
            for (i = 0; i < nd; i++)
                cell += od[i].chain[od[i].chain_off[idx[i]] + at[i]] * od[i].stride;
            if (count_add(&t->value[cell], count) != 0) {
                st = oc_error_set(err, OC_EDATA, "count overflow in a margin of table '%s'", t->id);
                goto out;
            }
            for (i = nd; i-- > 0;) {
                if (++at[i] < od[i].chain_len[idx[i]])
                    break;
                at[i] = 0;
            }
            if (i == (size_t)-1)
                break;
        }
    }
    for (k = 0; k < t->ncells; k++)
        if (t->value[k] & SCH_WEIGHT_SUPPRESSED) {
            t->value[k] &= ~SCH_WEIGHT_SUPPRESSED;
            t->status[k] = CELL_SOURCE;
        }
    t->totals = c->sp.totals;
    t->min_count = c->sp.min_count;
    t->protect_zeros = c->sp.protect_zeros;
    t->group_dims = c->sp.group_dims;   /* the table's dimensions are sp.by, in order */
    t->upl = c->sp.upl;
    t->lpl = c->sp.lpl;
    t->upl_pct = c->sp.upl_pct;
    t->lpl_pct = c->sp.lpl_pct;
    t->method = c->sp.method;
    t->acct = *ds;
    t->acct.counted = c->counted;
    t->acct.filtered = c->filtered;
    table_protect_primary(t);
    if ((st = table_group_rule(t, err)) != OC_OK)
        goto out;
    *out = t;
    t = NULL;
    goto out;
nomem:
    st = oc_error_set(err, OC_ENOMEM, "out of memory");
out:
    for (i = 0; i < nd; i++)
        outdim_fini(&od[i]);
    table_free(t);
    return st;
}

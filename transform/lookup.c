/* lookup.c - see lookup.h. */
#define _POSIX_C_SOURCE 200809L
#include "lookup.h"

#include <string.h>

#include "oc_mem.h"
#include "oc_source.h"

struct lk_table {
    char     *arena;     /* rows: each field (key first, then the kept columns) as its
                          * length (one byte below 255, else 255 and 4 bytes) and its
                          * bytes; OC_ROW_PAD zeros at the end */
    size_t    alen, acap;
    uint32_t *rec;       /* arena offset of each row; grouped by key, file order within */
    size_t    nrows, rcap;
    size_t    ncols;
    int       unique;
    uint64_t *slot;      /* open addressing: hash tag << 32 | value, 0 empty; value is
                          * group + 1 while loading, then (unique) the row's arena
                          * offset + 1 or (not unique) group + 1 */
    size_t    mask;
    size_t    ngroups;
    uint32_t *gstart;    /* group g is rec[gstart[g] .. gstart[g+1]); NULL when unique */
};

struct load_ctx {
    lk_table          *t;
    const char        *path;
    const char        *key;
    const char *const *cols;
    int                header_done;
    size_t             nfields;
    int                kidx;
    int               *cidx;      /* ncols */
    uint32_t          *gfirst;    /* not unique: arena offset of each group's first row */
    uint32_t          *row_group; /* not unique: each row's group */
    uint32_t          *lines;     /* each row's line, for messages */
    size_t             lcap;
};

static oc_status nomem(oc_error *err) { return oc_error_set(err, OC_ENOMEM, "out of memory"); }

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 1024;
    void *q;
    if (need <= *cap)
        return 0;
    while (n < need)
        n *= 2;
    q = oc_realloc(*p, n * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

/* The field stored at p: its bytes, and its length in *len. */
static const char *field_at(const char *p, size_t *len)
{
    uint32_t n;
    if ((unsigned char)*p < 255) {
        *len = (unsigned char)*p;
        return p + 1;
    }
    memcpy(&n, p + 1, sizeof n);
    *len = n;
    return p + 5;
}

/* Is the key of the row at off (k, len)?  The arena ends with OC_ROW_PAD
 * bytes and a record's field has them, so keys of up to 16 bytes are
 * compared a word at a time, within the 33 bytes lk_prefetch_row loads
 * (memcmp may load 32 bytes, reaching into a line it did not). */
static inline int key_eq(const lk_table *t, uint32_t off, const char *k, size_t len)
{
    size_t n;
    const char *p = field_at(t->arena + off, &n);
    return n == len && oc_eq_padded(p, k, len);
}

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

#define TAG(h) ((h) >> 32 | 1)   /* never 0, so a used slot is never 0 */

/* While loading: the arena offset of group g's first row (unique keys:
 * groups are rows). */
static uint32_t group_off(const lk_table *t, const struct load_ctx *c, size_t g)
{
    return t->unique ? t->rec[g] : c->gfirst[g];
}

/* While loading: finds the slot holding key k, or the empty slot where it
 * would go. */
static size_t probe(const lk_table *t, const struct load_ctx *c, const char *k, size_t len, uint64_t h)
{
    size_t i = (size_t)h & t->mask;
    for (;;) {
        uint64_t s = t->slot[i];
        if (s == 0 || ((s >> 32) == TAG(h) && key_eq(t, group_off(t, c, (uint32_t)s - 1), k, len)))
            return i;
        i = (i + 1) & t->mask;
    }
}

static oc_status on_row(void *vc, const oc_row *row, oc_error *err)
{
    struct load_ctx *c = vc;
    lk_table *t = c->t;
    size_t i, need;
    uint32_t off;
    if (!c->header_done) {
        c->header_done = 1;
        c->nfields = row->nfields;
        c->kidx = -1;
        for (i = 0; i <= t->ncols; i++) {
            const char *name = i == 0 ? c->key : c->cols[i - 1];
            size_t f, n = strlen(name);
            int at = -1;
            for (f = 0; f < row->nfields; f++)
                if (row->fields[f].len == n && memcmp(row->fields[f].ptr, name, n) == 0) {
                    at = (int)f;
                    break;
                }
            if (at < 0) {
                oc_error_at(err, c->path, row->line, 0);
                return oc_error_set(err, OC_ECONFIG, "the lookup file has no column '%s'", name);
            }
            if (i == 0)
                c->kidx = at;
            else
                c->cidx[i - 1] = at;
        }
        return OC_OK;
    }
    if (row->nfields != c->nfields) {
        oc_error_at(err, c->path, row->line, 0);
        return oc_error_set(err, OC_ECONFIG, "expected %zu fields, got %zu", c->nfields, row->nfields);
    }
    need = 0;
    for (i = 0; i <= t->ncols; i++) {
        const oc_field *f = &row->fields[i == 0 ? c->kidx : c->cidx[i - 1]];
        need += f->len + (f->len < 255 ? 1 : 5);
    }
    if (t->alen + need + OC_ROW_PAD > UINT32_MAX) {
        oc_error_at(err, c->path, row->line, 0);
        return oc_error_set(err, OC_ECONFIG, "lookup file too large (more than 4 GiB kept in memory)");
    }
    if (grow((void **)&t->arena, &t->acap, t->alen + need + OC_ROW_PAD, 1) != 0 ||
        grow((void **)&t->rec, &t->rcap, t->nrows + 1, sizeof *t->rec) != 0)
        return nomem(err);
    off = (uint32_t)t->alen;
    for (i = 0; i <= t->ncols; i++) {
        const oc_field *f = &row->fields[i == 0 ? c->kidx : c->cidx[i - 1]];
        uint32_t n = (uint32_t)f->len;   /* fields are bounded by the reader (max_field) */
        if (n < 255) {
            t->arena[t->alen++] = (char)n;
        } else {
            t->arena[t->alen++] = (char)255;
            memcpy(t->arena + t->alen, &n, sizeof n);
            t->alen += sizeof n;
        }
        memcpy(t->arena + t->alen, f->ptr, f->len);
        t->alen += f->len;
    }
    if (grow((void **)&c->lines, &c->lcap, t->nrows + 1, sizeof *c->lines) != 0)
        return nomem(err);
    c->lines[t->nrows] = row->line > UINT32_MAX ? UINT32_MAX : (uint32_t)row->line;
    t->rec[t->nrows++] = off;
    return OC_OK;
}

#define RING 16   /* rows whose slots are being fetched while one is inserted */

/* Once every row is in: the index, sized once, filled with the slots of
 * the next rows already on their way. */
static oc_status index_rows(lk_table *t, struct load_ctx *c, oc_error *err)
{
    size_t n = 1024, r;
    uint64_t ring[RING];
    while (n < t->nrows * 2)
        n *= 2;
    t->slot = oc_calloc(n, sizeof *t->slot);
    t->mask = n - 1;
    if (!t->slot)
        return nomem(err);
    if (!t->unique && (!(c->gfirst = oc_malloc((t->nrows ? t->nrows : 1) * sizeof *c->gfirst)) ||
                       !(c->row_group = oc_malloc((t->nrows ? t->nrows : 1) * sizeof *c->row_group))))
        return nomem(err);
    for (r = 0; r < t->nrows + RING; r++) {
        size_t len, sl, q = r - RING;   /* insert row q, then start row r's slot */
        const char *k;
        uint64_t h;
        if (r >= RING) {
            k = field_at(t->arena + t->rec[q], &len);
            h = ring[q % RING];
            sl = probe(t, c, k, len, h);
            if (t->slot[sl] == 0) {
                if (!t->unique)
                    c->gfirst[t->ngroups] = t->rec[q];
                t->slot[sl] = TAG(h) << 32 | ++t->ngroups;
            } else if (t->unique) {
                char shown[64];
                size_t m = len < 40 ? len : 40;
                memcpy(shown, k, m);
                shown[m] = '\0';
                oc_error_at(err, c->path, c->lines[q], 0);
                oc_error_column(err, c->key);
                return oc_error_set(err, OC_ECONFIG,
                                    "key '%s%s' appears more than once (declare match: each or principal)", shown,
                                    len > m ? "..." : "");
            }
            if (!t->unique)
                c->row_group[q] = (uint32_t)t->slot[sl] - 1;
        }
        if (r < t->nrows) {
            k = field_at(t->arena + t->rec[r], &len);
            ring[r % RING] = oc_hash_bytes(k, len);
            PREFETCH(&t->slot[(size_t)ring[r % RING] & t->mask]);
        }
    }
    return OC_OK;
}

/* Groups the rows by key (a stable counting sort: file order within). */
static oc_status group_rows(lk_table *t, const struct load_ctx *c, oc_error *err)
{
    size_t g, r;
    uint32_t *sorted, *pos;
    if (t->unique) {   /* a slot leads straight to its row: one cache miss less */
        for (g = 0; g <= t->mask; g++)
            if (t->slot[g])
                t->slot[g] = (t->slot[g] & ~(uint64_t)UINT32_MAX) | ((uint64_t)t->rec[(uint32_t)t->slot[g] - 1] + 1);
        return OC_OK;
    }
    t->gstart = oc_calloc(t->ngroups + 1, sizeof *t->gstart);
    sorted = oc_malloc((t->nrows ? t->nrows : 1) * sizeof *sorted);
    pos = oc_malloc((t->ngroups + 1) * sizeof *pos);
    if (!t->gstart || !sorted || !pos) {
        oc_free(sorted);
        oc_free(pos);
        return nomem(err);
    }
    for (r = 0; r < t->nrows; r++)
        t->gstart[c->row_group[r] + 1]++;
    for (g = 0; g < t->ngroups; g++)
        t->gstart[g + 1] += t->gstart[g];
    memcpy(pos, t->gstart, (t->ngroups + 1) * sizeof *pos);
    for (r = 0; r < t->nrows; r++)
        sorted[pos[c->row_group[r]]++] = t->rec[r];
    oc_free(pos);
    oc_free(t->rec);
    t->rec = sorted;
    t->rcap = t->nrows;
    return OC_OK;
}

oc_status lk_load(const char *path, const char *key, const char *const *cols, size_t ncols, int unique,
                  const csvr_options *opt, lk_table **out, char sha_hex[OC_SHA256_HEX], oc_error *err)
{
    struct load_ctx c;
    lk_table *t;
    oc_source *src = NULL;
    csvr *r = NULL;
    oc_status st;
    *out = NULL;
    memset(&c, 0, sizeof c);
    t = oc_calloc(1, sizeof *t);
    c.cidx = oc_calloc(ncols ? ncols : 1, sizeof *c.cidx);
    if (!t || !c.cidx) {
        oc_free(t);
        oc_free(c.cidx);
        return nomem(err);
    }
    t->ncols = ncols;
    t->unique = unique;
    c.t = t;
    c.path = path;
    c.key = key;
    c.cols = cols;
    st = src_open(path, OC_SRC_HASH, &src, err);
    if (st == OC_OK && !(r = csvr_new(opt, path, on_row, &c)))
        st = nomem(err);
    if (st == OC_OK)
        st = csvr_read_source(r, src, err);
    if (st == OC_OK && !c.header_done) {
        oc_error_at(err, path, 0, 0);
        st = oc_error_set(err, OC_ECONFIG, "empty lookup file: a header line is required");
    }
    if (st == OC_OK)
        src_sha256(src, sha_hex);
    if (st == OC_OK)
        st = index_rows(t, &c, err);
    if (st == OC_OK)
        st = group_rows(t, &c, err);
    if (st == OC_OK && grow((void **)&t->arena, &t->acap, t->alen + OC_ROW_PAD, 1) != 0)
        st = nomem(err);
    if (st == OC_OK)
        memset(t->arena + t->alen, 0, OC_ROW_PAD);
    if (st == OC_EDATA || st == OC_EIO)   /* a file the configuration names */
        err->code = st = OC_ECONFIG;
    csvr_free(r);
    src_close(src);
    oc_free(c.cidx);
    oc_free(c.gfirst);
    oc_free(c.row_group);
    oc_free(c.lines);
    if (st != OC_OK) {
        lk_free(t);
        return st;
    }
    *out = t;
    return OC_OK;
}

void lk_free(lk_table *t)
{
    if (!t)
        return;
    oc_free(t->arena);
    oc_free(t->rec);
    oc_free(t->slot);
    oc_free(t->gstart);
    oc_free(t);
}

uint64_t lk_hash(const char *k, size_t len) { return oc_hash_bytes(k, len); }
uint64_t lk_hash_padded(const char *k, size_t len) { return oc_hash_padded(k, len); }

void lk_prefetch_slot(const lk_table *t, uint64_t h) { PREFETCH(&t->slot[(size_t)h & t->mask]); }

size_t lk_find_hashed(const lk_table *t, const char *k, size_t len, uint64_t h, uint32_t *first)
{
    size_t i = (size_t)h & t->mask;
    uint64_t tag = TAG(h);
    for (;;) {
        uint64_t s = t->slot[i];
        uint32_t v = (uint32_t)s;
        if (s == 0)
            return 0;
        if ((s >> 32) == tag) {
            if (t->unique) {
                if (key_eq(t, v - 1, k, len)) {
                    *first = v - 1;   /* the row's handle is its arena offset */
                    return 1;
                }
            } else if (key_eq(t, t->rec[t->gstart[v - 1]], k, len)) {
                *first = t->gstart[v - 1];
                return t->gstart[v] - t->gstart[v - 1];
            }
        }
        i = (i + 1) & t->mask;
    }
}

size_t lk_find_tag(const lk_table *t, uint64_t h, uint32_t *first)
{
    size_t i = (size_t)h & t->mask;
    uint64_t s, tag = TAG(h);
    while ((s = t->slot[i]) != 0 && (s >> 32) != tag)
        i = (i + 1) & t->mask;
    if (s == 0)
        return 0;
    if (t->unique) {
        *first = (uint32_t)s - 1;
        return 1;
    }
    *first = t->gstart[(uint32_t)s - 1];
    return t->gstart[(uint32_t)s] - t->gstart[(uint32_t)s - 1];
}

size_t lk_find(const lk_table *t, const char *k, size_t len, uint32_t *first)
{
    return lk_find_hashed(t, k, len, oc_hash_padded(k, len), first);   /* keys are fields: padded */
}

oc_field lk_field(const lk_table *t, uint32_t r, size_t c)
{
    oc_field f;
    const char *p = t->arena + (t->unique ? r : t->rec[r]);
    size_t i;
    for (i = 0; i <= c; i++) {
        p = field_at(p, &f.len);
        p += f.len;
    }
    f.ptr = field_at(p, &f.len);
    return f;
}

int lk_has_key(const lk_table *t, uint32_t r, const char *k, size_t len)
{
    return key_eq(t, t->unique ? r : t->rec[r], k, len);
}

void lk_prefetch_row(const lk_table *t, uint32_t r)
{
    if (t->unique) {   /* a row of up to 33 bytes, wherever it starts in a cache line */
        PREFETCH(t->arena + r);
        PREFETCH(t->arena + r + 32);
    } else
        PREFETCH(&t->rec[r]);
}

size_t lk_nrows(const lk_table *t) { return t->nrows; }
uint32_t lk_row(const lk_table *t, size_t i) { return t->unique ? t->rec[i] : (uint32_t)i; }
size_t lk_nkeys(const lk_table *t) { return t->ngroups; }

size_t lk_mem_bytes(const lk_table *t)
{
    return t->acap + t->rcap * sizeof *t->rec + (t->mask + 1) * sizeof *t->slot +
           (t->gstart ? (t->ngroups + 1) * sizeof *t->gstart : 0);
}

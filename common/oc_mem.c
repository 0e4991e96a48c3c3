/* oc_mem.c - see oc_mem.h. */
#define _POSIX_C_SOURCE 200809L
#include "oc_mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long fail_countdown; /* 0 = off */

void oc_mem_fail_after(unsigned long n) { fail_countdown = n; }

static int should_fail(void)
{
    if (fail_countdown == 0)
        return 0;
    if (--fail_countdown == 0)
        return 1;
    return 0;
}

void *oc_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *oc_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *oc_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void oc_free(void *p) { free(p); }

char *oc_strndup(const char *s, size_t n)
{
    char *d = oc_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *oc_strdup(const char *s) { return oc_strndup(s, strlen(s)); }

void oc_buf_init(oc_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->limit = limit ? limit : SIZE_MAX / 2;
}

void oc_buf_fini(oc_buf *b)
{
    oc_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

oc_status oc_buf_append(oc_buf *b, const void *p, size_t n)
{
    if (n > b->limit - b->len)
        return OC_EDATA;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        char *d;
        while (cap < b->len + n + 1)
            cap *= 2;
        d = oc_realloc(b->data, cap);
        if (!d)
            return OC_ENOMEM;
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return OC_OK;
}

oc_status oc_buf_printf(oc_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int w;
    va_start(ap, fmt);
    w = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (w < 0)
        return OC_EDATA;
    if ((size_t)w < sizeof tmp)
        return oc_buf_append(b, tmp, (size_t)w);
    {
        char *big = oc_malloc((size_t)w + 1);
        oc_status st;
        if (!big)
            return OC_ENOMEM;
        va_start(ap, fmt);
        vsnprintf(big, (size_t)w + 1, fmt, ap);
        va_end(ap);
        st = oc_buf_append(b, big, (size_t)w);
        oc_free(big);
        return st;
    }
}

/* The hash state after the whole 8-byte words of (*s, *n), which are
 * left at the rest. */
static uint64_t hash_words(const unsigned char **s, size_t *n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL * ((uint64_t)*n + 1), v;
    while (*n >= 8) {
        memcpy(&v, *s, 8);
        h = oc_hash_u64(h ^ v);
        *s += 8;
        *n -= 8;
    }
    return h;
}

uint64_t oc_hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = hash_words(&s, &n), v = 0;
    size_t i;
    for (i = 0; i < n; i++)            /* short tails: cheaper than memcpy(n) */
        v |= (uint64_t)s[i] << (8 * i);
    return oc_hash_u64(h ^ v);
}

uint64_t oc_hash_padded(const void *p, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return oc_hash_bytes(p, n);   /* the tail's value is little-endian */
#else
    const unsigned char *s = p;
    uint64_t h = hash_words(&s, &n), v;
    if (n == 0)
        return oc_hash_u64(h);
    memcpy(&v, s, 8);
    v &= ((uint64_t)1 << (8 * n)) - 1;   /* the first n bytes, as oc_hash_bytes reads them */
    return oc_hash_u64(h ^ v);
#endif
}

/* ---- string map: open addressing; each slot keeps the hash, the length
 * and the first 8 key bytes, so short keys (codes are short) are compared
 * without touching the entry array. ---- */

struct strent {
    char    *key;   /* owned */
    size_t   len;
    uint32_t val;
};

struct strslot {
    uint64_t head;  /* first 8 key bytes, zero-padded */
    uint32_t len;
    uint32_t idx;   /* 0 = empty, else entry index + 1 */
    uint32_t val;   /* copy of the entry's value: a hit needs no second load */
};

struct oc_strmap {
    struct strent  *ents;   /* insertion order */
    size_t          n, cap;
    struct strslot *slots;
    size_t          nslots; /* power of two */
    unsigned        shift;  /* 64 - log2(nslots): slots are indexed by a hash's top bits */
};

static inline uint64_t key_head(const char *k, size_t len)
{
    uint64_t v = 0;
    size_t i, m = len < 8 ? len : 8;
    for (i = 0; i < m; i++)
        v |= (uint64_t)(unsigned char)k[i] << (8 * i);
    return v;
}

/* Short keys: one multiply (Fibonacci hashing; the table uses the top
 * bits, which depend on every key byte).  Long keys: the full mix. */
static inline uint64_t key_hash(const char *k, size_t len, uint64_t head)
{
    return len <= 8 ? (head ^ ((uint64_t)len << 58)) * 0x9E3779B97F4A7C15ULL : oc_hash_bytes(k, len);
}

oc_strmap *oc_strmap_new(void)
{
    oc_strmap *m = oc_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->nslots = 16;
    m->shift = 64 - 4;
    m->slots = oc_calloc(m->nslots, sizeof *m->slots);
    if (!m->slots) {
        oc_free(m);
        return NULL;
    }
    return m;
}

void oc_strmap_free(oc_strmap *m)
{
    size_t i;
    if (!m)
        return;
    for (i = 0; i < m->n; i++)
        oc_free(m->ents[i].key);
    oc_free(m->ents);
    oc_free(m->slots);
    oc_free(m);
}

/* Slot index holding k, or of the empty slot where it would go. */
static inline size_t find_slot(const oc_strmap *m, const char *k, size_t len, uint64_t head, uint64_t h)
{
    size_t mask = m->nslots - 1, i = (size_t)(h >> m->shift);
    for (;;) {
        const struct strslot *sl = &m->slots[i];
        if (sl->idx == 0)
            return i;
        if (sl->head == head && sl->len == len &&
            (len <= 8 || memcmp(m->ents[sl->idx - 1].key + 8, k + 8, len - 8) == 0))
            return i;
        i = (i + 1) & mask;
    }
}

int oc_strmap_get(const oc_strmap *m, const char *k, size_t len, uint32_t *val)
{
    uint64_t head = key_head(k, len);
    const struct strslot *sl = &m->slots[find_slot(m, k, len, head, key_hash(k, len, head))];
    if (sl->idx == 0)
        return 0;
    *val = sl->val;
    return 1;
}

int oc_strmap_get_padded(const oc_strmap *m, const char *k, size_t len, uint32_t *val)
{
    uint64_t head;
    const struct strslot *sl;
    memcpy(&head, k, 8);
    if (len < 8)
        head &= (1ULL << (8 * len)) - 1;   /* little-endian: keep the first len bytes */
    sl = &m->slots[find_slot(m, k, len, head, key_hash(k, len, head))];
    if (sl->idx == 0)
        return 0;
    *val = sl->val;
    return 1;
}

static oc_status grow_slots(oc_strmap *m)
{
    size_t ns = m->nslots * 2, i;
    unsigned shift = m->shift - 1;
    struct strslot *slots = oc_calloc(ns, sizeof *slots);
    if (!slots)
        return OC_ENOMEM;
    for (i = 0; i < m->n; i++) {
        const struct strent *e = &m->ents[i];
        uint64_t head = key_head(e->key, e->len);
        size_t j = (size_t)(key_hash(e->key, e->len, head) >> shift);
        while (slots[j].idx)
            j = (j + 1) & (ns - 1);
        slots[j].head = head;
        slots[j].len = (uint32_t)e->len;
        slots[j].idx = (uint32_t)(i + 1);
        slots[j].val = e->val;
    }
    oc_free(m->slots);
    m->slots = slots;
    m->nslots = ns;
    m->shift = shift;
    return OC_OK;
}

oc_status oc_strmap_put(oc_strmap *m, const char *k, size_t len, uint32_t val, int *existed)
{
    uint64_t head = key_head(k, len);
    size_t i;
    struct strent *e;
    if (existed)
        *existed = 0;
    if (len > UINT32_MAX)
        return OC_EDATA;
    i = find_slot(m, k, len, head, key_hash(k, len, head));
    if (m->slots[i].idx) {
        if (existed)
            *existed = 1;
        return OC_OK;
    }
    if (m->n >= UINT32_MAX - 1)
        return OC_EDATA;
    if ((m->n + 1) * 2 > m->nslots) {
        if (grow_slots(m) != OC_OK)
            return OC_ENOMEM;
        i = find_slot(m, k, len, head, key_hash(k, len, head));
    }
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 16;
        struct strent *ne = oc_realloc(m->ents, nc * sizeof *ne);
        if (!ne)
            return OC_ENOMEM;
        m->ents = ne;
        m->cap = nc;
    }
    e = &m->ents[m->n];
    e->key = oc_strndup(k, len);
    if (!e->key)
        return OC_ENOMEM;
    e->len = len;
    e->val = val;
    m->slots[i].head = head;
    m->slots[i].len = (uint32_t)len;
    m->slots[i].idx = (uint32_t)(m->n + 1);
    m->slots[i].val = val;
    m->n++;
    return OC_OK;
}

size_t oc_strmap_count(const oc_strmap *m) { return m->n; }

const char *oc_strmap_key(const oc_strmap *m, size_t i, size_t *len)
{
    if (len)
        *len = m->ents[i].len;
    return m->ents[i].key;
}


int oc_parse_i64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    uint64_t v = 0, lim;
    if (n == 0)
        return -1;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
        if (n == 1)
            return -1;
    }
    if (n - i <= 18) {   /* cannot overflow: no range check per digit */
        for (; i < n; i++) {
            unsigned d = (unsigned)((unsigned char)s[i] - '0');
            if (d > 9)
                return -1;
            v = v * 10 + d;
        }
        *out = neg ? -(int64_t)v : (int64_t)v;
        return 0;
    }
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        unsigned d = (unsigned)((unsigned char)s[i] - '0');
        if (d > 9)
            return -1;
        if (v > (lim - d) / 10) {
            /* keep scanning so "12x99999999999999999999" is "not a number" */
            for (i++; i < n; i++)
                if ((unsigned)((unsigned char)s[i] - '0') > 9)
                    return -1;
            return -2;
        }
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

oc_status oc_read_file(const char *path, size_t limit, char **buf, size_t *len, oc_error *err)
{
    FILE *f = fopen(path, "rb");
    oc_buf b;
    char tmp[8192];
    size_t n;
    *buf = NULL;
    *len = 0;
    if (!f) {
        oc_error_at(err, path, 0, 0);
        return oc_error_sys(err, "cannot open");
    }
    oc_buf_init(&b, limit);
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        oc_status st = oc_buf_append(&b, tmp, n);
        if (st != OC_OK) {
            fclose(f);
            oc_buf_fini(&b);
            oc_error_at(err, path, 0, 0);
            if (st == OC_ENOMEM)
                return oc_error_set(err, OC_ENOMEM, "out of memory");
            return oc_error_set(err, OC_ECONFIG, "file larger than %zu bytes", limit);
        }
    }
    if (ferror(f)) {
        errno = EIO;
        fclose(f);
        oc_buf_fini(&b);
        oc_error_at(err, path, 0, 0);
        return oc_error_sys(err, "read error");
    }
    fclose(f);
    if (oc_buf_append(&b, "", 0) != OC_OK) {
        oc_buf_fini(&b);
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    }
    *buf = b.data;
    *len = b.len;
    return OC_OK;
}

char *oc_path_join_dir(const char *base_file, const char *rel)
{
    const char *slash;
    size_t dl;
    char *out;
    if (rel[0] == '/' || !base_file)
        return oc_strdup(rel);
    slash = strrchr(base_file, '/');
    if (!slash)
        return oc_strdup(rel);
    dl = (size_t)(slash - base_file) + 1;
    out = oc_malloc(dl + strlen(rel) + 1);
    if (!out)
        return NULL;
    memcpy(out, base_file, dl);
    strcpy(out + dl, rel);
    return out;
}

oc_status oc_csv_str(oc_buf *b, const char *s)
{
    oc_status st;
    if (strpbrk(s, ",\"\r\n") == NULL)
        return oc_buf_append(b, s, strlen(s));
    st = oc_buf_append(b, "\"", 1);
    for (; *s && st == OC_OK; s++)
        st = *s == '"' ? oc_buf_append(b, "\"\"", 2) : oc_buf_append(b, s, 1);
    if (st == OC_OK)
        st = oc_buf_append(b, "\"", 1);
    return st;
}

int oc_csv_field(const char **p, char *out, size_t cap)
{
    const char *q = *p;
    size_t n = 0;
    int quoted = 0;
    if (!*q)
        return 0;
    for (;; q++) {
        if (!*q || (!quoted && (*q == ',' || *q == '\n'))) {
            int more = *q == ',';
            out[n] = '\0';
            *p = *q ? q + 1 : q;
            return more ? 2 : 1;
        }
        if (*q == '"' && quoted && q[1] == '"')
            q++;
        else if (*q == '"') {
            quoted = !quoted;
            continue;
        }
        if (*q == '\r' && !quoted && (q[1] == '\n' || !q[1]))
            continue;
        if (n + 1 < cap)
            out[n++] = *q;
    }
}

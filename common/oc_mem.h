/*
 * oc_mem.h - allocation, buffers, string maps and small utilities shared by
 * every stage.
 *
 * All library allocations go through oc_malloc/oc_calloc/oc_realloc so a
 * test can make the Nth one fail (oc_mem_fail_after) and check that every
 * caller returns OC_ENOMEM cleanly.  Destructors accept NULL.
 */
#ifndef OC_MEM_H
#define OC_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "oc_error.h"

void *oc_malloc(size_t n);                 /* NULL on failure */
void *oc_calloc(size_t n, size_t size);    /* NULL on failure or overflow */
void *oc_realloc(void *p, size_t n);       /* NULL on failure; p untouched */
void  oc_free(void *p);                    /* accepts NULL */
char *oc_strndup(const char *s, size_t n); /* owned, NUL-terminated */
char *oc_strdup(const char *s);

/* Test hook: the n-th allocation from now fails (n >= 1); 0 disables. */
void oc_mem_fail_after(unsigned long n);

/* Growable byte buffer with a hard limit (curl's dynbuf "toobig").
 * data is always NUL-terminated after a successful append. */
typedef struct oc_buf {
    char  *data;   /* owned */
    size_t len;
    size_t cap;
    size_t limit;  /* maximum len; 0 = SIZE_MAX/2 */
} oc_buf;

void oc_buf_init(oc_buf *b, size_t limit);
void oc_buf_fini(oc_buf *b);                       /* frees; reusable after init */
/* OC_ELIMIT-style failures are reported as OC_EDATA with no message; the
 * caller adds context.  Returns OC_OK, OC_ENOMEM or OC_EDATA (over limit). */
OC_NODISCARD oc_status oc_buf_append(oc_buf *b, const void *p, size_t n);
OC_NODISCARD oc_status oc_buf_printf(oc_buf *b, const char *fmt, ...) OC_PRINTF(2, 3);
static inline void oc_buf_reset(oc_buf *b) { b->len = 0; if (b->data) b->data[0] = '\0'; }

/* Are a[0..len) and b[0..len) equal?  Both must have 8 readable bytes
 * past len (OC_ROW_PAD after a field); up to 16 bytes are compared a word
 * at a time, whatever those bytes hold, and no load goes further than 16
 * bytes from a or b. */
static inline int oc_eq_padded(const char *a, const char *b, size_t len)
{
    uint64_t x, y, mask;
    if (len > 16)
        return memcmp(a, b, len) == 0;
    if (len > 8) {
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return 0;
        a += 8;
        b += 8;
        len -= 8;
    }
    if (len == 0)
        return 1;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    mask = UINT64_MAX << (8 * (8 - len));   /* the first len bytes */
#else
    mask = len == 8 ? UINT64_MAX : (((uint64_t)1 << (8 * len)) - 1);
#endif
    return ((x ^ y) & mask) == 0;
}

/* Fast non-cryptographic hash of a byte string (deterministic). */
uint64_t oc_hash_bytes(const void *p, size_t n);
/* The same value for p[0..n) when 8 bytes past n are readable (OC_ROW_PAD
 * after a field), without a byte loop for the last bytes. */
uint64_t oc_hash_padded(const void *p, size_t n);
static inline uint64_t oc_hash_u64(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* String -> uint32 map with owned copies of the keys.  Lookups never
 * allocate.  Insertion order is kept: oc_strmap_key(m, i) for i < count. */
typedef struct oc_strmap oc_strmap;
oc_strmap  *oc_strmap_new(void);                  /* NULL when out of memory */
void        oc_strmap_free(oc_strmap *m);         /* accepts NULL */
/* 1 and *val set if found, else 0. */
int         oc_strmap_get(const oc_strmap *m, const char *k, size_t len, uint32_t *val);
/* Same as oc_strmap_get, for keys followed by at least 8 readable bytes
 * (the CSV reader guarantees this for fields): loads them in one go. */
int         oc_strmap_get_padded(const oc_strmap *m, const char *k, size_t len, uint32_t *val);
/* Adds k -> val; if k exists its value is left alone and *existed = 1. */
OC_NODISCARD oc_status oc_strmap_put(oc_strmap *m, const char *k, size_t len, uint32_t val, int *existed);
size_t      oc_strmap_count(const oc_strmap *m);
const char *oc_strmap_key(const oc_strmap *m, size_t i, size_t *len);   /* borrowed */

/* Strict decimal integer: optional sign, digits only, no spaces.
 * Returns 0 on success, -1 if not an integer, -2 if out of int64 range. */
int oc_parse_i64(const char *s, size_t n, int64_t *out);

/* Read a whole (small) file; *buf owned, NUL-terminated.  limit in bytes. */
OC_NODISCARD oc_status oc_read_file(const char *path, size_t limit, char **buf, size_t *len, oc_error *err);

/* Join dir(base) and rel unless rel is absolute; owned. */
char *oc_path_join_dir(const char *base_file, const char *rel);

/* One CSV field into a buffer, quoted (RFC 4180) only when it holds a
 * comma, a quote or a line break. */
OC_NODISCARD oc_status oc_csv_str(oc_buf *b, const char *s);

/* Reads one field of CSV text (RFC 4180 quotes) at *p into out (cut at
 * cap - 1 bytes, NUL-terminated) and moves *p past it and its delimiter.
 * Returns 0 at the end of the text (nothing read), 1 for a field that
 * ends its line (or the text), 2 for one followed by another. */
int oc_csv_field(const char **p, char *out, size_t cap);

#endif

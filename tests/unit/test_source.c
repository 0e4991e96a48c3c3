/* Unit tests for ingest/oc_source: plain, gzip (by magic bytes),
 * concatenated members, truncated and corrupt streams, missing files. */
#include "test_util.h"

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <zlib.h>

#include "oc_source.h"

static size_t gz(const char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    deflateEnd(&z);
    return cap - z.avail_out;
}

static oc_status read_all(const char *path, char *out, size_t cap, size_t *len, oc_error *err)
{
    oc_source *s;
    oc_status st;
    size_t n;
    *len = 0;
    oc_error_clear(err);
    st = src_open(path, OC_SRC_HASH, &s, err);
    if (st != OC_OK)
        return st;
    do {
        st = src_read(s, out + *len, cap - *len > 3 ? 3 : cap - *len, &n, err);   /* tiny reads */
        *len += n;
    } while (st == OC_OK && n > 0 && *len < cap);
    src_close(s);
    return st;
}

static const char text[] = "sex,age\nM,34\nF,\n\"X\",7\n";

Test(source, gzip_detected_by_magic_and_equal_to_plain)
{
    char *dir = tu_tmpdir(), out[256];
    unsigned char z[512];
    size_t zn = gz(text, strlen(text), z, sizeof z), len;
    char *plain = tu_write_str(dir, "a.csv", text);
    char *gzp = tu_write(dir, "looks-plain.csv", z, zn);   /* the name does not matter */
    oc_error err;
    cr_assert_eq(read_all(plain, out, sizeof out, &len, &err), OC_OK);
    cr_assert_eq(len, strlen(text));
    cr_assert_eq(memcmp(out, text, len), 0);
    cr_assert_eq(read_all(gzp, out, sizeof out, &len, &err), OC_OK);
    cr_assert_eq(len, strlen(text));
    cr_assert_eq(memcmp(out, text, len), 0);
    free(plain);
    free(gzp);
    tu_rmdir(dir);
}

Test(source, concatenated_members_are_one_stream)
{
    char *dir = tu_tmpdir(), out[256], *p;
    unsigned char z[1024];
    size_t n1 = gz("a,b\n1,", 6, z, sizeof z), len;
    size_t n2 = gz("2\n3,4\n", 6, z + n1, sizeof z - n1);
    oc_error err;
    p = tu_write(dir, "cat.gz", z, n1 + n2);
    cr_assert_eq(read_all(p, out, sizeof out, &len, &err), OC_OK);
    cr_assert_eq(len, 12);
    cr_assert_eq(memcmp(out, "a,b\n1,2\n3,4\n", 12), 0);
    free(p);
    tu_rmdir(dir);
}

Test(source, truncated_gzip_names_the_byte_offset)
{
    char *dir = tu_tmpdir(), out[256], *p, want[64];
    unsigned char z[512];
    size_t zn = gz(text, strlen(text), z, sizeof z), len;
    oc_error err;
    p = tu_write(dir, "cut.gz", z, zn - 5);
    cr_assert_eq(read_all(p, out, sizeof out, &len, &err), OC_EDATA);
    snprintf(want, sizeof want, "truncated gzip stream at byte %zu", zn - 5);
    cr_assert_str_eq(err.msg, want);
    cr_assert_str_eq(err.path, p);
    free(p);
    tu_rmdir(dir);
}

Test(source, garbage_after_member_and_corrupt_data_are_errors)
{
    char *dir = tu_tmpdir(), out[256], *p;
    unsigned char z[512];
    size_t zn = gz(text, strlen(text), z, sizeof z), len;
    oc_error err;
    memcpy(z + zn, "junk", 4);
    p = tu_write(dir, "junk.gz", z, zn + 4);
    cr_assert_eq(read_all(p, out, sizeof out, &len, &err), OC_EDATA);
    cr_assert(strstr(err.msg, "unexpected data after gzip member") != NULL, "%s", err.msg);
    free(p);
    zn = gz(text, strlen(text), z, sizeof z);
    z[12] ^= 0xff;
    z[13] ^= 0xff;
    p = tu_write(dir, "bad.gz", z, zn);
    cr_assert_eq(read_all(p, out, sizeof out, &len, &err), OC_EDATA);
    free(p);
    tu_rmdir(dir);
}

Test(source, missing_file_is_a_system_error)
{
    oc_error err;
    char out[16];
    size_t len;
    cr_assert_eq(read_all("/nonexistent/ocstat.csv", out, sizeof out, &len, &err), OC_EIO);
    cr_assert_str_eq(err.path, "/nonexistent/ocstat.csv");
    cr_assert(strstr(err.msg, "cannot open") != NULL);
}

Test(source, sha256_of_raw_bytes)
{
    char *dir = tu_tmpdir(), buf[64], hex[OC_SHA256_HEX], *p;
    oc_source *s;
    oc_error err;
    size_t n;
    p = tu_write_str(dir, "abc", "abc");
    oc_error_clear(&err);
    cr_assert_eq(src_open(p, OC_SRC_HASH, &s, &err), OC_OK);
    while (src_read(s, buf, sizeof buf, &n, &err) == OC_OK && n > 0)
        ;
    src_sha256(s, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    src_close(s);
    free(p);
    tu_rmdir(dir);
}

/* A watcher sees every decoded byte once, in order and at its offset,
 * before the reader gets it, with 64 readable bytes after each piece, and
 * the end once (n == 0); plain and gzip, several blocks. */
typedef struct watched {
    char         *seen;
    atomic_size_t len;      /* the reader reads it while the source's thread writes it */
    size_t        cap, ends, bad;
    uint64_t      end_off;
} watched;

static void watch(void *ctx, const char *p, size_t n, uint64_t off)
{
    watched *w = ctx;
    volatile char sink = 0;
    size_t i;
    size_t len = atomic_load(&w->len);
    if (off != len || w->ends)
        w->bad++;
    if (n == 0) {
        w->ends++;
        w->end_off = off;
        return;
    }
    for (i = 0; i < 64; i++)   /* readable (ASan would tell) */
        sink ^= p[n + i];
    (void)sink;
    if (len + n > w->cap) {
        w->bad++;
        return;
    }
    memcpy(w->seen + len, p, n);
    atomic_store(&w->len, len + n);
}

Test(source, a_watcher_sees_every_byte_first)
{
    char *dir = tu_tmpdir(), *plain, *gzp, *big, *out;
    size_t n = 3u << 20, zcap = n + 4096, zn, i, len, got;
    unsigned char *z = malloc(zcap);
    const char *paths[2];
    oc_error err;
    cr_assert_not_null(z);
    big = malloc(n);
    out = malloc(n);
    cr_assert(big && out);
    for (i = 0; i < n; i++)
        big[i] = (char)('a' + (i * 7 + i / 1000) % 26);
    zn = gz(big, n, z, zcap);
    plain = tu_write(dir, "big.csv", big, n);
    gzp = tu_write(dir, "big.csv.gz", z, zn);
    paths[0] = plain;
    paths[1] = gzp;
    for (i = 0; i < 2; i++) {
        watched w;
        oc_source *s;
        oc_status st;
        memset(&w, 0, sizeof w);
        w.seen = malloc(n);
        w.cap = n;
        atomic_init(&w.len, 0);
        cr_assert_not_null(w.seen);
        oc_error_clear(&err);
        cr_assert_eq(src_open_watched(paths[i], 0, watch, &w, &s, &err), OC_OK, "%s", err.msg);
        len = 0;
        do {
            st = src_read(s, out + len, n - len < 100000 ? n - len : 100000, &got, &err);
            cr_assert_eq(st, OC_OK, "%s", err.msg);
            cr_assert_leq(len + got, atomic_load(&w.len), "the reader got bytes the watcher had not seen");
            len += got;
        } while (got > 0 && len < n);
        if (len == n)   /* the end */
            cr_assert_eq(src_read(s, out, 1, &got, &err), OC_OK);
        src_close(s);
        cr_assert_eq(len, n);
        cr_assert_eq(w.bad, 0);
        cr_assert_eq(w.ends, 1);
        cr_assert_eq(w.end_off, n);
        cr_assert(memcmp(w.seen, big, n) == 0 && memcmp(out, big, n) == 0);
        free(w.seen);
    }
    free(plain);
    free(gzp);
    free(big);
    free(out);
    free(z);
    tu_rmdir(dir);
}

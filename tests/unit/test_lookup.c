/* test_lookup.c - lookup tables (transform/lookup.c): grouping in file
 * order, unique keys, kept columns, long fields, gzip, errors. */
#include "test_util.h"

#include <criterion/criterion.h>
#include <string.h>
#include <zlib.h>

#include "lookup.h"
#include "oc_mem.h"

static char *dir;
static void setup(void) { dir = tu_tmpdir(); }
static void teardown(void) { tu_rmdir(dir); }

static const char *const kv[] = {"k", "v"};

static lk_table *load(const char *path, int unique, oc_error *err)
{
    lk_table *t = NULL;
    char hex[OC_SHA256_HEX];
    oc_error_clear(err);
    if (lk_load(path, "k", kv, 2, unique, NULL, &t, hex, err) != OC_OK)
        return NULL;
    cr_assert_eq(strlen(hex), 64);
    return t;
}

static void expect_field(const lk_table *t, uint32_t r, size_t c, const char *want)
{
    oc_field f = lk_field(t, r, c);
    cr_assert_eq(f.len, strlen(want), "field %zu of row %u: length %zu, want %zu", c, r, f.len, strlen(want));
    cr_assert(memcmp(f.ptr, want, f.len) == 0);
}

TestSuite(lookup, .init = setup, .fini = teardown);

/* Rows of one key come back together and in file order (principal ties and
 * match: each depend on it), whatever other keys sit between them; more
 * rows than the loader's prefetch ring. */
Test(lookup, rows_of_a_key_in_file_order)
{
    char csv[8192], want[32];
    size_t n = 0, i, m;
    uint32_t first, j;
    oc_error err;
    lk_table *t;
    char *p;
    n += (size_t)sprintf(csv + n, "x,k,v\n");
    for (i = 0; i < 100; i++)
        n += (size_t)sprintf(csv + n, "%zu,key%zu,row%zu\n", i, i % 7, i);
    p = tu_write(dir, "l.csv", csv, n);
    t = load(p, 0, &err);
    cr_assert_not_null(t, "%s", err.msg);
    cr_assert_eq(lk_nrows(t), 100);
    cr_assert_eq(lk_nkeys(t), 7);
    for (i = 0; i < 7; i++) {
        char key[16 + OC_ROW_PAD] = {0};
        sprintf(key, "key%zu", i);
        m = lk_find(t, key, strlen(key), &first);
        cr_assert_eq(m, (100 - i + 6) / 7, "key%zu: %zu rows", i, m);
        for (j = 0; j < m; j++) {
            expect_field(t, first + j, 0, key);
            sprintf(want, "row%zu", i + 7 * j);
            expect_field(t, first + j, 1, want);
        }
        cr_assert_eq(lk_find_hashed(t, key, strlen(key), lk_hash(key, strlen(key)), &j), m);
        cr_assert_eq(j, first);
    }
    cr_assert_eq(lk_find(t, "key7\0\0\0\0\0\0\0\0", 4, &first), 0);
    cr_assert_eq(lk_find(t, "key\0\0\0\0\0\0\0\0", 3, &first), 0);   /* a prefix of keys is not a key */
    lk_free(t);
    free(p);
}

/* Unique keys: one row each; fields of 255 bytes and more (stored with a
 * longer length); empty fields; a gzip file reads the same. */
Test(lookup, unique_keys_long_and_empty_fields_gzip)
{
    char longv[400], csv[2048];
    size_t n;
    uint32_t first;
    oc_error err;
    lk_table *t;
    char *p, *pz;
    gzFile gz;
    memset(longv, 'x', 300);
    longv[300] = '\0';
    n = (size_t)sprintf(csv, "v,k\n%s,a\n,b\nshort,%s\n", longv, longv);
    p = tu_write(dir, "u.csv", csv, n);
    pz = malloc(strlen(dir) + 16);
    sprintf(pz, "%s/u.csv.gz", dir);
    gz = gzopen(pz, "wb");
    cr_assert_not_null(gz);
    cr_assert_eq(gzwrite(gz, csv, (unsigned)n), (int)n);
    gzclose(gz);
    for (int z = 0; z < 2; z++) {
        t = load(z ? pz : p, 1, &err);
        cr_assert_not_null(t, "%s", err.msg);
        cr_assert_eq(lk_nrows(t), 3);
        cr_assert_eq(lk_find(t, "a\0\0\0\0\0\0\0\0", 1, &first), 1);
        expect_field(t, first, 1, longv);
        cr_assert_eq(lk_find(t, "b\0\0\0\0\0\0\0\0", 1, &first), 1);
        expect_field(t, first, 1, "");
        cr_assert_eq(lk_find(t, longv, 300, &first), 1);
        expect_field(t, first, 0, longv);
        expect_field(t, first, 1, "short");
        lk_free(t);
    }
    free(p);
    free(pz);
}

/* Keys of every length from 1 to 20 are found whatever bytes follow them
 * in the query (the bytes after a field are unspecified, and keys are
 * compared a word at a time); keys one byte off, longer than any, or empty
 * are not.  The comparison itself is checked at every byte in test_common
 * (here a near miss rarely reaches it: its hash differs). */
Test(lookup, keys_compared_whole_at_every_length)
{
    char csv[4096], q[64];
    size_t n = 0, len;
    uint32_t first;
    oc_error err;
    lk_table *t;
    char *p;
    n += (size_t)sprintf(csv + n, "k,v\n");
    for (len = 1; len <= 20; len++)   /* key: len bytes "abc...", value: its length */
        n += (size_t)sprintf(csv + n, "%.*s,%zu\n", (int)len, "abcdefghijklmnopqrstuvwxyz", len);
    p = tu_write(dir, "w.csv", csv, n);
    t = load(p, 1, &err);
    cr_assert_not_null(t, "%s", err.msg);
    for (len = 1; len <= 20; len++) {
        char want[8];
        memset(q, '#', sizeof q);   /* padding unlike the arena's */
        memcpy(q, "abcdefghijklmnopqrstuvwxyz", len);
        cr_assert_eq(lk_find(t, q, len, &first), 1, "length %zu", len);
        sprintf(want, "%zu", len);
        expect_field(t, first, 1, want);
        q[len - 1] = 'Z';
        cr_assert_eq(lk_find(t, q, len, &first), 0, "length %zu, last byte changed", len);
        q[len - 1] = "abcdefghijklmnopqrstuvwxyz"[len - 1];
        q[0] = 'A';
        cr_assert_eq(lk_find(t, q, len, &first), 0, "length %zu, first byte changed", len);
    }
    memcpy(q, "abcdefghijklmnopqrstuvwxyz", 26);
    cr_assert_eq(lk_find(t, q, 21, &first), 0);   /* longer than every key */
    cr_assert_eq(lk_find(t, q, 0, &first), 0);    /* the empty key is not stored */
    lk_free(t);
    free(p);
}

/* Errors name the file and line: a repeated key where keys are unique, a
 * missing column, a ragged row, an empty file. */
Test(lookup, errors_name_file_and_line)
{
    static const struct {
        const char *csv;
        int         unique;
        uint64_t    line;
        const char *msg;
    } cases[] = {
        {"k,v\n1,a\n2,b\n1,c\n", 1, 4, "key '1' appears more than once"},
        {"k,w\n1,a\n", 0, 1, "the lookup file has no column 'v'"},
        {"k,v\n1,a\n2\n", 0, 3, "expected 2 fields, got 1"},
        {"", 0, 0, "empty lookup file"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        oc_error err;
        char *p = tu_write(dir, "e.csv", cases[i].csv, strlen(cases[i].csv));
        cr_assert_null(load(p, cases[i].unique, &err), "case %zu loaded", i);
        cr_assert_eq(err.code, OC_ECONFIG, "case %zu", i);
        cr_assert_str_eq(err.path, p);
        cr_assert_eq(err.line, cases[i].line, "case %zu: line %llu", i, (unsigned long long)err.line);
        cr_assert(strstr(err.msg, cases[i].msg) != NULL, "case %zu: %s", i, err.msg);
        free(p);
    }
}

/* Every allocation failing in turn: OC_ENOMEM and nothing leaked (ASan). */
Test(lookup, out_of_memory_is_reported)
{
    const char *csv = "k,v\n1,a\n1,b\n2,c\n";
    char *p = tu_write(dir, "m.csv", csv, strlen(csv));
    unsigned long nth;
    int ok = 0;
    for (nth = 1; nth < 200 && !ok; nth++) {
        oc_error err;
        lk_table *t;
        oc_mem_fail_after(nth);
        t = load(p, 0, &err);
        oc_mem_fail_after(0);
        if (t) {
            ok = 1;
            lk_free(t);
        } else {
            cr_assert_eq(err.code, OC_ENOMEM, "allocation %lu: %s", nth, err.msg);
        }
    }
    cr_assert(ok, "never loaded");
    free(p);
}

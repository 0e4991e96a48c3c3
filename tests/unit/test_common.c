/* Unit tests for common/: string maps, strict integers, the YAML tree,
 * SHA-256, and clean failure when memory runs out. */
#include "test_util.h"

#include <criterion/criterion.h>

#include "oc_mem.h"
#include "oc_sha256.h"
#include "oc_yaml.h"
#include "schema.h"

Test(common, strmap_keeps_insertion_order_and_finds_every_key)
{
    oc_strmap *m = oc_strmap_new();
    char key[64 + 8];
    size_t i;
    uint32_t v;
    int existed;
    cr_assert_not_null(m);
    for (i = 0; i < 5000; i++) {
        int n = snprintf(key, 64, i % 3 ? "k%zu" : "a-much-longer-key-%zu", i);
        cr_assert_eq(oc_strmap_put(m, key, (size_t)n, (uint32_t)i, &existed), OC_OK);
        cr_assert_eq(existed, 0);
    }
    cr_assert_eq(oc_strmap_count(m), 5000);
    for (i = 0; i < 5000; i++) {
        int n = snprintf(key, 64, i % 3 ? "k%zu" : "a-much-longer-key-%zu", i);
        memset(key + n, 'z', 8);   /* padding content must not matter */
        cr_assert(oc_strmap_get(m, key, (size_t)n, &v));
        cr_assert_eq(v, i);
        cr_assert(oc_strmap_get_padded(m, key, (size_t)n, &v));
        cr_assert_eq(v, i);
        cr_assert_str_eq(oc_strmap_key(m, i, NULL), (key[n] = '\0', key));
    }
    cr_assert_eq(oc_strmap_put(m, "k1", 2, 99, &existed), OC_OK);
    cr_assert_eq(existed, 1);
    cr_assert(oc_strmap_get(m, "k1", 2, &v));
    cr_assert_eq(v, 1);
    cr_assert_not(oc_strmap_get(m, "k", 1, &v));
    cr_assert_not(oc_strmap_get(m, "", 0, &v));
    cr_assert_eq(oc_strmap_put(m, "", 0, 7, NULL), OC_OK);
    cr_assert(oc_strmap_get(m, "", 0, &v));
    cr_assert_eq(v, 7);
    oc_strmap_free(m);
    oc_strmap_free(NULL);
}

/* oc_eq_padded at every length up to 20: equal whatever the bytes after
 * len hold; unequal when any one byte within len differs. */
Test(common, padded_compare_sees_every_byte_and_no_padding)
{
    char a[48], b[48];
    size_t len, i;
    for (len = 0; len <= 20; len++) {
        memset(a, 'x', sizeof a);
        memset(b, 'y', sizeof b);   /* padding unlike a's */
        for (i = 0; i < len; i++)
            a[i] = b[i] = (char)('a' + i);
        cr_assert(oc_eq_padded(a, b, len), "length %zu", len);
        for (i = 0; i < len; i++) {
            b[i] = 'Z';
            cr_assert(!oc_eq_padded(a, b, len), "length %zu, byte %zu differs", len, i);
            b[i] = a[i];
        }
    }
}

/* oc_hash_padded gives oc_hash_bytes's value at every length, whatever
 * the bytes after the string hold. */
Test(common, padded_hash_is_the_same_hash)
{
    char a[64];
    size_t len, i;
    for (len = 0; len <= 40; len++)
        for (i = 0; i < 3; i++) {
            memset(a, i == 0 ? 0 : i == 1 ? 'x' : 0xff, sizeof a);
            memcpy(a, "0123456789abcdefghijklmnopqrstuvwxyzABCD", len);
            cr_assert_eq(oc_hash_padded(a, len), oc_hash_bytes(a, len), "length %zu, padding %zu", len, i);
        }
}

Test(common, strict_integers)
{
    int64_t v;
    cr_assert_eq(oc_parse_i64("0", 1, &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(oc_parse_i64("-17", 3, &v), 0);
    cr_assert_eq(v, -17);
    cr_assert_eq(oc_parse_i64("+5", 2, &v), 0);
    cr_assert_eq(v, 5);
    cr_assert_eq(oc_parse_i64("9223372036854775807", 19, &v), 0);
    cr_assert_eq(v, INT64_MAX);
    cr_assert_eq(oc_parse_i64("-9223372036854775808", 20, &v), 0);
    cr_assert_eq(v, INT64_MIN);
    cr_assert_eq(oc_parse_i64("9223372036854775808", 19, &v), -2);
    cr_assert_eq(oc_parse_i64("99999999999999999999x", 21, &v), -1);
    cr_assert_eq(oc_parse_i64("", 0, &v), -1);
    cr_assert_eq(oc_parse_i64("-", 1, &v), -1);
    cr_assert_eq(oc_parse_i64(" 1", 2, &v), -1);
    cr_assert_eq(oc_parse_i64("1 ", 2, &v), -1);
    cr_assert_eq(oc_parse_i64("4o", 2, &v), -1);
    cr_assert_eq(oc_parse_i64("1.0", 3, &v), -1);
}

Test(common, yaml_tree_positions_and_nulls)
{
    const char doc[] = "a: 1\nb:\n  - x\n  - \"null\"\nc: ~\nd: {e: f}\n";
    oc_ynode *root;
    oc_error err;
    const oc_ynode *n;
    oc_error_clear(&err);
    cr_assert_eq(oc_yaml_parse(doc, strlen(doc), "t.yaml", &root, &err), OC_OK);
    n = oc_ymap_get(root, "b");
    cr_assert_eq(n->kind, OC_YSEQ);
    cr_assert_eq(n->n, 2);
    cr_assert_eq(n->vals[1]->line, 4);
    cr_assert_eq(n->vals[1]->col, 5);
    cr_assert_not(oc_ynode_is_null(n->vals[1]));   /* quoted "null" is a string */
    cr_assert(oc_ynode_is_null(oc_ymap_get(root, "c")));
    cr_assert(oc_ynode_is_null(oc_ymap_get(root, "zz")));
    cr_assert_str_eq(oc_ymap_get(oc_ymap_get(root, "d"), "e")->str, "f");
    oc_ynode_free(root);
    cr_assert_eq(oc_yaml_parse("a: [1\n", 6, "t.yaml", &root, &err), OC_ECONFIG);
    cr_assert_str_eq(err.path, "t.yaml");
    cr_assert_eq(err.line, 2);
    oc_error_clear(&err);
    cr_assert_eq(oc_yaml_parse("--- 1\n--- 2\n", 12, "t.yaml", &root, &err), OC_ECONFIG);
    cr_assert(strstr(err.msg, "only one YAML document") != NULL);
    oc_error_clear(&err);
    cr_assert_eq(oc_yaml_parse("", 0, "t.yaml", &root, &err), OC_ECONFIG);
}

Test(common, sha256_known_vector)
{
    oc_sha256 h;
    char hex[OC_SHA256_HEX];
    oc_sha256_init(&h);
    oc_sha256_update(&h, "", 0);
    oc_sha256_hex(&h, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

Test(common, error_record_first_error_wins)
{
    oc_error e;
    char msg[256];
    oc_error_clear(&e);
    oc_error_column(&e, "age");
    cr_assert_eq(oc_error_set(&e, OC_EDATA, "invalid integer '%s'", "4o"), OC_EDATA);
    cr_assert_eq(oc_error_set(&e, OC_EIO, "later"), OC_EDATA);
    oc_error_at(&e, "x.csv", 1042, 0);
    oc_error_at(&e, "y.csv", 7, 0);
    oc_error_format(&e, msg, sizeof msg);
    cr_assert_str_eq(msg, "x.csv:1042: age: invalid integer '4o'");
    cr_assert_eq(oc_status_exit(OC_EDATA), 1);
    cr_assert_eq(oc_status_exit(OC_EUSAGE), 2);
    cr_assert_eq(oc_status_exit(OC_EIO), 3);
    cr_assert_eq(oc_status_exit(OC_ENOMEM), 3);
}

/* Every allocation of schema_load may fail: each failure must come back as
 * OC_ENOMEM (or a configuration error derived from it), never a crash or a
 * leak (ASan/LSan check the latter). */
Test(common, schema_load_survives_every_allocation_failure)
{
    char *dir = tu_tmpdir(), *p;
    unsigned long n;
    int ok = 0;
    free(tu_write_str(dir, "b.csv", "code,lo,hi\nA,0,9\nB,10,\n"));
    free(tu_write_str(dir, "c.csv", "from,to,label\nx,0101,X\ny,02,Y\n"));
    p = tu_write_str(dir, "s.yaml",
                     "dataset: d\ncolumns:\n  a: {type: integer, min: 0, max: 99, missing: ['']}\n"
                     "  b: {type: code, codelist: c.csv}\n  c: {type: code, map: {M: M}}\n"
                     "dimensions:\n  A: {from: a, bands: b.csv}\n  B: {from: b, hierarchy: iccs}\n"
                     "  C: {from: c}\n  Y: {from: a}\n");
    for (n = 1; n < 5000 && !ok; n++) {
        schema *s = NULL;
        oc_error err;
        oc_status st;
        oc_error_clear(&err);
        oc_mem_fail_after(n);
        st = schema_load(p, &s, &err);
        oc_mem_fail_after(0);
        if (st == OC_OK) {
            ok = 1;
            schema_free(s);
        } else {
            cr_assert(st == OC_ENOMEM || st == OC_ECONFIG, "allocation %lu: status %d (%s)", n, st, err.msg);
            cr_assert_null(s);
        }
    }
    cr_assert(ok, "schema_load never succeeded");
    cr_assert_gt(n, 10);
    free(p);
    tu_rmdir(dir);
}

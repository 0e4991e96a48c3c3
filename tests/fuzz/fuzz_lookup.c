/*
 * fuzz_lookup.c - libFuzzer target for transform/lookup.c (lookup files).
 *
 * Input layout (missing header bytes read as 0):
 *
 *   byte 0  options   bit 0  keys must be unique (match: one)
 *                     bit 1  delimiter ';' instead of ','
 *                     bits 2-3  allocation number (byte 1) + 1 fails
 *                               when both are set (oc_mem_fail_after)
 *   byte 1  nth       see above
 *   byte 2- payload   the lookup file, written to a temporary file and
 *                     loaded keyed by column "k", keeping "k" and "v"
 *
 * Errors (a missing column, a ragged row, a NUL byte, a repeated key with
 * bit 0, bad CSV) are expected and must name the file.  On success the
 * index must hold every row exactly once: the rows of each key are found
 * together, each row's key finds a group that holds that row, all rows of a
 * group share the key, the groups add up to the row count, and a key that
 * is not in the file finds nothing.  A crash, leak or abort() is a bug.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lookup.h"
#include "oc_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const cols[] = {"k", "v"};
    char path[] = "/tmp/ocstat-fuzz-lookup-XXXXXX";
    char hex[OC_SHA256_HEX];
    uint8_t opt = size > 0 ? data[0] : 0, nth = size > 1 ? data[1] : 0;
    const uint8_t *p = size > 2 ? data + 2 : data;
    size_t n = size > 2 ? size - 2 : 0, r, seen = 0;
    csvr_options o;
    lk_table *t = NULL;
    oc_error err;
    oc_status st;
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (n && write(fd, p, n) != (ssize_t)n) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    csvr_options_default(&o);
    if (opt & 2)
        o.delim = ';';
    oc_error_clear(&err);
    if ((opt & 12) == 12)
        oc_mem_fail_after((unsigned long)nth + 1);
    st = lk_load(path, "k", cols, 2, opt & 1, &o, &t, hex, &err);
    oc_mem_fail_after(0);
    unlink(path);
    if (st != OC_OK) {
        if (t || err.code != st || !err.msg[0])
            abort();
        if (st != OC_ENOMEM && strcmp(err.path, path) != 0)
            abort();
        return 0;
    }
    for (r = 0; r < lk_nrows(t); r++) {
        uint32_t hr = lk_row(t, r), first = UINT32_MAX, j;
        oc_field k = lk_field(t, hr, 0), v = lk_field(t, hr, 1);
        size_t m = lk_find(t, k.ptr, k.len, &first);
        volatile char sink = 0;
        for (j = 0; j < v.len + OC_ROW_PAD; j++)   /* value and its padding readable */
            sink ^= v.ptr[j];
        (void)sink;
        if (m == 0 || first > hr || hr >= first + m || ((opt & 1) && m != 1) ||
            lk_find_hashed(t, k.ptr, k.len, lk_hash(k.ptr, k.len), &j) != m || j != first)
            abort();
        {   /* the candidate by tag: some rows; if their key is k's, k's rows */
            uint32_t c = UINT32_MAX;
            size_t mc = lk_find_tag(t, lk_hash(k.ptr, k.len), &c);
            if (mc == 0 || (lk_has_key(t, c, k.ptr, k.len) && (mc != m || c != first)))
                abort();
        }
        for (j = first; j < first + m; j++) {
            oc_field o2 = lk_field(t, j, 0);
            if (o2.len != k.len || memcmp(o2.ptr, k.ptr, k.len) != 0)
                abort();
        }
        if (first == hr)
            seen += m;
    }
    if (seen != lk_nrows(t) || lk_nkeys(t) > lk_nrows(t))
        abort();
    {
        static const char absent[] = "\x01\x02 not a key \x03\x04\0\0\0\0\0\0\0\0";
        uint32_t first;
        size_t i, found = 0;
        for (i = 0; i < lk_nrows(t); i++) {
            oc_field k = lk_field(t, lk_row(t, i), 0);
            found |= k.len == 15 && memcmp(k.ptr, absent, 15) == 0;
        }
        if (!found && lk_find(t, absent, 15, &first) != 0)
            abort();
    }
    lk_free(t);
    return 0;
}

/* test_ahead.c - lookups resolved ahead (transform/ahead.c): the watcher
 * sees the input in blocks before the reader, as the source's thread does;
 * each record then asks for its line's rows.  Checked: every plain line's
 * rows are its key's (lk_find's); lines cut by a
 * block's end, CRLF, the last line without a line end; no answer before
 * ahead_start, when the parser lags (no free array), for a line longer
 * than the carry, or past the lines an array holds; and no answer ever
 * changes a recode. */
#include "test_util.h"

#include <criterion/criterion.h>
#include <string.h>

#include "ahead.h"
#include "csv_reader.h"
#include "lookup.h"
#include "oc_mem.h"
#include "schema.h"

static char *dir;
static void setup(void) { dir = tu_tmpdir(); }
static void teardown(void) { tu_rmdir(dir); }

TestSuite(ahead, .init = setup, .fini = teardown);

#define NKEYS 3000

/* people.csv (k0..k2999, sex M for every third, else F) and a schema that
 * draws sex through it by the input's id; the input's columns are id,x or,
 * with key_last, x,id (a key at a CRLF line's end). */
static schema *load_schema(int key_last)
{
    oc_buf b;
    schema *s = NULL;
    oc_error err;
    char *p;
    size_t i;
    oc_buf_init(&b, 0);
    cr_assert_eq(oc_buf_printf(&b, "id,sex\n"), OC_OK);
    for (i = 0; i < NKEYS; i++)
        cr_assert_eq(oc_buf_printf(&b, "k%zu,%s\n", i, i % 3 ? "F" : "M"), OC_OK);
    free(tu_write(dir, "people.csv", b.data, b.len));
    oc_buf_fini(&b);
    p = tu_write_str(dir, "s.yaml",
                     "dataset: t\n"
                     "lookups:\n"
                     "  p: {file: people.csv, key: id, on: id}\n"
                     "columns:\n"
                     "  x: {type: code}\n"
                     "  sex: {type: code, lookup: p, map: {F: F, M: M}}\n"
                     "dimensions:\n"
                     "  X: {from: x}\n"
                     "  SEX: {from: sex}\n");
    oc_error_clear(&err);
    cr_assert_eq(schema_load(p, &s, &err), OC_OK, "%s", err.msg);
    free(p);
    {   /* the header, bound before the watcher starts (as in the pass) */
        static const oc_field id = {"id\0\0\0\0\0\0\0\0", 2}, x = {"x\0\0\0\0\0\0\0\0", 1};
        oc_field hdr[2];
        oc_row row;
        hdr[0] = key_last ? x : id;
        hdr[1] = key_last ? id : x;
        memset(&row, 0, sizeof row);
        row.fields = hdr;
        row.nfields = 2;
        row.line = row.record = 1;
        cr_assert_eq(schema_bind_header(s, &row, &err), OC_OK, "%s", err.msg);
    }
    return s;
}

typedef struct run {
    schema *s;
    ahead  *a;
    const char *text;
    size_t  len;
    int     bound;
    size_t  records, hinted;
    size_t  found;     /* records of one plain line whose key the lookup has */
    size_t  exact;     /* of those, hinted with their key's rows */
} run;

/* Each record: with the hints it is given, recoded as without them.  A
 * record that is a whole plain line (no quote; a CRLF line end aside) and
 * whose key the lookup has gets its key's rows, unless the watcher left a
 * block unresolved; a candidate with the record's key is always its rows. */
static oc_status on_rec(void *ctx, const oc_row *row, oc_error *err)
{
    run *r = ctx;
    const sch_lookup *L;
    const sch_hit *h;
    const uint32_t *out;
    uint32_t codes[8], first = 0;
    size_t n1, n2, end = (size_t)row->end_off, start, nf, kf;
    uint64_t w;
    sch_reason why1, why2;
    oc_status st1, st2;
    int plain;
    if (!r->bound) {   /* the header: bound already */
        r->bound = 1;
        return OC_OK;
    }
    L = &r->s->lookups[0];
    kf = (size_t)L->on_field;
    r->records++;
    h = row->end_off ? ahead_hits(r->a, row->end_off) : NULL;
    plain = end > 0 && !memchr(row->raw, '"', row->raw_len) && !memchr(row->raw, '\r', row->raw_len);
    if (plain) {
        if (r->text[end - 1] == '\n')
            end--;
        if (end > 0 && r->text[end - 1] == '\r')
            end--;
        for (start = end; start > 0 && r->text[start - 1] != '\n'; start--)
            ;
        plain = end - start == row->raw_len;
    }
    r->hinted += h != NULL;
    if (plain && row->nfields == 2) {
        nf = lk_find(L->tab, row->fields[kf].ptr, row->fields[kf].len, &first);
        if (nf) {
            r->found++;
            cr_assert(ahead_skipped(r->a) || (h && h[0].n), "line %llu: key missed ahead",
                      (unsigned long long)row->line);
        }
        if (h && h[0].n && lk_has_key(L->tab, h[0].first, row->fields[kf].ptr, row->fields[kf].len))
            cr_assert(h[0].n == nf && h[0].first == first, "line %llu: %u rows from %u ahead, %zu from %u",
                      (unsigned long long)row->line, h[0].n, h[0].first, nf, first);
        r->exact += nf && h && h[0].n == nf && h[0].first == first;
    }
    oc_error_clear(err);
    r->s->hint = NULL;
    st1 = schema_recode(r->s, row, &out, &n1, &w, &why1, err);
    if (st1 == OC_OK)
        memcpy(codes, out, r->s->ndims * sizeof *codes);
    oc_error_clear(err);
    r->s->hint = h;
    st2 = schema_recode(r->s, row, &out, &n2, &w, &why2, err);
    r->s->hint = NULL;
    cr_assert_eq(st1, st2, "line %llu", (unsigned long long)row->line);
    cr_assert_eq(why1, why2);
    if (st1 == OC_OK)
        cr_assert(memcmp(codes, out, r->s->ndims * sizeof *codes) == 0, "line %llu", (unsigned long long)row->line);
    oc_error_clear(err);
    return OC_OK;
}

/* Feeds text in blocks of `block` bytes, each to the watcher (with 64
 * readable bytes after it) and then, `lag` blocks later, to the reader. */
static run feed(schema *s, const char *text, size_t len, size_t block, size_t lag, int start)
{
    run r;
    csvr *c;
    oc_error err;
    size_t off = 0, fed = 0;
    char *piece = malloc(block + 64);
    memset(&r, 0, sizeof r);
    r.s = s;
    r.text = text;
    r.len = len;
    r.a = ahead_new(s);
    cr_assert_not_null(r.a);
    cr_assert_not_null(piece);
    if (start)
        ahead_start(r.a);
    c = csvr_new(NULL, "t.csv", on_rec, &r);
    cr_assert_not_null(c);
    oc_error_clear(&err);
    for (;;) {
        size_t n = len - off < block ? len - off : block;
        memcpy(piece, text + off, n);
        memset(piece + n, '\n', 64);   /* readable, and no part of the input */
        ahead_watch(r.a, piece, n, off);
        off += n;
        if (off >= lag * block || n == 0) {   /* the reader, lag blocks behind */
            size_t upto = n == 0 ? len : off - lag * block;
            cr_assert_eq(csvr_feed(c, text + fed, upto - fed, &err), OC_OK, "%s", err.msg);
            fed = upto;
        }
        if (n == 0)
            break;
    }
    cr_assert_eq(csvr_finish(c, &err), OC_OK, "%s", err.msg);
    csvr_free(c);
    ahead_free(r.a);
    free(piece);
    return r;
}

/* Lines of known and unknown keys, quoted lines, a line that a CR splits
 * into two records (the watcher takes the first's key, k0, sex M, for the
 * second's, k1, sex F: only the key check keeps it out), CRLF, runs of
 * blank lines, a line longer than the watcher's carry, and no final line
 * end.  key_last: x,id instead of id,x. */
static char *make_text(size_t lines, int key_last, size_t *len)
{
    oc_buf b;
    size_t i;
    oc_buf_init(&b, 0);
    cr_assert_eq(oc_buf_printf(&b, key_last ? "x,id\n" : "id,x\n"), OC_OK);
    for (i = 0; i < lines; i++) {
        size_t k = (i * 7919) % NKEYS;
        switch (i % 50) {
        case 7: cr_assert_eq(oc_buf_printf(&b, key_last ? "a,nokey%zu\n" : "nokey%zu,a\n", i), OC_OK); break;
        case 11: cr_assert_eq(oc_buf_printf(&b, key_last ? "\"b,c\",\"k%zu\"\n" : "\"k%zu\",\"b,c\"\n", k), OC_OK); break;
        case 13: cr_assert_eq(oc_buf_printf(&b, key_last ? "y,k0\rx,k1\n" : "k0,x\rk1,y\n"), OC_OK); break;
        case 17: cr_assert_eq(oc_buf_printf(&b, key_last ? "crlf,k%zu\r\n" : "k%zu,crlf\r\n", k), OC_OK); break;
        case 19: cr_assert_eq(oc_buf_printf(&b, "\n\n\n"), OC_OK); break;
        default: cr_assert_eq(oc_buf_printf(&b, key_last ? "x%zu,k%zu\n" : "k%zu,x%zu\n", key_last ? i % 5 : k,
                                            key_last ? k : i % 5), OC_OK);
        }
        if (i == lines / 2) {   /* 80 000 bytes on one line (three fields: a reject) */
            size_t j;
            cr_assert_eq(oc_buf_printf(&b, "k5,"), OC_OK);
            for (j = 0; j < 8000; j++)
                cr_assert_eq(oc_buf_append(&b, j == 4000 ? ",123456789" : "0123456789", 10), OC_OK);
            cr_assert_eq(oc_buf_append(&b, "\n", 1), OC_OK);
        }
    }
    cr_assert_eq(oc_buf_printf(&b, key_last ? "last,k9" : "k9,last"), OC_OK);
    *len = b.len;
    return b.data;
}

Test(ahead, every_plain_line_gets_its_rows_whatever_the_blocks)
{
    static const size_t blocks[] = {1, 7, 64, 1000, 4096, 1u << 20};
    size_t len, i;
    int key_last;
    for (key_last = 0; key_last < 2; key_last++) {
        schema *s = load_schema(key_last);
        char *text = make_text(5000, key_last, &len);
        for (i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
            run r = feed(s, text, len, blocks[i], 0, 1);
            /* records: 5000 lines less 100 of blank lines, the 100 CR-split ones
             * twice, the long one, the last */
            cr_assert_eq(r.records, 5000 - 100 + 100 + 2, "block %zu: %zu records", blocks[i], r.records);
            cr_assert_gt(r.found, 4000);
            cr_assert_eq(r.exact, r.found, "key %s, block %zu: %zu of %zu found keys hinted", key_last ? "last" : "first",
                         blocks[i], r.exact, r.found);
        }
        oc_free(text);
        schema_free(s);
    }
}

Test(ahead, no_answer_before_start_or_when_the_parser_lags)
{
    schema *s = load_schema(0);
    size_t len;
    char *text = make_text(5000, 0, &len);
    run r = feed(s, text, len, 1000, 0, 0);   /* never started */
    cr_assert_eq(r.hinted, 0);
    /* the reader 20 blocks behind: the watcher has 8 arrays, so whole
     * blocks go unresolved (and those records ask in vain) */
    r = feed(s, text, len, 1000, 20, 1);
    cr_assert_gt(r.exact, 0);
    cr_assert_lt(r.exact + 100, r.found, "%zu of %zu hinted", r.exact, r.found);
    oc_free(text);
    schema_free(s);
}

Test(ahead, lines_past_an_array_have_no_answer)
{
    schema *s = load_schema(0);
    oc_buf b;
    size_t i;
    run r;
    oc_buf_init(&b, 0);
    cr_assert_eq(oc_buf_printf(&b, "id,x\n"), OC_OK);
    for (i = 0; i < 70000; i++)   /* one block of 70 000 lines: an array holds 65 536 */
        cr_assert_eq(oc_buf_printf(&b, "k%zu,y\n", i % NKEYS), OC_OK);
    r = feed(s, b.data, b.len, b.len, 0, 1);
    cr_assert_eq(r.records, 70000);
    cr_assert_eq(r.hinted, 65536, "%zu hinted", r.hinted);   /* the header has no known key: no entry */
    oc_buf_fini(&b);
    schema_free(s);
}

/* A run of lines without a known key (blank lines here) takes no array,
 * so a parser that has nothing to ask for meanwhile does not make the
 * watcher leave later blocks unresolved; the parser, gone past an array
 * while the next is still being filled, starts that one at its first
 * line. */
Test(ahead, lines_without_a_key_take_no_array)
{
    schema *s = load_schema(0);
    oc_buf b;
    size_t i;
    run r;
    oc_buf_init(&b, 0);
    cr_assert_eq(oc_buf_printf(&b, "id,x\nk1,a\nk2,a\n"), OC_OK);   /* the first block: two lines with a key */
    for (i = 0; i < 3000; i++)
        cr_assert_eq(oc_buf_printf(&b, i % 2 ? "\n" : "nokey,b\n"), OC_OK);
    cr_assert_eq(oc_buf_printf(&b, "k3,c\n"), OC_OK);
    r = feed(s, b.data, b.len, 16, 0, 1);   /* about 1,000 blocks */
    cr_assert_eq(r.found, 3);
    cr_assert_eq(r.exact, 3);
    oc_buf_fini(&b);
    schema_free(s);
}

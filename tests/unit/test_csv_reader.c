/* Unit tests for ingest/csv_reader: records, exact line numbers, limits,
 * and independence from how the input is split into chunks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "csv_reader.h"
#include "oc_mem.h"

/* Every row flattened to "line|f1\x1ff2...|raw\n" so runs compare as strings. */
typedef struct rec {
    oc_buf out;
    size_t rows;
} rec;

static oc_status on_row(void *ctx, const oc_row *row, oc_error *err)
{
    rec *r = ctx;
    size_t i;
    (void)err;
    cr_assert(oc_buf_printf(&r->out, "%llu/%llu|", (unsigned long long)row->line,
                            (unsigned long long)row->record) == OC_OK);
    for (i = 0; i < row->nfields; i++) {
        if (i)
            cr_assert(oc_buf_append(&r->out, "\x1f", 1) == OC_OK);
        cr_assert(oc_buf_append(&r->out, row->fields[i].ptr, row->fields[i].len) == OC_OK);
    }
    cr_assert(oc_buf_append(&r->out, "|", 1) == OC_OK);
    cr_assert(oc_buf_append(&r->out, row->raw, row->raw_len) == OC_OK);
    cr_assert(oc_buf_append(&r->out, "\n", 1) == OC_OK);
    r->rows++;
    return OC_OK;
}

/* Parses s fed in pieces of at most `chunk` bytes (0 = all at once), plus
 * an optional split at `split`.  Returns the flattened rows (malloc'd) and
 * the status and error. */
static char *parse(const char *s, size_t len, size_t split, size_t chunk, const csvr_options *opt,
                   oc_status *st, oc_error *err)
{
    rec r;
    csvr *c;
    size_t off = 0;
    oc_buf_init(&r.out, 0);
    cr_assert(oc_buf_append(&r.out, "", 0) == OC_OK);
    r.rows = 0;
    oc_error_clear(err);
    c = csvr_new(opt, "t.csv", on_row, &r);
    cr_assert_not_null(c);
    *st = OC_OK;
    while (off < len && *st == OC_OK) {
        size_t n = len - off;
        if (chunk && n > chunk)
            n = chunk;
        if (split > off && split < off + n)
            n = split - off;
        *st = csvr_feed(c, s + off, n, err);
        off += n;
    }
    if (*st == OC_OK)
        *st = csvr_finish(c, err);
    csvr_free(c);
    return r.out.data;
}

static char *parse_all(const char *s, oc_status *st, oc_error *err)
{
    return parse(s, strlen(s), 0, 0, NULL, st, err);
}

Test(csv_reader, quoted_newline_keeps_physical_line_numbers)
{
    oc_status st;
    oc_error err;
    char *out = parse_all("a,b\n\"x\ny\",z\nq,r\n", &st, &err);
    cr_assert_eq(st, OC_OK);
    cr_assert_str_eq(out, "1/1|a\x1f" "b|a,b\n2/2|x\ny\x1fz|\"x\ny\",z\n4/3|q\x1fr|q,r\n");
    free(out);
}

Test(csv_reader, crlf_bom_blank_lines_and_no_final_newline)
{
    oc_status st;
    oc_error err;
    char *out = parse_all("\xEF\xBB\xBFh1,h2\r\n\r\n1,2\r\n\n3,\"4\"\r\n5,6", &st, &err);
    cr_assert_eq(st, OC_OK);
    cr_assert_str_eq(out, "1/1|h1\x1fh2|h1,h2\n3/2|1\x1f" "2|1,2\n5/3|3\x1f" "4|3,\"4\"\n6/4|5\x1f" "6|5,6\n");
    free(out);
}

Test(csv_reader, fields_are_verbatim_no_trimming)
{
    oc_status st;
    oc_error err;
    char *out = parse_all(" a , b\t,\"c, d\",\"e\"\"f\"\n", &st, &err);
    cr_assert_eq(st, OC_OK);
    cr_assert_str_eq(out, "1/1| a \x1f b\t\x1f" "c, d\x1f" "e\"f| a , b\t,\"c, d\",\"e\"\"f\"\n");
    free(out);
}

Test(csv_reader, empty_fields_and_custom_delimiter)
{
    oc_status st;
    oc_error err;
    csvr_options o;
    char *out;
    csvr_options_default(&o);
    o.delim = '\t';
    out = parse("a\t\t\"x\ty\"\n\tz\n", strlen("a\t\t\"x\ty\"\n\tz\n"), 0, 0, &o, &st, &err);
    cr_assert_eq(st, OC_OK);
    cr_assert_str_eq(out, "1/1|a\x1f\x1fx\ty|a\t\t\"x\ty\"\n2/2|\x1fz|\tz\n");
    free(out);
}

Test(csv_reader, stray_quote_is_an_error_with_line)
{
    oc_status st;
    oc_error err;
    char *out = parse_all("a,b\nc,d\nab\"c,d\n", &st, &err);
    cr_assert_eq(st, OC_EDATA);
    cr_assert_eq(err.line, 3);
    cr_assert_str_eq(err.path, "t.csv");
    cr_assert(strstr(err.msg, "malformed quoted field") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "byte 11") != NULL, "%s", err.msg);
    free(out);
}

Test(csv_reader, unterminated_quote_names_the_line_where_it_opened)
{
    oc_status st;
    oc_error err;
    char *out = parse_all("a,b\nc,\"d\ne\nf\n", &st, &err);
    cr_assert_eq(st, OC_EDATA);
    cr_assert_eq(err.line, 2);
    cr_assert_str_eq(err.msg, "unterminated quoted field");
    free(out);
}

Test(csv_reader, limits_are_errors_not_crashes)
{
    oc_status st;
    oc_error err;
    csvr_options o;
    char *out;
    char big[300];
    csvr_options_default(&o);
    o.max_fields = 3;
    out = parse("a,b,c\n1,2,3,4\n", strlen("a,b,c\n1,2,3,4\n"), 0, 0, &o, &st, &err);
    cr_assert_eq(st, OC_EDATA);
    cr_assert_eq(err.line, 2);
    cr_assert(strstr(err.msg, "more than 3 fields") != NULL, "%s", err.msg);
    free(out);
    out = parse("a,\"b,c,d,e\",\"1\"\n\"1\",\"2\",\"3\",\"4\"\n", strlen("a,\"b,c,d,e\",\"1\"\n\"1\",\"2\",\"3\",\"4\"\n"), 0, 0, &o, &st, &err);
    cr_assert_eq(st, OC_EDATA);
    cr_assert_eq(err.line, 2);
    free(out);
    csvr_options_default(&o);
    o.max_field = 10;
    out = parse("short,0123456789X\n", strlen("short,0123456789X\n"), 0, 0, &o, &st, &err);
    cr_assert_eq(st, OC_EDATA);
    cr_assert(strstr(err.msg, "field 2 longer than 10 bytes") != NULL, "%s", err.msg);
    free(out);
    csvr_options_default(&o);
    o.max_record = 100;
    memset(big, 'x', sizeof big);
    out = parse(big, sizeof big, 0, 7, &o, &st, &err);
    cr_assert_eq(st, OC_EDATA);
    cr_assert(strstr(err.msg, "longer than 100 bytes") != NULL, "%s", err.msg);
    free(out);
}

static const char *const samples[] = {
    "id,sex,age\n1,M,34\n2,F,\n3,\"M\",\"4\"\"5\"\n",
    "h\r\n\"multi\r\nline\",x\r\n\r\nlast,\"q\"",
    ("\xEF\xBB\xBF" "a;b\n\"1;2\";3\n"),
    "a,b\n\n\n\"\",\"\"\n,\n",
    "x,\"a\"\"b\"\"c\",\"\n\n\n\"\ny,z\n",
    "bad,\"unterminated\nstill\n",
    "a,b\nc\"d,e\n",
    "a\rb,c\n",
};

Test(csv_reader, output_does_not_depend_on_chunk_boundaries)
{
    size_t k;
    for (k = 0; k < sizeof samples / sizeof *samples; k++) {
        const char *s = samples[k];
        size_t len = strlen(s), split, chunk;
        oc_status st0, st;
        oc_error e0, e;
        char *ref = parse(s, len, 0, 0, NULL, &st0, &e0);
        for (chunk = 1; chunk <= 4; chunk++)
            for (split = 0; split <= len; split++) {
                char *got = parse(s, len, split, chunk == 4 ? 0 : chunk, NULL, &st, &e);
                cr_assert_str_eq(got, ref, "sample %zu split %zu chunk %zu", k, split, chunk);
                cr_assert_eq(st, st0, "sample %zu split %zu chunk %zu", k, split, chunk);
                cr_assert_eq(e.line, e0.line, "sample %zu split %zu", k, split);
                cr_assert_str_eq(e.msg, e0.msg, "sample %zu split %zu", k, split);
                free(got);
            }
        free(ref);
    }
}

Test(csv_reader, fields_have_readable_padding)
{
    oc_status st;
    oc_error err;
    /* A field at the very end of the data, on both paths; ASan checks reads. */
    char *out = parse_all("a,b", &st, &err);
    cr_assert_eq(st, OC_OK);
    free(out);
    out = parse_all("a,\"b\"", &st, &err);
    cr_assert_eq(st, OC_OK);
    cr_assert_str_eq(out, "1/1|a\x1f" "b|a,\"b\"\n");
    free(out);
}

/* Windows-1252 input is converted to UTF-8 before parsing, whatever the
 * chunking; lines above the header are dropped unparsed (a stray quote
 * there is no error) and still counted; a byte the encoding does not
 * define stops the reader naming its line. */
Test(csv_reader, encoding_and_skipped_lines)
{
    static const char in[] = "title \"quoted\" \xe9t\xe9\r\nnote\r\nann\xe9"
                             "e,sexe\r\n2021,F\xe9minin\r\n2022,\"Non pr\xe9" "cis\xe9\"\r\n";
    static const char want[] = "3/1|ann\xc3\xa9" "e\x1fsexe|ann\xc3\xa9" "e,sexe\n"
                               "4/2|2021\x1f" "F\xc3\xa9minin|2021,F\xc3\xa9minin\n"
                               "5/3|2022\x1fNon pr\xc3\xa9" "cis\xc3\xa9|2022,\"Non pr\xc3\xa9" "cis\xc3\xa9\"\n";
    csvr_options o;
    oc_status st;
    oc_error err;
    size_t chunk;
    char *out;
    csvr_options_default(&o);
    o.encoding = "WINDOWS-1252";
    o.skip_lines = 2;
    for (chunk = 0; chunk < 8; chunk++) {
        out = parse(in, sizeof in - 1, 0, chunk, &o, &st, &err);
        cr_assert_eq(st, OC_OK, "chunk %zu: %s", chunk, err.msg);
        cr_assert_str_eq(out, want, "chunk %zu", chunk);
        free(out);
    }
    out = parse("a,b\n1,x\x81y\n", 10, 0, 0, &o, &st, &err);
    cr_assert_eq(st, OC_EDATA);
    free(out);
    o.skip_lines = 0;
    out = parse("a,b\n1,x\x81y\n", 10, 0, 3, &o, &st, &err);
    cr_assert_eq(st, OC_EDATA);
    cr_assert_eq(err.line, 2);
    cr_assert(strstr(err.msg, "0x81") != NULL, "%s", err.msg);
    free(out);
    cr_assert(csvr_encoding_ok("ISO-8859-1"));
    cr_assert(!csvr_encoding_ok("KLINGON-8"));
}

/* oc_row.end_off: the input offset after the record's line end when the
 * record is one physical line, quoted or not, CRLF or LF, the last line
 * too (ahead.h matches a record to the line it read by it); 0 for a
 * record over several lines or one that a CR ends mid-line.  Whatever the
 * chunking. */
typedef struct ends {
    uint64_t off[16];
    size_t   n;
} ends;

static oc_status on_end(void *ctx, const oc_row *row, oc_error *err)
{
    ends *e = ctx;
    (void)err;
    cr_assert_lt(e->n, 16);
    e->off[e->n++] = row->end_off;
    return OC_OK;
}

Test(csv_reader, end_off_marks_one_line_records)
{
    static const char body[] = "a,b\n"           /* plain */
                               "\"x,y\",c\n"     /* quoted */
                               "p,\"q\"\r\n"     /* quoted, CRLF */
                               "\"m\nn\",o\n"    /* two lines */
                               "r,s\rt,u\n"      /* a CR ends r,s mid-line; t,u ends the line */
                               "v,\"w\"\n";
    /* and a last line without a line end, plain or quoted */
    static const char *const last[] = {"y,z", "y,\"z\""};
    size_t chunk, k;
    for (k = 0; k < 2; k++) {
        char in[64];
        size_t len = (size_t)snprintf(in, sizeof in, "%s%s", body, last[k]);
        const uint64_t want[] = {4, 12, 19, 0, 0, 35, 41, len};
        for (chunk = 0; chunk <= len; chunk++) {
            ends e = {{0}, 0};
            oc_error err;
            size_t off = 0, i;
            csvr *c = csvr_new(NULL, "t.csv", on_end, &e);
            cr_assert_not_null(c);
            oc_error_clear(&err);
            while (off < len) {
                size_t n = chunk && len - off > chunk ? chunk : len - off;
                cr_assert_eq(csvr_feed(c, in + off, n, &err), OC_OK, "%s", err.msg);
                off += n;
            }
            cr_assert_eq(csvr_finish(c, &err), OC_OK, "%s", err.msg);
            csvr_free(c);
            cr_assert_eq(e.n, sizeof want / sizeof want[0], "chunk %zu: %zu records", chunk, e.n);
            for (i = 0; i < e.n; i++)
                cr_assert_eq(e.off[i], want[i], "last '%s', chunk %zu, record %zu: end_off %llu, want %llu", last[k],
                             chunk, i + 1, (unsigned long long)e.off[i], (unsigned long long)want[i]);
        }
    }
}

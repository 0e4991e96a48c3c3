/*
 * fuzz_csv_reader.c - libFuzzer target for ingest/csv_reader.c.
 *
 * Input layout (missing header bytes read as 0):
 *
 *   byte 0  options   bits 0-1  delimiter: ',' ';' '\t' '|'
 *                     bit 2     small max_field  (1 + lim % 32)
 *                     bit 3     small max_fields (1 + lim % 8)
 *                     bit 4     small max_record (64 + lim)
 *                     bits 5-6  chunking: 0 two chunks, 1 three chunks,
 *                               2 chunks of 1..16 bytes (extra & 15) + 1,
 *                               3 two chunks with empty feeds around them
 *                     bit 7     also read the payload from a temporary file
 *                               through oc_source (plain or gzip)
 *   byte 1  lim       parameter of the small limits
 *   byte 2  split     first split point (payload_len * split / 256)
 *   byte 3  extra     bits 0-3: second split point / chunk size;
 *                     bits 4-5: 1 the payload is WINDOWS-1252, 2 UTF-16LE
 *                     (converted to UTF-8 by the reader), 3 the first
 *                     1 + lim % 3 lines are skipped (no libcsv oracle then);
 *                     bits 6-7 == 3: the row callback stops the reader
 *                     with OC_EDATA after (extra >> 2 & 3) + 1 rows;
 *                     bits 6-7 == 2: the chunked run has allocation number
 *                     (extra & 63) + 1 fail (oc_mem_fail_after)
 *   byte 4- payload   the CSV bytes
 *
 * The payload is read once in a single csvr_feed() and once in several
 * chunks; both runs must deliver the same rows (fields, line, record) and
 * end with the same status and error.  The row callback reads every field
 * byte, the OC_ROW_PAD bytes after each field and the raw record, and
 * checks the invariants the reader guarantees (oc_row.h, csv_reader.h):
 * line >= 1 and non-decreasing, record numbers 1, 2, 3..., nfields >= 1,
 * the limits hold, and the fields plus the delimiters between them fit in
 * the record's raw text (unquoting only removes bytes).
 *
 * Oracle: when the reader was not stopped and the input is within the
 * limits, the rows must be exactly what libcsv itself gives when it parses
 * the whole payload (strict mode, no space trimming, BOM removed), with
 * each record's line being the physical line ('\n'-counted) of its first
 * byte.  csv_reader.c promises this: its fast path splits "exactly what
 * libcsv would", everything else goes through libcsv.
 *
 * With an injected allocation failure (extra bits 6-7 == 2) a payload that
 * reads fine must either still read the same or fail with OC_ENOMEM.
 *
 * Errors (OC_EDATA) are expected; a crash, leak, hang or abort() is a bug.
 * -DFUZZ_CSV_NO_ORACLE drops the libcsv comparison.
 */
#define _POSIX_C_SOURCE 200809L

#include <csv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv_reader.h"
#include "oc_error.h"
#include "oc_mem.h"
#include "oc_row.h"
#include "oc_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HASHES 256

typedef struct run {
    const csvr_options *opt;
    csvr               *reader;      /* set after csvr_new, for csvr_lines() */
    uint64_t            nrows;
    uint64_t            last_line;
    uint64_t            all;         /* hash over every row, in order */
    uint64_t            hashes[MAX_HASHES];
    uint64_t            content;     /* hash over fields and lines only (oracle) */
    uint64_t            stop_after;  /* 0 = never */
    unsigned            sink;        /* keeps the byte reads alive */
} run;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v) { return fnv(h, &v, sizeof v); }

static oc_status on_row(void *ctx, const oc_row *row, oc_error *err)
{
    run *r = ctx;
    uint64_t h = 0xcbf29ce484222325ULL, c;
    unsigned sum = 0;
    size_t i, k, flen;

    if (!row || !row->fields)
        abort();
    if (row->line < 1 || row->line < r->last_line)
        abort();
    if (r->reader && row->line > csvr_lines(r->reader) + 1)
        abort();
    if (row->record != r->nrows + 1)
        abort();
    if (row->nfields < 1 || row->nfields > r->opt->max_fields)
        abort();
    if (row->raw_len > 0 && !row->raw)
        abort();

    h = fnv_u64(h, row->nfields);
    c = 0xcbf29ce484222325ULL;
    flen = row->nfields - 1;                      /* the delimiters */
    for (i = 0; i < row->nfields; i++) {
        const oc_field *f = &row->fields[i];
        if (!f->ptr)
            abort();
        if (f->len > r->opt->max_field)
            abort();
        for (k = 0; k < f->len; k++)
            sum += (unsigned char)f->ptr[k];
        for (k = 0; k < OC_ROW_PAD; k++)          /* must be readable */
            sum += (unsigned char)f->ptr[f->len + k];
        h = fnv_u64(h, f->len);
        h = fnv(h, f->ptr, f->len);
        c = fnv_u64(c, f->len);
        c = fnv(c, f->ptr, f->len);
        flen += f->len;
    }
    if (flen > row->raw_len)
        abort();                                  /* fields not taken from raw */
    c = fnv_u64(c, row->nfields);
    c = fnv_u64(c, row->line);
    r->content = fnv_u64(r->content, c);
    for (k = 0; k < row->raw_len; k++)
        sum += (unsigned char)row->raw[k];
    h = fnv_u64(h, row->line);
    h = fnv_u64(h, row->record);

    if (r->nrows < MAX_HASHES)
        r->hashes[r->nrows] = h;
    r->all = fnv_u64(r->all, h);
    r->nrows++;
    r->last_line = row->line;
    r->sink += sum;

    if (r->stop_after && r->nrows >= r->stop_after) {
        oc_error_at(err, NULL, row->line, 0);
        return oc_error_set(err, OC_EDATA, "stopped by the fuzz target after %llu rows",
                            (unsigned long long)r->nrows);
    }
    return OC_OK;
}

/* ---- oracle: libcsv over the whole payload ---- */

#ifndef FUZZ_CSV_NO_ORACLE

typedef struct oracle {
    const csvr_options *opt;
    uint64_t nrows;
    uint64_t content;     /* same chain as run.content */
    uint64_t cur;         /* hash of the record being built */
    size_t   nfields;
    uint64_t line;        /* physical line of the byte being fed */
    uint64_t start_line;  /* line of the current record's first byte */
    int      in_record;
    int      over_limit;  /* a record the reader must refuse on a limit */
} oracle;

static int oracle_no_space(unsigned char ch) { (void)ch; return 0; }

static void oracle_field(void *s, size_t len, void *data)
{
    oracle *o = data;
    if (o->nfields == 0 && !o->in_record)
        abort();                      /* a field before the record began */
    o->cur = fnv_u64(o->cur, len);
    if (len)
        o->cur = fnv(o->cur, s, len);
    o->nfields++;
    if (len > o->opt->max_field || o->nfields > o->opt->max_fields)
        o->over_limit = 1;
}

static void oracle_record(int term, void *data)
{
    oracle *o = data;
    (void)term;
    o->cur = fnv_u64(o->cur, o->nfields);
    o->cur = fnv_u64(o->cur, o->start_line);
    o->content = fnv_u64(o->content, o->cur);
    o->nrows++;
    o->nfields = 0;
    o->in_record = 0;
    o->cur = 0xcbf29ce484222325ULL;
}

/* Returns 0 when libcsv accepts the payload, -1 on a parse error. */
static int oracle_run(const csvr_options *opt, const uint8_t *p, size_t n, oracle *o)
{
    struct csv_parser cp;
    size_t i;
    int rc = 0;
    memset(o, 0, sizeof *o);
    o->opt = opt;
    o->content = 0x84222325cbf29ce4ULL;
    o->cur = 0xcbf29ce484222325ULL;
    o->line = 1;
    if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI) != 0)
        abort();
    csv_set_delim(&cp, (unsigned char)opt->delim);
    csv_set_quote(&cp, (unsigned char)opt->quote);
    csv_set_space_func(&cp, oracle_no_space);
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;
    else
        i = 0;
    /* Byte by byte, so the line of each record's first byte is known:
     * outside a record libcsv skips CR and LF, anything else starts one. */
    for (; i < n; i++) {
        if (!o->in_record && p[i] != '\r' && p[i] != '\n') {
            o->in_record = 1;
            o->start_line = o->line;
        }
        if (csv_parse(&cp, p + i, 1, oracle_field, oracle_record, o) != 1) {
            rc = -1;
            break;
        }
        if (p[i] == '\n')
            o->line++;
    }
    if (rc == 0 && csv_fini(&cp, oracle_field, oracle_record, o) != 0)
        rc = -1;
    csv_free(&cp);
    return rc;
}
#endif

typedef struct outcome {
    run       rows;
    oc_status st;
    oc_error  err;
    uint64_t  lines, records;
} outcome;


static void run_init(run *r, const csvr_options *opt, uint64_t stop_after)
{
    memset(r, 0, sizeof *r);
    r->opt = opt;
    r->all = 0x84222325cbf29ce4ULL;
    r->content = 0x84222325cbf29ce4ULL;
    r->stop_after = stop_after;
}

/* Feeds p[0..n) in the pieces listed in cuts (ascending offsets into p;
 * a repeated offset is an empty feed), or in pieces of `step` bytes when
 * step > 0, then finishes. */
static void run_chunks(const csvr_options *opt, uint64_t stop_after, const uint8_t *p, size_t n,
                       const size_t *cuts, size_t ncuts, size_t step, unsigned long fail_after,
                       outcome *o)
{
    csvr *cr;
    size_t i, at = 0;
    memset(o, 0, sizeof *o);
    run_init(&o->rows, opt, stop_after);
    oc_error_clear(&o->err);
    if (fail_after)
        oc_mem_fail_after(fail_after);
    cr = csvr_new(opt, "fuzz.csv", on_row, &o->rows);
    if (!cr) {
        oc_mem_fail_after(0);
        o->st = oc_error_set(&o->err, OC_ENOMEM, "out of memory");   /* as callers do */
        return;
    }
    o->rows.reader = cr;
    o->st = OC_OK;
    if (step > 0) {
        for (at = 0; at < n && o->st == OC_OK; at += step)
            o->st = csvr_feed(cr, p + at, n - at < step ? n - at : step, &o->err);
    } else {
        for (i = 0; i <= ncuts && o->st == OC_OK; i++) {
            size_t end = i < ncuts ? cuts[i] : n;
            if (end < at || end > n)
                abort();                             /* bug in this target */
            o->st = csvr_feed(cr, p + at, end - at, &o->err);
            at = end;
        }
    }
    if (o->st == OC_OK)
        o->st = csvr_finish(cr, &o->err);
    oc_mem_fail_after(0);
    o->lines = csvr_lines(cr);
    o->records = csvr_records(cr);
    csvr_free(cr);
}

static int same_outcome(const outcome *a, const outcome *b)
{
    uint64_t i, n = a->rows.nrows < MAX_HASHES ? a->rows.nrows : MAX_HASHES;
    if (a->rows.nrows != b->rows.nrows || a->rows.all != b->rows.all)
        return 0;
    for (i = 0; i < n; i++)
        if (a->rows.hashes[i] != b->rows.hashes[i])
            return 0;
    if (a->st != b->st || a->err.code != b->err.code || a->err.line != b->err.line ||
        strcmp(a->err.msg, b->err.msg) != 0)
        return 0;
    if (a->records != b->records)
        return 0;
    return 1;
}

static void check_outcome(const outcome *o)
{
    if (o->records != o->rows.nrows)
        abort();
    if (o->st == OC_OK && o->err.code != OC_OK)
        abort();
    if (o->st != OC_OK && o->err.code != o->st)
        abort();          /* every failure fills err with its own code */
}

/* ---- the oc_source path: a temporary file, plain or gzip ---- */

static char tmp_path[64];

static void remove_tmp(void)
{
    if (tmp_path[0])
        unlink(tmp_path);
}

static void run_source(const csvr_options *opt, uint64_t stop_after, const uint8_t *p, size_t n,
                       const outcome *ref)
{
    FILE *f;
    oc_source *src = NULL;
    csvr *cr;
    outcome o;
    if (!tmp_path[0]) {
        snprintf(tmp_path, sizeof tmp_path, "/tmp/ocstat-fuzz-csv-%ld.bin", (long)getpid());
        atexit(remove_tmp);
    }
    f = fopen(tmp_path, "wb");
    if (!f)
        return;
    if (n > 0 && fwrite(p, 1, n, f) != n) {
        fclose(f);
        return;
    }
    if (fclose(f) != 0)
        return;
    memset(&o, 0, sizeof o);
    run_init(&o.rows, opt, stop_after);
    oc_error_clear(&o.err);
    o.st = src_open(tmp_path, OC_SRC_HASH, &src, &o.err);
    unlink(tmp_path);                /* open already: nothing left behind */
    if (o.st != OC_OK)
        return;
    cr = csvr_new(opt, tmp_path, on_row, &o.rows);
    if (!cr) {
        src_close(src);
        return;
    }
    o.rows.reader = cr;
    o.st = csvr_read_source(cr, src, &o.err);
    o.lines = csvr_lines(cr);
    o.records = csvr_records(cr);
    if (o.st == OC_OK) {
        char hex[OC_SHA256_HEX];
        src_sha256(src, hex);
        if (strlen(hex) != OC_SHA256_HEX - 1)
            abort();
        if (src_raw_bytes(src) != n)
            abort();
        if (!src_is_gzip(src) && src_bytes(src) != n)
            abort();
    }
    check_outcome(&o);
    /* Plain files read through the source give the same rows; gzip input
     * decodes to other bytes, so only robustness is checked. */
    if (!src_is_gzip(src)) {
        if (o.rows.nrows != ref->rows.nrows || o.rows.all != ref->rows.all || o.st != ref->st ||
            o.err.line != ref->err.line || strcmp(o.err.msg, ref->err.msg) != 0) {
            fprintf(stderr, "source and buffer runs differ: rows %llu vs %llu, status %d vs %d "
                            "(\"%s\" vs \"%s\")\n",
                    (unsigned long long)o.rows.nrows, (unsigned long long)ref->rows.nrows,
                    (int)o.st, (int)ref->st, o.err.msg, ref->err.msg);
            abort();
        }
    }
    csvr_free(cr);
    src_close(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delims[4] = {',', ';', '\t', '|'};
    uint8_t hdr[4] = {0, 0, 0, 0};
    const uint8_t *p;
    size_t n, i, cuts[4], ncuts = 0, step = 0;
    csvr_options opt;
    unsigned mode;
    uint64_t stop_after = 0;
    unsigned long fail_after = 0;
    outcome one, many;

    for (i = 0; i < 4 && i < size; i++)
        hdr[i] = data[i];
    p = size > 4 ? data + 4 : data + size;
    n = size > 4 ? size - 4 : 0;

    csvr_options_default(&opt);
    opt.delim = delims[hdr[0] & 3];
    if (hdr[0] & 4)
        opt.max_field = 1 + (size_t)(hdr[1] % 32);
    if (hdr[0] & 8)
        opt.max_fields = 1 + (size_t)(hdr[1] % 8);
    if (hdr[0] & 16)
        opt.max_record = 64 + (size_t)hdr[1];
    mode = (unsigned)(hdr[0] >> 5) & 3;
    switch ((hdr[3] >> 4) & 3) {
    case 1: opt.encoding = "WINDOWS-1252"; break;
    case 2: opt.encoding = "UTF-16LE"; break;
    case 3: opt.skip_lines = 1 + (uint64_t)(hdr[1] % 3); break;
    default: break;
    }
    if ((hdr[3] & 0xC0) == 0xC0)
        stop_after = (uint64_t)((hdr[3] >> 2) & 3) + 1;
    else if ((hdr[3] & 0xC0) == 0x80)
        fail_after = (unsigned long)(hdr[3] & 63) + 1;

    /* reference: the whole payload in one csvr_feed() */
    run_chunks(&opt, stop_after, p, n, NULL, 0, 0, 0, &one);
    check_outcome(&one);

    switch (mode) {
    case 0:
        cuts[ncuts++] = n * hdr[2] / 256;
        break;
    case 1: {
        size_t a = n * hdr[2] / 256, b = n * (size_t)(hdr[3] & 15) / 16;
        cuts[ncuts++] = a < b ? a : b;
        cuts[ncuts++] = a < b ? b : a;
        break;
    }
    case 2:
        step = 1 + (size_t)(hdr[3] & 15);     /* fixed-size chunks */
        break;
    default:
        cuts[ncuts++] = 0;                    /* empty feed first */
        cuts[ncuts++] = n * hdr[2] / 256;
        cuts[ncuts++] = cuts[1];              /* empty feed in the middle */
        break;
    }
    run_chunks(&opt, stop_after, p, n, cuts, ncuts, step, fail_after, &many);
    check_outcome(&many);
    /* An injected allocation failure may only turn a run into OC_ENOMEM:
     * if the input reads fine, any other error misreports it. */
    if (fail_after && one.st == OC_OK && many.st != OC_OK && many.st != OC_ENOMEM) {
        fprintf(stderr, "allocation failure reported as status %d (\"%s\")\n", (int)many.st, many.err.msg);
        abort();
    }
    if ((!fail_after || many.st == OC_OK) && !same_outcome(&one, &many)) {
        fprintf(stderr, "chunked and one-chunk runs differ: rows %llu vs %llu, status %d vs %d "
                        "(\"%s\" vs \"%s\")\n",
                (unsigned long long)one.rows.nrows, (unsigned long long)many.rows.nrows,
                (int)one.st, (int)many.st, one.err.msg, many.err.msg);
        abort();
    }

#ifndef FUZZ_CSV_NO_ORACLE
    if (!stop_after && n <= opt.max_record && !opt.encoding && !opt.skip_lines) {
        oracle o;
        int orc = oracle_run(&opt, p, n, &o);
        if (!o.over_limit &&
            (o.nrows != one.rows.nrows || o.content != one.rows.content || (orc != 0) != (one.st != OC_OK))) {
            fprintf(stderr, "csv_reader and libcsv disagree: %llu vs %llu rows, reader status %d "
                            "(\"%s\" line %llu), libcsv %s\n",
                    (unsigned long long)one.rows.nrows, (unsigned long long)o.nrows, (int)one.st,
                    one.err.msg, (unsigned long long)one.err.line, orc ? "error" : "ok");
            abort();
        }
    }
#endif

    if (hdr[0] & 128)
        run_source(&opt, stop_after, p, n, &one);
    return 0;
}

/*
 * csv_reader.c - line-at-a-time CSV reading with a fast path.
 *
 * Why it is built this way:
 *  - libcsv has no notion of lines, so bytes are split at '\n' here and
 *    handed over one physical line at a time; when a record completes, the
 *    line on which it started is known exactly, quoted line breaks included.
 *  - Most lines of real extracts hold no quote character and no stray CR.
 *    For those, splitting at the delimiter gives exactly what libcsv would
 *    (we configure libcsv to trim nothing), so such lines are split in place
 *    without copying, 16 bytes at a time where SSE2 is available.  Any line
 *    with a quote or an inner CR, and every line of a record that libcsv has
 *    started, goes through libcsv in strict mode.
 *  - Input is kept in one buffer; complete lines are processed where they
 *    lie and the unfinished tail is moved to the front.  A line may not
 *    exceed max_record, so memory is bounded whatever the input.
 */
#include "csv_reader.h"

#include <errno.h>
#include <iconv.h>
#include <strings.h>

#include <csv.h>
#include <string.h>

#include "oc_mem.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define PAD 64                 /* readable slack after the data for SIMD loads */
#define READ_CHUNK (128u << 10)

struct csvr {
    csvr_options opt;
    const char  *path;
    oc_row_fn  on_row;
    void        *ctx;

    char        *buf;          /* owned; input not yet consumed; cap + PAD bytes */
    size_t       len, cap;
    int          bom_checked;

    uint64_t     lines;        /* complete physical lines consumed */
    uint64_t     records;
    uint64_t     bytes_done;   /* input bytes consumed before buf[0] */

    oc_field  *fields;       /* owned, max_fields */

    /* slow path (libcsv) */
    struct csv_parser p;
    int          in_slow;      /* libcsv holds a partial record */
    uint64_t     slow_line;    /* line on which the libcsv record started */
    oc_buf       fbuf;         /* field bytes of the current libcsv record */
    size_t      *foff;         /* owned; offsets of fields in fbuf */
    size_t       nslow;        /* fields so far in the libcsv record */
    oc_buf       raw;          /* raw bytes of the current libcsv record */
    oc_status    cb_status;    /* first error raised inside a libcsv callback */
    oc_error    *cb_err;
    uint64_t     line_byte0;   /* input offset of the line being fed */
    uint64_t     cur_line;     /* the line being fed to libcsv */
    const char  *line_ptr;     /* start of that line (byte offsets in messages) */
    const char  *piece_end;    /* while a piece that ends its line is fed: the line's end
                                * (after its line end), else NULL; a record that starts
                                * and ends there is one line (oc_row.end_off) */

    /* encoding conversion (iconv), when the input is not UTF-8 */
    iconv_t      cd;           /* (iconv_t)-1: none */
    char        *ibuf;         /* owned: input bytes not converted yet */
    size_t       ilen;
    char        *obuf;         /* owned: converted bytes */
};

/* libcsv keeps its state in the public struct csv_parser; pstate 0 is its
 * ROW_NOT_BEGUN (libcsv.c), i.e. no record is half-read.  A line can end a
 * record and start another (a bare CR is a record end for libcsv), so this
 * is asked after every line rather than tracked from the callbacks. */
static int libcsv_mid_record(const struct csv_parser *p) { return p->pstate != 0; }

void csvr_options_default(csvr_options *o)
{
    memset(o, 0, sizeof *o);
    o->delim = ',';
    o->quote = '"';
    o->max_field = 65536;
    o->max_fields = 4096;
    o->max_record = 1u << 20;
}

static int no_space(unsigned char c) { (void)c; return 0; }

#define CONV_IN  65536                 /* input bytes converted at a time */
#define CONV_OUT (CONV_IN * 4 + 64)     /* UTF-8 needs at most 4 bytes per input byte */

static int is_utf8(const char *name)
{
    return !strcasecmp(name, "UTF-8") || !strcasecmp(name, "UTF8");
}

int csvr_encoding_ok(const char *name)
{
    iconv_t cd;
    if (is_utf8(name))
        return 1;
    if ((cd = iconv_open("UTF-8", name)) == (iconv_t)-1)
        return 0;
    iconv_close(cd);
    return 1;
}

csvr *csvr_new(const csvr_options *opt, const char *path, oc_row_fn on_row, void *ctx)
{
    csvr *r = oc_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (opt)
        r->opt = *opt;
    else
        csvr_options_default(&r->opt);
    if (r->opt.max_fields == 0)
        r->opt.max_fields = 4096;
    if (r->opt.max_field == 0)
        r->opt.max_field = 65536;
    if (r->opt.max_record < 64)
        r->opt.max_record = 1u << 20;
    r->path = path;
    r->on_row = on_row;
    r->ctx = ctx;
    r->cd = (iconv_t)-1;
    if (r->opt.encoding && !is_utf8(r->opt.encoding)) {
        r->cd = iconv_open("UTF-8", r->opt.encoding);
        r->ibuf = oc_malloc(CONV_IN);
        r->obuf = oc_malloc(CONV_OUT);
        if (r->cd == (iconv_t)-1 || !r->ibuf || !r->obuf) {
            if (r->cd != (iconv_t)-1)
                iconv_close(r->cd);
            oc_free(r->ibuf);
            oc_free(r->obuf);
            oc_free(r);
            return NULL;
        }
    }
    r->cap = READ_CHUNK * 2;
    r->buf = oc_calloc(r->cap + PAD, 1);
    r->fields = oc_calloc(r->opt.max_fields, sizeof *r->fields);
    r->foff = oc_calloc(r->opt.max_fields + 1, sizeof *r->foff);
    oc_buf_init(&r->fbuf, r->opt.max_record + OC_ROW_PAD);
    oc_buf_init(&r->raw, r->opt.max_record);
    if (!r->buf || !r->fields || !r->foff ||
        csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        oc_free(r->buf);
        oc_free(r->fields);
        oc_free(r->foff);
        oc_free(r);
        return NULL;
    }
    csv_set_delim(&r->p, (unsigned char)r->opt.delim);
    csv_set_quote(&r->p, (unsigned char)r->opt.quote);
    csv_set_space_func(&r->p, no_space);
    return r;
}

void csvr_free(csvr *r)
{
    if (!r)
        return;
    if (r->cd != (iconv_t)-1)
        iconv_close(r->cd);
    oc_free(r->ibuf);
    oc_free(r->obuf);
    csv_free(&r->p);
    oc_buf_fini(&r->fbuf);
    oc_buf_fini(&r->raw);
    oc_free(r->foff);
    oc_free(r->fields);
    oc_free(r->buf);
    oc_free(r);
}

uint64_t csvr_lines(const csvr *r) { return r->lines; }
uint64_t csvr_records(const csvr *r) { return r->records; }

static oc_status fail(csvr *r, oc_error *err, uint64_t line, oc_status code, const char *msg)
{
    oc_error_at(err, r->path, line, 0);
    return oc_error_set(err, code, "%s", msg);
}

/* after: where the bytes after a record the fast path split start in buf,
 * or NULL */
static oc_status deliver(csvr *r, const oc_field *f, size_t nf, uint64_t line,
                         const char *raw, size_t raw_len, const char *after, oc_error *err)
{
    oc_row row;
    row.end_off = after ? r->bytes_done + (uint64_t)(after - r->buf) : 0;
    row.fields = f;
    row.nfields = nf;
    row.line = line;
    row.record = ++r->records;
    row.raw = raw;
    row.raw_len = raw_len;
    return r->on_row(r->ctx, &row, err);
}

/* ---- slow path: libcsv ---- */

/* Appends to a buffer of the current libcsv record (its fields or its raw
 * text); past the record limit or out of memory, an error in err. */
static oc_status record_append(csvr *r, oc_buf *b, const void *p, size_t n, oc_error *err)
{
    char m[96];
    oc_status st = oc_buf_append(b, p, n);
    if (st == OC_OK)
        return OC_OK;
    if (st == OC_ENOMEM)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    snprintf(m, sizeof m, "record longer than %zu bytes (unterminated quote?)", r->opt.max_record);
    return fail(r, err, r->slow_line, OC_EDATA, m);
}

/* One field of the libcsv record: checked against the limits, copied. */
static void add_field(csvr *r, const char *s, size_t len)
{
    if (r->cb_status != OC_OK)
        return;
    if (r->nslow >= r->opt.max_fields) {
        char m[96];
        snprintf(m, sizeof m, "more than %zu fields in a record", r->opt.max_fields);
        r->cb_status = fail(r, r->cb_err, r->slow_line, OC_EDATA, m);
        return;
    }
    if (len > r->opt.max_field) {
        char m[96];
        snprintf(m, sizeof m, "field %zu longer than %zu bytes", r->nslow + 1, r->opt.max_field);
        r->cb_status = fail(r, r->cb_err, r->slow_line, OC_EDATA, m);
        return;
    }
    r->foff[r->nslow] = r->fbuf.len;
    r->cb_status = record_append(r, &r->fbuf, s, len, r->cb_err);
    if (r->cb_status == OC_OK)
        r->nslow++;
}

static void cb_field(void *s, size_t len, void *data) { add_field(data, s, len); }

static void cb_record(int term, void *data)
{
    csvr *r = data;
    size_t i, raw_len;
    (void)term;
    if (r->cb_status != OC_OK)
        return;
    r->foff[r->nslow] = r->fbuf.len;
    /* OC_ROW_PAD readable bytes after the last field (see oc_row.h) */
    r->cb_status = record_append(r, &r->fbuf, "\0\0\0\0\0\0\0\0", OC_ROW_PAD, r->cb_err);
    if (r->cb_status != OC_OK)
        return;
    for (i = 0; i < r->nslow; i++) {
        r->fields[i].ptr = r->fbuf.data + r->foff[i];
        r->fields[i].len = r->foff[i + 1] - r->foff[i];
    }
    raw_len = r->raw.len;
    while (raw_len > 0 && (r->raw.data[raw_len - 1] == '\n' || r->raw.data[raw_len - 1] == '\r'))
        raw_len--;
    r->cb_status = deliver(r, r->fields, r->nslow, r->slow_line, r->raw.data ? r->raw.data : "", raw_len,
                           r->slow_line == r->cur_line ? r->piece_end : NULL, r->cb_err);
    r->nslow = 0;
    oc_buf_reset(&r->fbuf);
    oc_buf_reset(&r->raw);
    r->slow_line = r->cur_line;   /* a record that follows starts on this line */
}

/* Feed one piece of a line to libcsv; a record can end only at the piece's
 * last byte (see slow_line), so the raw text of every record is exact. */
static oc_status slow_piece(csvr *r, const char *p, size_t n, uint64_t lineno, oc_error *err)
{
    size_t got;
    oc_status st;
    if (!r->in_slow) {
        r->in_slow = 1;
        r->slow_line = lineno;
        r->nslow = 0;
        oc_buf_reset(&r->fbuf);
        oc_buf_reset(&r->raw);
    }
    r->cur_line = lineno;
    st = record_append(r, &r->raw, p, n, err);
    if (st != OC_OK)
        return st;
    r->cb_status = OC_OK;
    r->cb_err = err;
    got = csv_parse(&r->p, p, n, cb_field, cb_record, r);
    if (r->cb_status != OC_OK)
        return r->cb_status;
    if (got != n) {
        char m[160];
        int e = csv_error(&r->p);
        if (e == CSV_EPARSE)
            snprintf(m, sizeof m, "malformed quoted field: stray quote or text after a closing quote at byte %llu",
                     (unsigned long long)(r->line_byte0 + (uint64_t)(p - r->line_ptr) + got + 1));
        else if (e == CSV_ETOOBIG)
            snprintf(m, sizeof m, "field too large");
        else
            snprintf(m, sizeof m, "out of memory");
        csv_fini(&r->p, NULL, NULL, NULL);   /* reset without delivering */
        r->in_slow = 0;
        return fail(r, err, lineno, e == CSV_ENOMEM ? OC_ENOMEM : OC_EDATA, m);
    }
    if (!libcsv_mid_record(&r->p))
        r->in_slow = 0;
    return OC_OK;
}

/* Feed one physical line (with its '\n' if it has one) to libcsv, in
 * pieces that end at each CR: libcsv ends records at CR as well as LF. */
static oc_status slow_line(csvr *r, const char *p, size_t n, uint64_t lineno, oc_error *err)
{
    const char *end = p + n;
    oc_status st = OC_OK;
    while (p < end && st == OC_OK) {
        const char *cr = memchr(p, '\r', (size_t)(end - p));
        const char *stop = cr && cr + 1 < end ? cr + 1 : end;
        /* a piece ends the line if only the line's LF is left (CRLF) */
        r->piece_end = stop == end || (stop + 1 == end && *stop == '\n') ? end : NULL;
        st = slow_piece(r, p, (size_t)(stop - p), lineno, err);
        p = stop;
    }
    r->piece_end = NULL;
    return st;
}

/* A record starts on a line that needs libcsv.  When a quote comes before
 * any CR, the fields before the one holding it are plain, so they are split
 * here and libcsv gets the rest of the line (quoted fields are usually few
 * and last).  Lines with a CR go to libcsv whole: a CR right after a
 * delimiter would look like a blank line to libcsv if fed on its own. */
static oc_status slow_start(csvr *r, const char *p, size_t n, uint64_t lineno, oc_error *err)
{
    const char *q = memchr(p, r->opt.quote, n), *cr = memchr(p, '\r', n), *stop, *f, *d;
    size_t skip = 0;
    oc_status st;
    stop = q && (!cr || q < cr) ? q : NULL;
    for (f = stop; f && f > p; f--)
        if (f[-1] == r->opt.delim) {
            skip = (size_t)(f - p);
            break;
        }
    r->in_slow = 1;
    r->slow_line = r->cur_line = lineno;
    r->nslow = 0;
    oc_buf_reset(&r->fbuf);
    oc_buf_reset(&r->raw);
    if (skip == 0)
        return slow_line(r, p, n, lineno, err);
    st = record_append(r, &r->raw, p, skip, err);
    if (st != OC_OK)
        return st;
    r->cb_status = OC_OK;
    r->cb_err = err;
    for (f = p; f < p + skip; f = d + 1) {
        d = memchr(f, r->opt.delim, (size_t)(p + skip - f));
        add_field(r, f, (size_t)(d - f));
        if (r->cb_status != OC_OK)
            return r->cb_status;
    }
    return slow_line(r, p + skip, n - skip, lineno, err);
}

/* ---- fast path: no quote, no inner CR ---- */

/* Splits p[0..n) at the delimiter into r->fields.  Returns the field count
 * (and the longest field's length in *maxlen), 0 if the line holds a quote
 * or CR (caller takes the slow path), or (size_t)-1 if there are too many
 * fields. */
static size_t fast_split(csvr *r, const char *p, size_t n, size_t *maxlen)
{
    const char delim = r->opt.delim, quote = r->opt.quote;
    size_t nf = 0, start = 0, i = 0, maxf = r->opt.max_fields, longest = 0;
    oc_field *f = r->fields;
#if defined(__SSE2__)
    const __m128i vd = _mm_set1_epi8(delim), vq = _mm_set1_epi8(quote), vr = _mm_set1_epi8('\r');
    for (; i < n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned md = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vd));
        unsigned mx = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, vq), _mm_cmpeq_epi8(v, vr)));
        if (n - i < 16) {
            unsigned keep = (1u << (n - i)) - 1u;
            md &= keep;
            mx &= keep;
        }
        if (mx)
            return 0;
        while (md) {
            size_t pos = i + (size_t)__builtin_ctz(md);
            if (nf + 1 >= maxf)
                return (size_t)-1;
            f[nf].ptr = p + start;
            f[nf].len = pos - start;
            longest = f[nf].len > longest ? f[nf].len : longest;
            nf++;
            start = pos + 1;
            md &= md - 1;
        }
    }
#else
    for (; i < n; i++) {
        char c = p[i];
        if (c == quote || c == '\r')
            return 0;
        if (c == delim) {
            if (nf + 1 >= maxf)
                return (size_t)-1;
            f[nf].ptr = p + start;
            f[nf].len = i - start;
            longest = f[nf].len > longest ? f[nf].len : longest;
            nf++;
            start = i + 1;
        }
    }
#endif
    f[nf].ptr = p + start;
    f[nf].len = n - start;
    longest = f[nf].len > longest ? f[nf].len : longest;
    *maxlen = longest;
    return nf + 1;
}

/* One physical line p[0..n) (without '\n'); has_nl tells whether a '\n'
 * followed it.  lineno is its 1-based number. */
static oc_status do_line(csvr *r, char *p, size_t n, int has_nl, uint64_t lineno, oc_error *err)
{
    size_t m = n, nf, i, longest;
    r->line_ptr = p;   /* byte offsets in libcsv messages count from here */
    if (r->in_slow)
        return slow_line(r, p, n + (size_t)has_nl, lineno, err);
    if (m > 0 && p[m - 1] == '\r')
        m--;
    if (m == 0)
        return OC_OK;                        /* blank line: no record */
    nf = fast_split(r, p, m, &longest);
    if (nf == 0)
        return slow_start(r, p, n + (size_t)has_nl, lineno, err);
    if (nf == (size_t)-1) {
        char msg[96];
        snprintf(msg, sizeof msg, "more than %zu fields in a record", r->opt.max_fields);
        return fail(r, err, lineno, OC_EDATA, msg);
    }
    if (longest > r->opt.max_field)
        for (i = 0; i < nf; i++)
            if (r->fields[i].len > r->opt.max_field) {
                char msg[96];
                snprintf(msg, sizeof msg, "field %zu longer than %zu bytes", i + 1, r->opt.max_field);
                return fail(r, err, lineno, OC_EDATA, msg);
            }
    return deliver(r, r->fields, nf, lineno, p, m, p + n + (size_t)has_nl, err);
}

/* Process the complete lines in buf; keep the tail.  final: the tail is the
 * last line (no '\n'). */
static oc_status process(csvr *r, int final, oc_error *err)
{
    char *p = r->buf, *end = r->buf + r->len;
    oc_status st = OC_OK;
    if (!r->bom_checked) {
        if (r->len < 3 && !final)
            return OC_OK;
        r->bom_checked = 1;
        if (r->len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
            (unsigned char)p[2] == 0xBF)
            p += 3;
    }
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        int has_nl = nl != NULL;
        if (!has_nl && !final)
            break;
        if (!has_nl)
            nl = end;
        if (r->lines < r->opt.skip_lines) {   /* above the header: not CSV */
            r->lines++;
            p = has_nl ? nl + 1 : end;
            continue;
        }
        r->line_byte0 = r->bytes_done + (uint64_t)(p - r->buf);
        st = do_line(r, p, (size_t)(nl - p), has_nl, r->lines + 1, err);
        r->lines++;
        p = has_nl ? nl + 1 : end;
        if (st != OC_OK)
            break;
    }
    r->bytes_done += (uint64_t)(p - r->buf);
    memmove(r->buf, p, (size_t)(end - p));
    r->len = (size_t)(end - p);
    return st;
}

/* Make room for at least one more byte; grows only while a single line is
 * longer than the buffer, up to max_record. */
static oc_status make_room(csvr *r, oc_error *err)
{
    char *nb;
    size_t nc;
    if (r->len < r->cap)
        return OC_OK;
    if (r->len > r->opt.max_record) {
        char msg[96];
        snprintf(msg, sizeof msg, "line longer than %zu bytes", r->opt.max_record);
        return fail(r, err, r->lines + 1, OC_EDATA, msg);
    }
    nc = r->cap * 2;
    nb = oc_realloc(r->buf, nc + PAD);
    if (!nb)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    memset(nb + r->cap + PAD, 0, nc - r->cap);   /* keep the slack initialised */
    r->buf = nb;
    r->cap = nc;
    return OC_OK;
}

static oc_status feed_utf8(csvr *r, const void *data, size_t len, oc_error *err)
{
    const char *s = data;
    while (len > 0) {
        size_t k;
        oc_status st = make_room(r, err);
        if (st != OC_OK)
            return st;
        k = r->cap - r->len;
        if (k > len)
            k = len;
        memcpy(r->buf + r->len, s, k);
        r->len += k;
        s += k;
        len -= k;
        st = process(r, 0, err);
        if (st != OC_OK)
            return st;
    }
    return OC_OK;
}

/* Converts r->ibuf[0..ilen) to UTF-8 and parses it; an incomplete
 * sequence at the end stays in ibuf unless final. */
static oc_status convert(csvr *r, int final, oc_error *err)
{
    char *in = r->ibuf;
    size_t left = r->ilen;
    while (left > 0) {
        char *out = r->obuf;
        size_t room = CONV_OUT, k;
        size_t rc = iconv(r->cd, &in, &left, &out, &room);
        int e = rc == (size_t)-1 ? errno : 0;
        oc_status st = feed_utf8(r, r->obuf, (size_t)(out - r->obuf), err);
        if (st != OC_OK)
            return st;
        if (e == EILSEQ || (e == EINVAL && final)) {
            char msg[96];
            uint64_t line = r->lines + 1;
            for (k = 0; k < r->len; k++)
                line += r->buf[k] == '\n';
            if (e == EILSEQ)
                snprintf(msg, sizeof msg, "byte 0x%02X is not valid %s", (unsigned)(unsigned char)*in,
                         r->opt.encoding);
            else
                snprintf(msg, sizeof msg, "input ends inside a %s character", r->opt.encoding);
            return fail(r, err, line, OC_EDATA, msg);
        }
        if (e == EINVAL)
            break;   /* the rest of a character comes with the next bytes */
        if (e && e != E2BIG)
            return oc_error_set(err, OC_EDATA, "%s: cannot convert from %s", r->path ? r->path : "input",
                                r->opt.encoding);
    }
    memmove(r->ibuf, in, left);
    r->ilen = left;
    return OC_OK;
}

oc_status csvr_feed(csvr *r, const void *data, size_t len, oc_error *err)
{
    const char *s = data;
    if (r->cd == (iconv_t)-1)
        return feed_utf8(r, data, len, err);
    while (len > 0) {
        size_t k = CONV_IN - r->ilen;
        oc_status st;
        if (k > len)
            k = len;
        memcpy(r->ibuf + r->ilen, s, k);
        r->ilen += k;
        s += k;
        len -= k;
        if ((st = convert(r, 0, err)) != OC_OK)
            return st;
    }
    return OC_OK;
}

oc_status csvr_finish(csvr *r, oc_error *err)
{
    oc_status st;
    if (r->cd != (iconv_t)-1 && r->ilen > 0 && (st = convert(r, 1, err)) != OC_OK)
        return st;
    if (r->len > r->opt.max_record) {
        char msg[96];
        snprintf(msg, sizeof msg, "line longer than %zu bytes", r->opt.max_record);
        return fail(r, err, r->lines + 1, OC_EDATA, msg);
    }
    st = process(r, 1, err);
    if (st != OC_OK)
        return st;
    if (r->in_slow || libcsv_mid_record(&r->p)) {
        r->cb_status = OC_OK;
        r->cb_err = err;
        r->cur_line = r->lines;
        r->piece_end = r->buf + r->len;   /* the input's end: a last record on one line ends there */
        if (csv_fini(&r->p, cb_field, cb_record, r) != 0) {
            csv_fini(&r->p, NULL, NULL, NULL);
            r->in_slow = 0;
            r->piece_end = NULL;
            return fail(r, err, r->slow_line, OC_EDATA, "unterminated quoted field");
        }
        r->piece_end = NULL;
        if (r->cb_status != OC_OK)
            return r->cb_status;
    }
    return OC_OK;
}

oc_status csvr_read_source(csvr *r, oc_source *src, oc_error *err)
{
    if (r->cd != (iconv_t)-1) {   /* through the converter */
        char *chunk = oc_malloc(CONV_IN);
        oc_status st = OC_OK;
        if (!chunk)
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        for (;;) {
            size_t n = 0;
            if ((st = src_read(src, chunk, CONV_IN, &n, err)) != OC_OK || n == 0)
                break;
            if ((st = csvr_feed(r, chunk, n, err)) != OC_OK)
                break;
        }
        oc_free(chunk);
        return st != OC_OK ? st : csvr_finish(r, err);
    }
    for (;;) {
        size_t n = 0;
        oc_status st = make_room(r, err);
        if (st != OC_OK)
            return st;
        /* at most READ_CHUNK at a time: parsed while still in the L2 cache */
        st = src_read(src, r->buf + r->len, r->cap - r->len < READ_CHUNK ? r->cap - r->len : READ_CHUNK, &n,
                      err);
        if (st != OC_OK)
            return st;
        if (n == 0)
            break;
        r->len += n;
        st = process(r, 0, err);
        if (st != OC_OK)
            return st;
    }
    return csvr_finish(r, err);
}

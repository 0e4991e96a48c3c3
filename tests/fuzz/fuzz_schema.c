/*
 * fuzz_schema.c - libFuzzer target for common/oc_yaml.c and
 * transform/schema.c (loading, binding, recoding).
 *
 * Input: up to three parts separated by a line "#@@" ("\n#@@\n"):
 *
 *   part 0  the schema YAML, written to DIR/schema.yaml
 *   part 1  (optional) written to DIR/t.csv, so a schema can name it as a
 *           codelist, bands or lookup file; without it DIR/t.csv does not
 *           exist
 *   part 2  (optional) data records appended after a header line built
 *           from the schema's column names
 *
 * DIR is /tmp/ocstat-fuzz-schema-PID, created on the first input that is
 * loaded and removed at exit (not after a crash).  It also holds fixed files a schema can name (see
 * fixed_files[]).  A schema whose YAML holds any scalar starting with '/'
 * or containing ".." is parsed but not loaded, so no input makes the
 * target read files outside DIR (a fifo or /dev/stdin would hang it).
 * If part 0 starts with "#!oom N" (a YAML comment), the schema is loaded
 * once normally and once with allocation N failing (oc_mem_fail_after);
 * "#!oom *" loads it once with each allocation failing in turn (with
 * growing steps unless OC_FUZZ_REPLAY is set in the environment, as
 * replay_main.c does).
 *
 * What runs:
 *   1. oc_yaml_parse() on the whole input and on part 0; the tree is walked
 *      with the oc_y* helpers and its invariants checked.
 *   2. schema_load(DIR/schema.yaml).  If it loads: every dimension's codes
 *      are listed and ordered; a header made of the column names (and the
 *      count column) is bound with schema_bind_header(), and a few records
 *      built from the schema's own values (known codes, min, max, tokens,
 *      missing tokens, bad values, chosen by a PRNG seeded from the input)
 *      go through schema_recode(); then the same header as CSV text plus
 *      part 2 go through a csvr with the schema's delimiter and quote, as
 *      the ocstat pass does; with a lookup on an input column, the text goes
 *      through once more, each random-sized piece shown first to the
 *      watcher that resolves lookups ahead (ahead.h), and every record is
 *      recoded with and without its hints.
 *
 * Checked: no crash, leak or hang; on success every code index is within
 * its dimension; on reject a reason is set; a loaded schema's dimension
 * codes are found again by dim_find() and dim_output_order() gives a
 * permutation; an allocation failure is reported as OC_ENOMEM when the
 * schema loads fine without it; hints never change a recode, a known key
 * on a plain line is never missed ahead, and a candidate with the record's
 * key is its rows.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ahead.h"
#include "csv_reader.h"
#include "oc_error.h"
#include "oc_mem.h"
#include "oc_row.h"
#include "oc_yaml.h"
#include "lookup.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MARKER     "\n#@@\n"
#define MAX_ROWS   2000       /* records of part 2 that are recoded */
#define MAX_VALUES 8          /* derived records per input */
#define FAIL_ALL   (~0UL)     /* "#!oom *": fail each allocation in turn */

/* ---------- the scratch directory ---------- */

static const struct fixed_file {
    const char *name;
    const char *text;
} fixed_files[] = {
    {"codes.csv", "from,to,label\n1,A,Alpha\n2,B,Beta\n3,A,\nx,_U,Unknown\n"},
    {"code-only.csv", "code,label\nF,Female\nM,Male\n_O,Other\n_U,Unknown\n"},
    {"iccs.csv", "code,level,parent,label\n01,1,,Acts leading to death\n0101,2,01,Intentional homicide\n"
                 "01011,3,0101,Murder\n010111,4,01011,Murder of a partner\n02,1,,Acts causing harm\n"},
    {"bands.csv", "code,lo,hi,label\nY0T17,0,17,Children\nY18T64,18,64,\nY_GE65,65,,65 and over\n"},
    {"bands-neg.csv", "code,lo,hi\nNEG,-100,-1\nZERO,0,0\nPOS,1,100\n"},
    {"bands-wide.csv", "code,lo,hi\nLOW,-5000000000,-1\nMID,0,1000000\nHIGH,1000001,\n"},
    {"bad-bands.csv", "code,lo,hi\nA,0,10\nB,5,20\n"},
    {"empty.csv", ""},
};

static char dir[96];
static char schema_path[128];
static char tfile_path[128];

static void path_in_dir(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void cleanup(void)
{
    char p[160];
    size_t i;
    for (i = 0; i < sizeof fixed_files / sizeof fixed_files[0]; i++) {
        path_in_dir(p, sizeof p, fixed_files[i].name);
        unlink(p);
    }
    unlink(schema_path);
    unlink(tfile_path);
    rmdir(dir);
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f)
        return -1;
    ok = n == 0 || fwrite(p, 1, n, f) == n;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

static void setup(void)
{
    static int registered;
    size_t i;
    char p[160];
    if (dir[0])
        return;
    snprintf(dir, sizeof dir, "/tmp/ocstat-fuzz-schema-%ld", (long)getpid());
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "fuzz_schema: cannot create %s\n", dir);
        abort();
    }
    path_in_dir(schema_path, sizeof schema_path, "schema.yaml");
    path_in_dir(tfile_path, sizeof tfile_path, "t.csv");
    for (i = 0; i < sizeof fixed_files / sizeof fixed_files[0]; i++) {
        path_in_dir(p, sizeof p, fixed_files[i].name);
        if (write_file(p, fixed_files[i].text, strlen(fixed_files[i].text)) != 0)
            abort();
    }
    if (!registered)
        atexit(cleanup);
    registered = 1;
}

/* ---------- small helpers ---------- */

static const uint8_t *find_marker(const uint8_t *p, size_t n)
{
    size_t m = sizeof MARKER - 1, i;
    for (i = 0; i + m <= n; i++)
        if (p[i] == '\n' && memcmp(p + i, MARKER, m) == 0)
            return p + i;
    return NULL;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return x;
}

static size_t pick(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

static volatile unsigned sink;

static void touch(const char *p, size_t n)
{
    unsigned s = 0;
    size_t i;
    for (i = 0; i < n; i++)
        s += (unsigned char)p[i];
    sink += s;
}

static void check_error(const oc_error *err, oc_status st)
{
    if (st == OC_OK)
        return;
    if (err->code != st)
        abort();
    if (memchr(err->msg, '\0', sizeof err->msg) == NULL || memchr(err->path, '\0', sizeof err->path) == NULL ||
        memchr(err->column, '\0', sizeof err->column) == NULL)
        abort();
    touch(err->msg, strlen(err->msg));
}

/* ---------- 1. the YAML tree ---------- */

static int unsafe_path;   /* a scalar that could name a file outside dir */

static void walk(const oc_ynode *n, int depth)
{
    static const char *const allowed[] = {"dataset", "format", "columns", "dimensions", "type", NULL};
    oc_error err;
    oc_status st;
    size_t i;
    if (!n || depth > 200)
        abort();
    if (n->line < 1 || n->col < 1)
        abort();
    switch (n->kind) {
    case OC_YSCALAR: {
        int64_t v;
        int b;
        if (!n->str || n->str[n->len] != '\0' || n->n != 0)
            abort();
        touch(n->str, n->len);
        if (n->len > 0 && n->str[0] == '/')
            unsafe_path = 1;
        for (i = 0; i + 1 < n->len; i++)
            if (n->str[i] == '.' && n->str[i + 1] == '.')
                unsafe_path = 1;
        oc_error_clear(&err);
        st = oc_yint(n, "f.yaml", &v, &err);
        check_error(&err, st);
        oc_error_clear(&err);
        st = oc_ybool(n, "f.yaml", &b, &err);
        check_error(&err, st);
        sink += (unsigned)oc_ynode_is_null(n);
        break;
    }
    case OC_YMAP:
        if (n->n > 0 && (!n->keys || !n->vals))
            abort();
        for (i = 0; i < n->n; i++) {
            if (!n->keys[i] || n->keys[i]->kind != OC_YSCALAR)
                abort();
            /* keys are unique (duplicates are refused), so each is found */
            if (oc_ymap_get(n, n->keys[i]->str) != n->vals[i])
                abort();
            walk(n->keys[i], depth + 1);
            walk(n->vals[i], depth + 1);
        }
        oc_error_clear(&err);
        st = oc_ycheck_keys(n, allowed, "f.yaml", &err);
        check_error(&err, st);
        break;
    case OC_YSEQ:
        if (n->keys)
            abort();
        if (n->n > 0 && !n->vals)
            abort();
        for (i = 0; i < n->n; i++)
            walk(n->vals[i], depth + 1);
        if (oc_ymap_get(n, "x") != NULL)
            abort();
        break;
    default:
        abort();
    }
    oc_error_clear(&err);
    st = oc_yexpect(n, OC_YMAP, "f.yaml", "a node", &err);
    check_error(&err, st);
}

/* Parses buf; returns 0 if it is YAML holding a scalar that could name a
 * file outside dir, else 1 (schema_load then fails the same way on YAML
 * that does not parse). */
static int yaml_check(const uint8_t *buf, size_t len)
{
    oc_ynode *root = NULL;
    oc_error err;
    oc_status st;
    oc_error_clear(&err);
    unsafe_path = 0;
    st = oc_yaml_parse((const char *)buf, len, "f.yaml", &root, &err);
    check_error(&err, st);
    if (st != OC_OK) {
        if (root != NULL)
            abort();
        return 1;
    }
    if (!root)
        abort();
    walk(root, 0);
    oc_ynode_free(root);
    return !unsafe_path;
}

/* ---------- 2. rows built from the schema ---------- */

typedef struct rowbuf {
    char    *mem;       /* field bytes, each followed by OC_ROW_PAD zero bytes */
    size_t   len, cap;
    oc_field f[64];
    size_t   off[64];
    size_t   nf;
} rowbuf;

static void rb_reset(rowbuf *rb)
{
    rb->len = 0;
    rb->nf = 0;
}

/* Sets field i (extending with empty fields) to p[0..n). */
static void rb_set(rowbuf *rb, size_t i, const char *p, size_t n)
{
    if (i >= sizeof rb->f / sizeof rb->f[0])
        return;
    while (rb->nf <= i) {
        rb->off[rb->nf] = SIZE_MAX;
        rb->f[rb->nf].len = 0;
        rb->nf++;
    }
    if (rb->len + n + OC_ROW_PAD > rb->cap) {
        size_t nc = (rb->len + n + OC_ROW_PAD) * 2 + 64;
        char *m = realloc(rb->mem, nc);
        if (!m)
            abort();
        rb->mem = m;
        rb->cap = nc;
    }
    if (n)
        memcpy(rb->mem + rb->len, p, n);
    memset(rb->mem + rb->len + n, 0, OC_ROW_PAD);
    rb->off[i] = rb->len;
    rb->f[i].len = n;
    rb->len += n + OC_ROW_PAD;
}

/* Fills the field pointers (after every rb_set, the buffer may move). */
static void rb_row(rowbuf *rb, oc_row *row, uint64_t record)
{
    static const char pad[OC_ROW_PAD + 1];
    size_t i;
    for (i = 0; i < rb->nf; i++)
        rb->f[i].ptr = rb->off[i] == SIZE_MAX ? pad : rb->mem + rb->off[i];
    row->fields = rb->f;
    row->nfields = rb->nf;
    row->line = record;
    row->record = record;
    row->raw = "";
    row->raw_len = 0;
    row->end_off = 0;
}

static void put_i64(rowbuf *rb, size_t i, int64_t v)
{
    char t[32];
    int w = snprintf(t, sizeof t, "%lld", (long long)v);
    rb_set(rb, i, t, (size_t)w);
}

static void put_str(rowbuf *rb, size_t i, const char *s) { rb_set(rb, i, s, strlen(s)); }

/* A value for column c: usually a valid one, sometimes not. */
static void put_value(rowbuf *rb, size_t i, const sch_column *c)
{
    static const char *const open_vals[] = {"0101", "01", "010111", "zz", "", "_U", "M", "1", "a,b", "\"q\""};
    if (c->type == SCH_INTEGER) {
        switch (pick(9)) {
        case 0: put_i64(rb, i, c->min != INT64_MIN ? c->min : 0); return;
        case 1: put_i64(rb, i, c->max != INT64_MAX ? c->max : INT64_MAX); return;
        case 2:
            if (c->missing && oc_strmap_count(c->missing)) {
                size_t len;
                const char *k = oc_strmap_key(c->missing, pick(oc_strmap_count(c->missing)), &len);
                rb_set(rb, i, k, len);
            } else
                put_str(rb, i, "");
            return;
        case 3:
            if (c->tokens && oc_strmap_count(c->tokens)) {
                size_t len;
                const char *k = oc_strmap_key(c->tokens, pick(oc_strmap_count(c->tokens)), &len);
                rb_set(rb, i, k, len);
            } else
                put_i64(rb, i, INT64_MIN);
            return;
        case 4: put_str(rb, i, pick(2) ? "x" : "-"); return;
        case 5:
            if (c->min != INT64_MIN)
                put_i64(rb, i, c->min - 1);
            else if (c->max != INT64_MAX)
                put_i64(rb, i, c->max + 1);
            else
                put_str(rb, i, "99999999999999999999");
            return;
        case 6: put_i64(rb, i, (int64_t)pick(130) - 5); return;
        case 7: put_i64(rb, i, pick(2) ? INT64_MAX : INT64_MIN); return;
        default: {
            int64_t lo = c->min != INT64_MIN ? c->min : -1000, hi = c->max != INT64_MAX ? c->max : 1000;
            uint64_t span = (uint64_t)hi - (uint64_t)lo;
            put_i64(rb, i, (int64_t)((uint64_t)lo + (span == UINT64_MAX ? rnd() : rnd() % (span + 1))));
            return;
        }
        }
    }
    if (!c->open && c->map && oc_strmap_count(c->map) && pick(5)) {
        size_t len;
        const char *k = oc_strmap_key(c->map, pick(oc_strmap_count(c->map)), &len);
        rb_set(rb, i, k, len);
        return;
    }
    put_str(rb, i, open_vals[pick(sizeof open_vals / sizeof open_vals[0])]);
}

static void put_count(rowbuf *rb, size_t i)
{
    static const char *const counts[] = {"1", "0", "3", "-1", "x", "", "18446744073709551616",
                                         "9223372036854775807"};
    put_str(rb, i, counts[pick(sizeof counts / sizeof counts[0])]);
}

/* One recode, with the checks that hold whatever the record. */
static oc_status recode_one(schema *s, const oc_row *row, uint32_t *codes)
{
    oc_error err;
    uint64_t w = 0;
    sch_reason why = SCH_R_COUNT_;
    size_t d;
    oc_status st;
    oc_error_clear(&err);
    for (d = 0; d < s->ndims; d++)
        codes[d] = UINT32_MAX - 1;
    {
        const uint32_t *out = NULL;
        size_t n = 0;
        size_t k;
        st = schema_recode(s, row, &out, &n, &w, &why, &err);
        if (st == OC_OK) {
            /* one coded record, or one per match of a match: each lookup */
            if (n < 1 || !out || (n > 1 && s->each < 0))
                abort();
            for (k = 0; k < n; k++)   /* every code known, or a total row's _T */
                for (d = 0; d < s->ndims; d++)
                    if (out[k * s->ndims + d] >= dim_ncodes(&s->dims[d]) && out[k * s->ndims + d] != SCH_CODE_TOTAL)
                        abort();
            memcpy(codes, out, s->ndims * sizeof *codes);
        }
    }
    check_error(&err, st);
    if (st == OC_OK) {
        if (why != SCH_R_NONE)
            abort();
        if (s->count_field < 0 && w != 1)
            abort();
        if ((w & SCH_WEIGHT_SUPPRESSED) && (w != SCH_WEIGHT_SUPPRESSED || !s->count_suppressed))
            abort();
    } else if (st == OC_EDATA) {
        if (why == SCH_R_NONE || why >= SCH_R_COUNT_)
            abort();
        touch(schema_reason_name(why), strlen(schema_reason_name(why)));
        st = OC_OK;                        /* a reject: go on */
    }
    return st;
}

/* Lists every dimension's codes and checks the output order. */
static void check_dims(const schema *s)
{
    size_t d, i;
    for (d = 0; d < s->ndims; d++) {
        const sch_dim *dm = &s->dims[d];
        size_t n = dim_ncodes(dm);
        uint32_t *perm;
        unsigned char *seen;
        if (dm->col < 0 || (size_t)dm->col >= s->ncols)
            abort();
        if (schema_dim_index(s, dm->id) != (int)d)
            abort();
        for (i = 0; i < n; i++) {
            size_t len;
            uint32_t idx;
            const char *code = dim_code(dm, (uint32_t)i, &len);
            const char *label = dim_label(dm, (uint32_t)i);
            if (!code)
                abort();
            touch(code, len);
            if (label)
                touch(label, strlen(label));
            if (!dim_find(dm, code, len, &idx) || idx != i)
                abort();
        }
        perm = malloc((n ? n : 1) * sizeof *perm);
        seen = calloc(n ? n : 1, 1);
        if (!perm || !seen)
            abort();
        dim_output_order(dm, perm);
        for (i = 0; i < n; i++) {
            if (perm[i] >= n || seen[perm[i]])
                abort();                       /* not a permutation */
            seen[perm[i]] = 1;
        }
        free(perm);
        free(seen);
    }
}

/* Header and derived records, built as oc_row directly. */
/* The header a well-formed input has: the input columns, the count
 * column and the input columns lookups are keyed on (each name once). */
static size_t header_names(const schema *s, const char **names, size_t cap)
{
    size_t i, j, n = 0;
    for (i = 0; i < s->ncols && n < cap; i++)
        if (s->cols[i].lookup < 0)
            names[n++] = s->cols[i].name;
    if (s->count_name && n < cap)
        names[n++] = s->count_name;
    for (i = 0; i < s->nlookups && n < cap; i++) {
        if (s->lookups[i].parent >= 0)
            continue;
        for (j = 0; j < n && strcmp(names[j], s->lookups[i].on) != 0; j++)
            ;
        if (j == n)
            names[n++] = s->lookups[i].on;
    }
    return n;
}

static void direct_rows(schema *s, uint32_t *codes)
{
    rowbuf rb;
    oc_row row;
    size_t i, k, nf;
    oc_status st;
    memset(&rb, 0, sizeof rb);
    if (s->header) {
        oc_error err;
        int rev = (int)pick(2);
        const char *names[sizeof rb.f / sizeof rb.f[0]];
        size_t total;
        if (s->ncols + 1 + s->nlookups > sizeof names / sizeof names[0])
            goto out;
        total = header_names(s, names, sizeof names / sizeof names[0]);
        for (i = 0; i < total; i++) {
            size_t at = rev ? total - 1 - i : i;
            put_str(&rb, at, names[i]);
        }
        rb_row(&rb, &row, 1);
        oc_error_clear(&err);
        st = schema_bind_header(s, &row, &err);
        check_error(&err, st);
        if (st != OC_OK)
            abort();                     /* every name is there exactly once */
        if (s->nfields != total)
            abort();
    }
    nf = s->nfields;
    if (nf == 0 || nf > sizeof rb.f / sizeof rb.f[0])
        goto out;
    for (k = 0; k < MAX_VALUES; k++) {
        rb_reset(&rb);
        for (i = 0; i < nf; i++)
            rb_set(&rb, i, "", 0);
        for (i = 0; i < s->ncols; i++)
            if (s->cols[i].lookup < 0)
                put_value(&rb, (size_t)s->cols[i].field, &s->cols[i]);
        if (s->count_field >= 0)
            put_count(&rb, (size_t)s->count_field);
        if (k == MAX_VALUES - 1)
            rb_set(&rb, nf, "extra", 5);            /* wrong field count */
        rb_row(&rb, &row, k + 2);
        if (recode_one(s, &row, codes) != OC_OK)
            break;
    }
out:
    free(rb.mem);
}

/* ---------- 3. CSV text through csvr, as the ocstat pass does ---------- */

typedef struct pass_ctx {
    schema   *s;
    uint32_t *codes;
    int       bound;
    size_t    rows;
    ahead    *ahead;    /* second pass: the lines resolved ahead, as the ocstat pass does */
    const char *text;   /* its input */
    size_t    text_len;
} pass_ctx;

/* Is row a whole physical line of the text (ending at row->end_off)
 * without quote or CR (its CRLF line end aside), so split at the
 * delimiter alone? */
static int plain_line(const pass_ctx *c, const oc_row *row)
{
    size_t end = (size_t)row->end_off, start;
    if (!row->end_off || end > c->text_len || memchr(row->raw, c->s->quote, row->raw_len) ||
        memchr(row->raw, '\r', row->raw_len))
        return 0;
    if (c->text[end - 1] == '\n')
        end--;
    if (end > 0 && c->text[end - 1] == '\r')   /* a CRLF line end */
        end--;
    for (start = end; start > 0 && c->text[start - 1] != '\n'; start--)
        ;
    return end - start == row->raw_len && memcmp(c->text + start, row->raw, row->raw_len) == 0;
}

/* Second pass: the record with the hints resolved ahead for its line (the
 * watcher saw every byte before the reader, as in ocstat) must recode as
 * without them: same status, reason and codes.  A record of one plain line
 * (no quote, no CR but a CRLF's) whose key the lookup has must have a
 * hint, unless the watcher left a block unresolved, and a candidate with
 * the record's key must be its rows. */
static oc_status ahead_row(pass_ctx *c, const oc_row *row)
{
    schema *s = c->s;
    const sch_hit *h = row->end_off ? ahead_hits(c->ahead, row->end_off) : NULL;
    int plain = plain_line(c, row);
    uint32_t a[SCH_MAX_DIMS], first;
    const uint32_t *out = NULL;
    uint64_t w1 = 0, w2 = 0;
    sch_reason why1 = SCH_R_NONE, why2 = SCH_R_NONE;
    size_t n1 = 0, n2 = 0, i;
    oc_error err;
    oc_status st1, st2;
    for (i = 0; plain && row->nfields == s->nfields && i < s->nlookups; i++) {
        const sch_lookup *L = &s->lookups[i];
        size_t n;
        if (L->parent >= 0 || L->on_field < 0)
            continue;
        n = lk_find(L->tab, row->fields[L->on_field].ptr, row->fields[L->on_field].len, &first);
        /* never a found key missed (unless the watcher left a block
         * unresolved); a candidate with the record's key is its rows (one
         * with another key is a tag's chance, left to the recode) */
        if (n && (!h || !h[i].n) && !ahead_skipped(c->ahead)) {
            fprintf(stderr, "line %llu: a known key missed ahead\n", (unsigned long long)row->line);
            abort();
        }
        if (h && h[i].n &&
            lk_has_key(L->tab, h[i].first, row->fields[L->on_field].ptr,
                              row->fields[L->on_field].len) &&
            (h[i].n != n || h[i].first != first)) {
            fprintf(stderr, "line %llu: hint %u rows from %u, lk_find %zu from %u\n", (unsigned long long)row->line,
                    h[i].n, h[i].first, n, first);
            abort();
        }
    }
    oc_error_clear(&err);
    s->hint = NULL;
    st1 = schema_recode(s, row, &out, &n1, &w1, &why1, &err);
    if (st1 == OC_OK)
        memcpy(a, out, s->ndims * sizeof *a);   /* the first coded record */
    oc_error_clear(&err);
    s->hint = h;
    st2 = schema_recode(s, row, &out, &n2, &w2, &why2, &err);
    s->hint = NULL;
    if (st1 != st2 || why1 != why2 || n1 != n2 || w1 != w2 || (st1 == OC_OK && memcmp(a, out, s->ndims * sizeof *a))) {
        fprintf(stderr, "line %llu: recoded otherwise with hints (status %d/%d, reason %d/%d)\n",
                (unsigned long long)row->line, (int)st1, (int)st2, (int)why1, (int)why2);
        abort();
    }
    return OC_OK;
}

static oc_status pass_row(void *vc, const oc_row *row, oc_error *err)
{
    pass_ctx *c = vc;
    oc_status st;
    if (!c->bound && c->s->header) {
        c->bound = 1;
        return c->ahead ? OC_OK : schema_bind_header(c->s, row, err);
    }
    if (!c->bound) {
        c->bound = 1;
        if (row->nfields < c->s->nfields)
            return oc_error_set(err, OC_EDATA, "expected at least %zu fields", c->s->nfields);
        c->s->nfields = row->nfields;
    }
    if (++c->rows > MAX_ROWS)
        return oc_error_set(err, OC_EDATA, "enough rows");
    if (c->ahead)
        return ahead_row(c, row);
    st = recode_one(c->s, row, c->codes);
    if (st != OC_OK)
        return oc_error_set(err, st, "recode failed");
    return OC_OK;
}

static void buf_add(char **b, size_t *len, size_t *cap, const void *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = (*len + n + 1) * 2;
        char *m = realloc(*b, nc);
        if (!m)
            abort();
        *b = m;
        *cap = nc;
    }
    memcpy(*b + *len, p, n);
    *len += n;
}

/* The text again, in pieces of random sizes, each shown to the watcher
 * (ahead_watch, with 64 readable bytes after it) before the reader gets it,
 * as the source's thread does in ocstat; records checked by ahead_row. */
static void ahead_pass(schema *s, const csvr_options *opt, const char *b, size_t len)
{
    char piece[256 + 64];
    pass_ctx c;
    csvr *r;
    oc_error err;
    oc_status st = OC_OK;
    size_t off = 0;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.text = b;
    c.text_len = len;
    if (!(c.ahead = ahead_new(s)))
        return;   /* no lookup on an input column */
    ahead_start(c.ahead);
    if (!(r = csvr_new(opt, "data.csv", pass_row, &c)))
        abort();
    oc_error_clear(&err);
    while (off < len && st == OC_OK) {
        size_t n = 1 + pick(256);
        if (n > len - off)
            n = len - off;
        memcpy(piece, b + off, n);
        memset(piece + n, 'x', 64);   /* readable, not zero: the watcher must stop at n */
        ahead_watch(c.ahead, piece, n, off);
        memset(piece, 'y', n);        /* the watcher kept nothing of it */
        st = csvr_feed(r, b + off, n, &err);
        off += n;
    }
    ahead_watch(c.ahead, piece, 0, off);
    if (st == OC_OK)
        st = csvr_finish(r, &err);
    check_error(&err, st);
    csvr_free(r);
    ahead_free(c.ahead);
}

static void csv_pass(schema *s, uint32_t *codes, const uint8_t *body, size_t body_len)
{
    char *b = NULL, q = s->quote, dl = s->delim;
    size_t len = 0, cap = 0, i;
    csvr_options opt;
    csvr *r;
    pass_ctx c;
    oc_error err;
    oc_status st;
    if (s->header) {
        const char *names[SCH_MAX_DIMS * 4];
        size_t total;
        if (s->ncols + 1 + s->nlookups > sizeof names / sizeof names[0])
            return;
        total = header_names(s, names, sizeof names / sizeof names[0]);
        for (i = 0; i < total; i++) {
            const char *name = names[i];
            const char *p;
            if (i)
                buf_add(&b, &len, &cap, &dl, 1);
            buf_add(&b, &len, &cap, &q, 1);
            for (p = name; *p; p++) {
                if (*p == q)
                    buf_add(&b, &len, &cap, &q, 1);
                buf_add(&b, &len, &cap, p, 1);
            }
            buf_add(&b, &len, &cap, &q, 1);
        }
        buf_add(&b, &len, &cap, "\n", 1);
    }
    if (body_len)
        buf_add(&b, &len, &cap, body, body_len);
    csvr_options_default(&opt);
    opt.delim = dl;
    opt.quote = q;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.codes = codes;
    r = csvr_new(&opt, "data.csv", pass_row, &c);
    if (!r)
        abort();
    oc_error_clear(&err);
    st = csvr_feed(r, b ? b : "", len, &err);
    if (st == OC_OK)
        st = csvr_finish(r, &err);
    check_error(&err, st);
    csvr_free(r);
    if (st == OC_OK && c.bound)
        ahead_pass(s, &opt, b ? b : "", len);
    free(b);
}

/* ---------- the target ---------- */

static oc_status load(schema **out, unsigned long fail_after, oc_error *err)
{
    oc_status st;
    oc_error_clear(err);
    oc_mem_fail_after(fail_after);
    st = schema_load(schema_path, out, err);
    oc_mem_fail_after(0);
    check_error(err, st);
    if ((st == OC_OK) != (*out != NULL))
        abort();
    return st;
}

/* Loads the schema with allocation n failing; returns its status. */
static oc_status load_failing(unsigned long n, oc_status normal)
{
    schema *s2 = NULL;
    oc_error err2;
    oc_status st2 = load(&s2, n, &err2);
    if (normal == OC_OK && st2 != OC_OK && st2 != OC_ENOMEM) {
        fprintf(stderr, "allocation %lu failing reported as status %d (\"%s\")\n", n, (int)st2, err2.msg);
        abort();
    }
    schema_free(s2);
    return st2;
}

/* Loads DIR/schema.yaml (written by the caller) and, if it loads, binds
 * and recodes records.  fail_after: see FAIL_ALL. */
static void schema_run(unsigned long fail_after, const uint8_t *body, size_t blen)
{
    schema *s = NULL;
    oc_error err;
    oc_status st = load(&s, 0, &err);
    if (fail_after == FAIL_ALL) {
        /* allocation 1, 2, 3, ... fails in turn, until 20 loads in a row
         * succeed (the failing allocation is past the last one).  Under
         * libFuzzer the steps grow (1 + n/8) to keep inputs fast; the
         * replay driver (OC_FUZZ_REPLAY set) tries every one. */
        unsigned long n, ok = 0;
        int every = getenv("OC_FUZZ_REPLAY") != NULL;
        for (n = 1; n < 20000 && ok < 20; n += every ? 1 : 1 + n / 8)
            ok = load_failing(n, st) == OC_OK ? ok + 1 : 0;
    } else if (fail_after)
        load_failing(fail_after, st);
    if (st != OC_OK)
        return;

    if (s->ncols < 1 || s->ndims < 1 || strlen(s->sha256) != 64 || !s->dataset)
        abort();
    check_dims(s);
    {
        uint32_t *codes = malloc(s->ndims * sizeof *codes);
        if (!codes)
            abort();
        direct_rows(s, codes);
        csv_pass(s, codes, body, blen);
        free(codes);
    }
    check_dims(s);
    schema_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *m0, *m1 = NULL, *yaml = data, *tcsv = NULL, *body = NULL;
    size_t ylen = size, tlen = 0, blen = 0;
    unsigned long fail_after = 0;
    uint64_t h = 0x9E3779B97F4A7C15ULL;
    size_t i;

    for (i = 0; i < size; i++)
        h = (h ^ data[i]) * 0x100000001b3ULL;
    rng_state = h | 1;

    /* the parts */
    m0 = find_marker(data, size);
    if (m0) {
        ylen = (size_t)(m0 - data);
        tcsv = m0 + sizeof MARKER - 1;
        tlen = size - (size_t)(tcsv - data);
        m1 = find_marker(tcsv, tlen);
        if (m1) {
            body = m1 + sizeof MARKER - 1;
            blen = size - (size_t)(body - data);
            tlen = (size_t)(m1 - tcsv);
        }
    }
    if (ylen > 7 && memcmp(yaml, "#!oom ", 6) == 0) {
        for (i = 6; i < ylen && i < 12 && yaml[i] >= '0' && yaml[i] <= '9'; i++)
            fail_after = fail_after * 10 + (unsigned long)(yaml[i] - '0');
        if (yaml[6] == '*')
            fail_after = FAIL_ALL;
    }

    /* 1. YAML alone */
    yaml_check(data, size);
    if (!yaml_check(yaml, ylen))
        return 0;             /* could name a file outside dir */

    /* 2. schema */
    setup();
    if (write_file(schema_path, yaml, ylen) != 0) {
        dir[0] = '\0';              /* removed under our feet: make it again */
        setup();
        if (write_file(schema_path, yaml, ylen) != 0)
            abort();
    }
    if (tcsv && write_file(tfile_path, tcsv, tlen) != 0)
        abort();
    schema_run(fail_after, body, blen);
    unlink(tfile_path);
    return 0;
}

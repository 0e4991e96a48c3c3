/*
 * audit_cmd.c - `ocstat audit`: reads a table in the output contract with
 * the true values of its suppressed cells (the confidential table), and
 * reports what an attacker can deduce about every suppressed cell (the
 * interval of values consistent with the published cells and the margins)
 * with a verdict per cell.  Exit 0 when every cell passes, 1 when any cell
 * fails (or bad data), 2 usage, 3 system error.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "csv_reader.h"
#include "oc_mem.h"
#include "oc_source.h"
#include "release.h"
#include "sdc_model.h"
#include "table.h"

static const char audit_help[] =
    "Usage: ocstat audit TABLE.csv [OPTION]...\n"
    "Audit the protection of a table: for every suppressed cell, the smallest and\n"
    "largest value an attacker can deduce from the published cells and the margins\n"
    "(counts are whole numbers, suppressed cells non-empty unless a zero is\n"
    "suppressed, singletons know their own cell), and a verdict per cell.\n"
    "\n"
    "TABLE.csv is a table in the output contract (dimension columns, OBS_VALUE,\n"
    "OBS_STATUS, CONF_STATUS) holding the TRUE value of every cell, suppressed\n"
    "(CONF_STATUS A or D) cells included.  Code _T is the total of a dimension.\n"
    "\n"
    "  --hierarchy DIM=FILE  parent codes of DIM from FILE, a CSV with header\n"
    "                        code,parent (empty parent or _T: a child of _T);\n"
    "                        repeatable.  Default: every code is a child of _T\n"
    "  --min-count K         published cells with 1 <= value < K fail too\n"
    "                        (verdict unprotected_primary)\n"
    "  --report FILE         write the report to FILE (atomically) instead of\n"
    "                        standard output\n"
    "  --format F            csv (default) or json (default json when FILE ends\n"
    "                        in .json)\n"
    "  --quiet               no summary on standard error\n"
    "Report columns: DIM...,value,status,lower,upper,verdict,by (upper inf: no\n"
    "upper bound; by: the singleton that discloses the cell).  Verdicts: pass,\n"
    "exact, protection_level, singleton, unprotected_primary.\n"
    "Exit status: 0 every cell passes, 1 some cell fails or bad data, 2 usage,\n"
    "3 system error.\n";

#define AUD_MAX_DIMS 64
#define AUD_MAX_HIER 64
#define AUD_HIER_LIMIT ((size_t)64 << 20)

/* ---- reading the table ---------------------------------------------------- */

typedef struct rd {
    const char *path;
    size_t      ncols, ndims;
    int         vcol, scol;                /* OBS_VALUE, CONF_STATUS */
    size_t      dimcol[AUD_MAX_DIMS];
    char       *dimname[AUD_MAX_DIMS];     /* owned */
    oc_strmap  *codes[AUD_MAX_DIMS];       /* code -> first-appearance index */
    size_t      nrows, cap;
    uint32_t   *pos;                       /* owned: nrows * ndims code indices */
    uint64_t   *value, *line;              /* owned */
    uint8_t    *status;                    /* owned */
} rd;

static void rd_fini(rd *r)
{
    size_t d;
    for (d = 0; d < r->ndims; d++) {
        oc_free(r->dimname[d]);
        oc_strmap_free(r->codes[d]);
    }
    oc_free(r->pos);
    oc_free(r->value);
    oc_free(r->line);
    oc_free(r->status);
}

static oc_status nomem(oc_error *err)
{
    return oc_error_set(err, OC_ENOMEM, "out of memory");
}

static int field_is(const oc_field *f, const char *s)
{
    return f->len == strlen(s) && memcmp(f->ptr, s, f->len) == 0;
}

static oc_status rd_header(rd *r, const oc_row *row, oc_error *err)
{
    size_t c, k;
    r->vcol = r->scol = -1;
    r->ncols = row->nfields;
    for (c = 0; c < row->nfields; c++) {
        const oc_field *f = &row->fields[c];
        for (k = 0; k < c; k++)
            if (row->fields[k].len == f->len && memcmp(row->fields[k].ptr, f->ptr, f->len) == 0) {
                oc_error_at(err, r->path, row->line, 0);
                return oc_error_set(err, OC_EDATA, "column '%.*s' appears twice in the header", (int)f->len,
                                    f->ptr);
            }
        if (field_is(f, "OBS_VALUE"))
            r->vcol = (int)c;
        else if (field_is(f, "CONF_STATUS"))
            r->scol = (int)c;
        else if (field_is(f, "OBS_STATUS"))
            continue;
        else {
            if (f->len == 0) {
                oc_error_at(err, r->path, row->line, 0);
                return oc_error_set(err, OC_EDATA, "empty column name in the header");
            }
            if (r->ndims == AUD_MAX_DIMS) {
                oc_error_at(err, r->path, row->line, 0);
                return oc_error_set(err, OC_EDATA, "too many dimensions (at most %d)", AUD_MAX_DIMS);
            }
            r->dimcol[r->ndims] = c;
            r->dimname[r->ndims] = oc_strndup(f->ptr, f->len);
            r->codes[r->ndims] = oc_strmap_new();
            r->ndims++;
            if (!r->dimname[r->ndims - 1] || !r->codes[r->ndims - 1])
                return nomem(err);
        }
    }
    if (r->vcol < 0 || r->scol < 0) {
        oc_error_at(err, r->path, row->line, 0);
        return oc_error_set(err, OC_EDATA, "the header needs columns OBS_VALUE and CONF_STATUS");
    }
    if (r->ndims == 0) {
        oc_error_at(err, r->path, row->line, 0);
        return oc_error_set(err, OC_EDATA, "the header has no dimension column");
    }
    return OC_OK;
}

static oc_status rd_row(void *ctx, const oc_row *row, oc_error *err)
{
    rd *r = ctx;
    const oc_field *fv, *fs;
    uint8_t st;
    int64_t v = 0;
    size_t d;
    if (row->record == 1)
        return rd_header(r, row, err);
    if (row->nfields != r->ncols) {
        oc_error_at(err, r->path, row->line, 0);
        return oc_error_set(err, OC_EDATA, "expected %zu fields, got %zu", r->ncols, row->nfields);
    }
    if (r->nrows == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 256;
        uint32_t *np = oc_realloc(r->pos, nc * r->ndims * sizeof *np);
        uint64_t *nv, *nl;
        uint8_t *ns;
        if (!np)
            return nomem(err);
        r->pos = np;
        if (!(nv = oc_realloc(r->value, nc * sizeof *nv)))
            return nomem(err);
        r->value = nv;
        if (!(nl = oc_realloc(r->line, nc * sizeof *nl)))
            return nomem(err);
        r->line = nl;
        if (!(ns = oc_realloc(r->status, nc * sizeof *ns)))
            return nomem(err);
        r->status = ns;
        r->cap = nc;
    }
    for (d = 0; d < r->ndims; d++) {
        const oc_field *f = &row->fields[r->dimcol[d]];
        uint32_t idx;
        int existed;
        if (f->len == 0) {
            oc_error_at(err, r->path, row->line, 0);
            oc_error_column(err, r->dimname[d]);
            return oc_error_set(err, OC_EDATA, "empty code");
        }
        if (!oc_strmap_get(r->codes[d], f->ptr, f->len, &idx)) {
            idx = (uint32_t)oc_strmap_count(r->codes[d]);
            if (oc_strmap_put(r->codes[d], f->ptr, f->len, idx, &existed) != OC_OK)
                return nomem(err);
        }
        r->pos[r->nrows * r->ndims + d] = idx;
    }
    fs = &row->fields[r->scol];
    if (field_is(fs, "F"))
        st = CELL_PUBLISHED;
    else if (field_is(fs, "A"))
        st = CELL_PRIMARY;
    else if (field_is(fs, "D"))
        st = CELL_SECONDARY;
    else if (field_is(fs, "C")) {   /* its true value is unknown even to ocstat */
        oc_error_at(err, r->path, row->line, 0);
        oc_error_column(err, "CONF_STATUS");
        return oc_error_set(err, OC_EDATA, "a cell suppressed at the source (C) has no true value to audit with; "
                                           "such tables are audited when they are made (run, tabulate)");
    } else {
        oc_error_at(err, r->path, row->line, 0);
        oc_error_column(err, "CONF_STATUS");
        return oc_error_set(err, OC_EDATA, "invalid status '%.*s' (F, A or D)", (int)fs->len, fs->ptr);
    }
    fv = &row->fields[r->vcol];
    if (fv->len == 0) {
        oc_error_at(err, r->path, row->line, 0);
        oc_error_column(err, "OBS_VALUE");
        if (st != CELL_PUBLISHED)
            return oc_error_set(err, OC_EDATA, "the audit needs the true value of every suppressed cell");
        return oc_error_set(err, OC_EDATA, "empty value of a published cell");
    }
    if (oc_parse_i64(fv->ptr, fv->len, &v) != 0 || v < 0 || fv->ptr[0] == '+') {
        oc_error_at(err, r->path, row->line, 0);
        oc_error_column(err, "OBS_VALUE");
        return oc_error_set(err, OC_EDATA, "not a count (a non-negative integer): '%.*s'", (int)fv->len, fv->ptr);
    }
    r->value[r->nrows] = (uint64_t)v;
    r->status[r->nrows] = st;
    r->line[r->nrows] = row->line;
    r->nrows++;
    return OC_OK;
}

static oc_status rd_read(rd *r, const char *path, oc_error *err)
{
    oc_source *src = NULL;
    csvr *cr;
    oc_status st;
    memset(r, 0, sizeof *r);
    r->path = path;
    if ((st = src_open(path, 0, &src, err)) != OC_OK)
        return st;
    cr = csvr_new(NULL, path, rd_row, r);
    if (!cr) {
        src_close(src);
        return nomem(err);
    }
    st = csvr_read_source(cr, src, err);
    csvr_free(cr);
    src_close(src);
    if (st != OC_OK)
        return st;
    if (r->ncols == 0) {
        oc_error_at(err, path, 1, 0);
        return oc_error_set(err, OC_EDATA, "empty file: a header line is required");
    }
    if (r->nrows == 0) {
        oc_error_at(err, path, 1, 0);
        return oc_error_set(err, OC_EDATA, "the table has no cells");
    }
    return OC_OK;
}

/* ---- building the table --------------------------------------------------- */

static const rd *sort_rd;

static int cmp_rows(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b, d, nd = sort_rd->ndims;
    for (d = 0; d < nd; d++) {
        uint32_t x = sort_rd->pos[i * nd + d], y = sort_rd->pos[j * nd + d];
        if (x != y)
            return x < y ? -1 : 1;
    }
    return sort_rd->line[i] < sort_rd->line[j] ? -1 : sort_rd->line[i] > sort_rd->line[j];
}

/* "DIM=CODE;DIM=CODE" of the position tuple p into b. */
static oc_status cell_name(oc_buf *b, const oc_table *t, const uint32_t *p)
{
    size_t d, cell = 0;
    for (d = 0; d < t->ndims; d++)
        cell = cell * t->dims[d].n + p[d];
    oc_buf_reset(b);
    return table_cell_name(t, cell, ";", b);
}

/* Code names and the default parents (_T first, the parent of every other
 * code); row positions are renumbered to match. */
static oc_status make_dims(rd *r, oc_table *t, oc_error *err)
{
    size_t d, i, k;
    if (!(t->dims = oc_calloc(r->ndims, sizeof *t->dims)))
        return nomem(err);
    t->ndims = r->ndims;
    for (d = 0; d < r->ndims; d++) {
        tab_dim *dim = &t->dims[d];
        size_t n = oc_strmap_count(r->codes[d]);
        uint32_t *newpos, tpos = 0;
        int hast = oc_strmap_get(r->codes[d], "_T", 2, &tpos);
        dim->id = r->dimname[d];
        r->dimname[d] = NULL;
        dim->codes = oc_calloc(n, sizeof *dim->codes);
        dim->labels = oc_calloc(n, sizeof *dim->labels);
        dim->parent = oc_calloc(n, sizeof *dim->parent);
        newpos = oc_calloc(n, sizeof *newpos);
        if (!dim->codes || !dim->labels || !dim->parent || !newpos) {
            oc_free(newpos);
            return nomem(err);
        }
        dim->n = n;
        for (i = 0; i < n; i++)
            newpos[i] = (uint32_t)(hast ? (i == tpos ? 0 : i < tpos ? i + 1 : i) : i);
        for (i = 0; i < n; i++) {
            size_t len;
            const char *key = oc_strmap_key(r->codes[d], i, &len);
            if (!(dim->codes[newpos[i]] = oc_strndup(key, len))) {
                oc_free(newpos);
                return nomem(err);
            }
        }
        for (i = 0; i < n; i++)
            dim->parent[i] = hast && i > 0 ? 0 : -1;
        if (hast)
            t->totals = 1;
        for (k = 0; k < r->nrows; k++)
            r->pos[k * r->ndims + d] = newpos[r->pos[k * r->ndims + d]];
        oc_free(newpos);
    }
    return OC_OK;
}

/* Checks that the rows are the full cross product, each cell once, and
 * fills value[] and status[]. */
static oc_status fill_cells(const rd *r, oc_table *t, oc_error *err)
{
    size_t *order = oc_malloc(r->nrows * sizeof *order), k, d, nd = r->ndims;
    uint32_t cur[AUD_MAX_DIMS];
    int done = 0;
    oc_buf name;
    oc_status st = OC_OK;
    if (!order)
        return nomem(err);
    oc_buf_init(&name, 0);
    for (k = 0; k < r->nrows; k++)
        order[k] = k;
    sort_rd = r;
    qsort(order, r->nrows, sizeof *order, cmp_rows);
    memset(cur, 0, sizeof cur);
    for (k = 0; k < r->nrows; k++) {
        const uint32_t *p = &r->pos[order[k] * nd];
        if (k > 0 && memcmp(p, &r->pos[order[k - 1] * nd], nd * sizeof *p) == 0) {
            if (cell_name(&name, t, p) != OC_OK)
                goto nomem;
            oc_error_at(err, r->path, r->line[order[k]], 0);
            st = oc_error_set(err, OC_EDATA, "duplicate cell %s (also on line %" PRIu64 ")", name.data,
                              r->line[order[k - 1]]);
            goto out;
        }
        if (done || memcmp(p, cur, nd * sizeof *p) != 0)
            break;   /* cur is missing */
        for (d = nd; d-- > 0;) {
            if (++cur[d] < t->dims[d].n)
                break;
            cur[d] = 0;
            if (d == 0)
                done = 1;
        }
    }
    if (k < r->nrows || !done) {
        if (cell_name(&name, t, cur) != OC_OK)
            goto nomem;
        oc_error_at(err, r->path, 0, 0);
        st = oc_error_set(err, OC_EDATA, "missing cell %s (a table holds every combination of its codes)",
                          name.data);
        goto out;
    }
    /* sorted order is table order */
    t->ncells = r->nrows;
    t->value = oc_malloc(t->ncells * sizeof *t->value);
    t->status = oc_malloc(t->ncells * sizeof *t->status);
    if (!t->value || !t->status)
        goto nomem;
    for (k = 0; k < r->nrows; k++) {
        t->value[k] = r->value[order[k]];
        t->status[k] = r->status[order[k]];
    }
    goto out;
nomem:
    st = nomem(err);
out:
    oc_buf_fini(&name);
    oc_free(order);
    return st;
}

/* ---- --hierarchy ---------------------------------------------------------- */

typedef struct hier {
    const char *path;
    tab_dim    *dim;
    const char *table_path;
    int         ccol, pcol;
    size_t      ncols;
    int32_t    *parent;   /* borrowed: new parents, -2 = not given yet */
} hier;

static oc_status hier_fail(const hier *h, const oc_row *row, const char *column, oc_error *err, const char *fmt,
                           ...) OC_PRINTF(5, 6);
static oc_status hier_fail(const hier *h, const oc_row *row, const char *column, oc_error *err, const char *fmt, ...)
{
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    oc_error_at(err, h->path, row->line, 0);
    if (column)
        oc_error_column(err, column);
    return oc_error_set(err, OC_ECONFIG, "%s", msg);
}

static oc_status hier_row(void *ctx, const oc_row *row, oc_error *err)
{
    hier *h = ctx;
    const oc_field *fc, *fp;
    int c, p;
    if (row->record == 1) {
        size_t i;
        h->ccol = h->pcol = -1;
        for (i = 0; i < row->nfields; i++) {
            if (field_is(&row->fields[i], "code"))
                h->ccol = (int)i;
            else if (field_is(&row->fields[i], "parent"))
                h->pcol = (int)i;
        }
        if (h->ccol < 0 || h->pcol < 0)
            return hier_fail(h, row, NULL, err, "a hierarchy file needs columns code,parent");
        h->ncols = row->nfields;
        return OC_OK;
    }
    if (row->nfields != h->ncols)
        return hier_fail(h, row, NULL, err, "expected %zu fields, got %zu", h->ncols, row->nfields);
    fc = &row->fields[h->ccol];
    fp = &row->fields[h->pcol];
    c = table_code_index(h->dim, fc->ptr, fc->len);
    if (c < 0)
        return hier_fail(h, row, "code", err, "'%.*s' is not a code of %s in %s", (int)fc->len, fc->ptr,
                         h->dim->id, h->table_path);
    if (h->parent[c] != -2)
        return hier_fail(h, row, "code", err, "code '%.*s' is listed twice", (int)fc->len, fc->ptr);
    if (field_is(fc, "_T")) {
        if (fp->len != 0)
            return hier_fail(h, row, "parent", err, "the total _T has no parent");
        h->parent[c] = -1;
    } else if (fp->len == 0 || field_is(fp, "_T")) {
        p = table_code_index(h->dim, "_T", 2);
        if (p < 0 && fp->len != 0)
            return hier_fail(h, row, "parent", err, "%s has no total _T in %s", h->dim->id, h->table_path);
        h->parent[c] = p;
    } else {
        p = table_code_index(h->dim, fp->ptr, fp->len);
        if (p < 0)
            return hier_fail(h, row, "parent", err, "'%.*s' is not a code of %s in %s", (int)fp->len, fp->ptr,
                             h->dim->id, h->table_path);
        if (p == c)
            return hier_fail(h, row, "parent", err, "code '%.*s' is its own parent", (int)fc->len, fc->ptr);
        h->parent[c] = p;
    }
    return OC_OK;
}

static oc_status apply_hierarchy(oc_table *t, const char *table_path, size_t d, const char *path, oc_error *err)
{
    tab_dim *dim = &t->dims[d];
    char *buf = NULL;
    size_t len = 0, i, steps;
    csvr *cr;
    hier h;
    oc_status st;
    int32_t *parent = oc_malloc((dim->n ? dim->n : 1) * sizeof *parent);
    if (!parent)
        return nomem(err);
    for (i = 0; i < dim->n; i++)
        parent[i] = -2;
    memset(&h, 0, sizeof h);
    h.path = path;
    h.dim = dim;
    h.table_path = table_path;
    h.parent = parent;
    h.ccol = h.pcol = -1;
    st = oc_read_file(path, AUD_HIER_LIMIT, &buf, &len, err);
    if (st != OC_OK)
        goto out;
    if (!(cr = csvr_new(NULL, path, hier_row, &h))) {
        st = nomem(err);
        goto out;
    }
    st = csvr_feed(cr, buf, len, err);
    if (st == OC_OK)
        st = csvr_finish(cr, err);
    csvr_free(cr);
    if (st == OC_EDATA)
        err->code = st = OC_ECONFIG;
    if (st != OC_OK)
        goto out;
    if (h.ccol < 0) {
        oc_error_at(err, path, 1, 0);
        st = oc_error_set(err, OC_ECONFIG, "empty file: a header line code,parent is required");
        goto out;
    }
    for (i = 0; i < dim->n; i++) {
        if (parent[i] == -2) {
            if (strcmp(dim->codes[i], "_T") == 0) {
                parent[i] = -1;
                continue;
            }
            oc_error_at(err, path, 0, 0);
            st = oc_error_set(err, OC_ECONFIG, "code '%s' of %s has no line (every code needs its parent)",
                              dim->codes[i], dim->id);
            goto out;
        }
    }
    for (i = 0; i < dim->n; i++) {
        int32_t p = parent[i];
        for (steps = 0; p >= 0 && steps <= dim->n; steps++)
            p = parent[p];
        if (p >= 0) {
            oc_error_at(err, path, 0, 0);
            st = oc_error_set(err, OC_ECONFIG, "the parents of code '%s' form a cycle", dim->codes[i]);
            goto out;
        }
    }
    memcpy(dim->parent, parent, dim->n * sizeof *parent);
out:
    oc_free(buf);
    oc_free(parent);
    return st;
}

/* ---- report --------------------------------------------------------------- */

typedef struct rep_row {
    size_t      cell;
    const char *status;
    double      lo, hi;
    const char *verdict;
    int         has_by;
    size_t      by;
} rep_row;

static oc_status put_row(oc_buf *b, const oc_table *t, const rep_row *r, int json, int first, oc_buf *tmp)
{
    size_t p[AUD_MAX_DIMS], d;
    oc_status st = OC_OK;
    char lo[32], hi[32];
    table_cell_pos(t, r->cell, p);
    snprintf(lo, sizeof lo, "%.0f", r->lo);
    if (isinf(r->hi))
        snprintf(hi, sizeof hi, "%s", json ? "null" : "inf");
    else
        snprintf(hi, sizeof hi, "%.0f", r->hi);
    if (r->has_by) {
        oc_buf_reset(tmp);
        if (table_cell_name(t, r->by, ";", tmp) != OC_OK)
            return OC_ENOMEM;
    }
    if (json) {
        st = oc_buf_printf(b, "%s\n    {", first ? "" : ",");
        for (d = 0; d < t->ndims && st == OC_OK; d++) {
            st = oc_json_str(b, t->dims[d].id);
            if (st == OC_OK)
                st = oc_buf_append(b, ": ", 2);
            if (st == OC_OK)
                st = oc_json_str(b, t->dims[d].codes[p[d]]);
            if (st == OC_OK)
                st = oc_buf_append(b, ", ", 2);
        }
        if (st == OC_OK)
            st = oc_buf_printf(b, "\"value\": %" PRIu64 ", \"status\": \"%s\", \"lower\": %s, \"upper\": %s, "
                                  "\"verdict\": \"%s\", \"by\": ",
                               t->value[r->cell], r->status, lo, hi, r->verdict);
        if (st == OC_OK)
            st = r->has_by ? oc_json_str(b, tmp->data) : oc_buf_append(b, "null", 4);
        if (st == OC_OK)
            st = oc_buf_append(b, "}", 1);
        return st;
    }
    for (d = 0; d < t->ndims && st == OC_OK; d++) {
        st = oc_csv_str(b, t->dims[d].codes[p[d]]);
        if (st == OC_OK)
            st = oc_buf_append(b, ",", 1);
    }
    if (st == OC_OK)
        st = oc_buf_printf(b, "%" PRIu64 ",%s,%s,%s,%s,", t->value[r->cell], r->status, lo, hi, r->verdict);
    if (st == OC_OK && r->has_by)
        st = oc_csv_str(b, tmp->data);
    if (st == OC_OK)
        st = oc_buf_append(b, "\n", 1);
    return st;
}

static oc_status write_report(oc_buf *b, const oc_table *t, const audit_result *res, int64_t min_count, int json,
                              const char *table_path, size_t *failures)
{
    size_t c, j = 0, d, fails = res->disclosed;
    int first = 1;
    oc_status st = OC_OK;
    oc_buf tmp;
    oc_buf_init(&tmp, 0);
    /* count the unprotected primaries first (JSON shows the total up front) */
    if (min_count > 0)
        for (c = 0; c < t->ncells; c++)
            if (t->status[c] == CELL_PUBLISHED && t->value[c] >= 1 && t->value[c] < (uint64_t)min_count)
                fails++;
    *failures = fails;
    if (json) {
        st = oc_buf_append(b, "{\"table\": ", 10);
        if (st == OC_OK)
            st = oc_json_str(b, table_path);
        if (st == OC_OK)
            st = oc_buf_printf(b, ", \"cells_audited\": %zu, \"failures\": %zu, \"cells\": [", res->n, fails);
    } else {
        for (d = 0; d < t->ndims && st == OC_OK; d++) {
            st = oc_csv_str(b, t->dims[d].id);
            if (st == OC_OK)
                st = oc_buf_append(b, ",", 1);
        }
        if (st == OC_OK)
            st = oc_buf_printf(b, "value,status,lower,upper,verdict,by\n");
    }
    for (c = 0; c < t->ncells && st == OC_OK; c++) {
        rep_row r;
        memset(&r, 0, sizeof r);
        r.cell = c;
        if (t->status[c] != CELL_PUBLISHED) {
            const audit_cell *ac;
            while (j < res->n && res->cells[j].cell < c)
                j++;
            if (j == res->n || res->cells[j].cell != c)
                continue;   /* not audited (cannot happen) */
            ac = &res->cells[j];
            r.status = t->status[c] == CELL_PRIMARY ? "primary" : "secondary";
            r.lo = ac->lo;
            r.hi = ac->hi;
            r.verdict = audit_reason_name(ac->verdict);
            r.has_by = ac->verdict == AUDIT_SINGLETON;
            r.by = ac->by;
        } else if (min_count > 0 && t->value[c] >= 1 && t->value[c] < (uint64_t)min_count) {
            r.status = "published";
            r.lo = r.hi = (double)t->value[c];
            r.verdict = "unprotected_primary";
        } else {
            continue;
        }
        st = put_row(b, t, &r, json, first, &tmp);
        first = 0;
    }
    if (st == OC_OK && json)
        st = oc_buf_append(b, first ? "]}\n" : "\n]}\n", first ? 3 : 4);
    oc_buf_fini(&tmp);
    return st;
}

/* ---- the command ---------------------------------------------------------- */

int cmd_audit(int argc, char **argv)
{
    enum { O_HIER = 400, O_MIN, O_REPORT, O_FORMAT, O_QUIET, O_HELP };
    static const struct option opts[] = {
        {"hierarchy", required_argument, 0, O_HIER}, {"min-count", required_argument, 0, O_MIN},
        {"report", required_argument, 0, O_REPORT},  {"format", required_argument, 0, O_FORMAT},
        {"quiet", no_argument, 0, O_QUIET},          {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    const char *hiers[AUD_MAX_HIER], *report = NULL, *table_path;
    size_t nhier = 0, i, d, failures = 0;
    int64_t min_count = 0;
    int c, rc = 0, quiet = 0, json = -1, have_res = 0;
    rd r;
    oc_table *t = NULL;
    sdc_model *m = NULL;
    audit_opts o;
    audit_result res;
    oc_error err;
    oc_buf out;

    memset(&r, 0, sizeof r);
    memset(&res, 0, sizeof res);
    oc_error_clear(&err);
    oc_buf_init(&out, 0);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_HIER:
            if (nhier == AUD_MAX_HIER)
                return cli_usage("audit", "too many --hierarchy options");
            if (!strchr(optarg, '=') || optarg[0] == '=' || strchr(optarg, '=')[1] == '\0')
                return cli_usage("audit", "--hierarchy needs DIM=FILE, got '%s'", optarg);
            hiers[nhier++] = optarg;
            break;
        case O_MIN:
            if (oc_parse_i64(optarg, strlen(optarg), &min_count) != 0 || min_count < 1)
                return cli_usage("audit", "--min-count needs a positive integer, got '%s'", optarg);
            break;
        case O_REPORT: report = optarg; break;
        case O_FORMAT:
            if (!strcmp(optarg, "csv"))
                json = 0;
            else if (!strcmp(optarg, "json"))
                json = 1;
            else
                return cli_usage("audit", "unknown format '%s' (csv, json)", optarg);
            break;
        case O_QUIET: quiet = 1; break;
        case O_HELP: fputs(audit_help, stdout); return 0;
        default: return cli_usage("audit", "invalid option");
        }
    }
    if (optind >= argc)
        return cli_usage("audit", "no TABLE.csv given");
    if (optind + 1 < argc)
        return cli_usage("audit", "one table at a time (got '%s' and '%s')", argv[optind], argv[optind + 1]);
    table_path = argv[optind];
    if (json < 0) {
        size_t n = report ? strlen(report) : 0;
        json = n >= 5 && strcmp(report + n - 5, ".json") == 0;
    }
    for (i = 0; i < nhier; i++) {
        size_t k, ni = (size_t)(strchr(hiers[i], '=') - hiers[i]);
        for (k = 0; k < i; k++)
            if ((size_t)(strchr(hiers[k], '=') - hiers[k]) == ni && memcmp(hiers[k], hiers[i], ni) == 0)
                return cli_usage("audit", "--hierarchy given twice for %.*s", (int)ni, hiers[i]);
    }

    if (rd_read(&r, table_path, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!(t = oc_calloc(1, sizeof *t)) || !(t->id = oc_strdup(table_path))) {
        (void)nomem(&err);
        rc = cli_fail(&err);
        goto done;
    }
    if (make_dims(&r, t, &err) != OC_OK || fill_cells(&r, t, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    for (i = 0; i < nhier; i++) {
        const char *eq = strchr(hiers[i], '=');
        size_t ni = (size_t)(eq - hiers[i]);
        for (d = 0; d < t->ndims; d++)
            if (strlen(t->dims[d].id) == ni && memcmp(t->dims[d].id, hiers[i], ni) == 0)
                break;
        if (d == t->ndims) {
            rc = cli_usage("audit", "unknown dimension '%.*s' in --hierarchy (%s has no such column)", (int)ni,
                           hiers[i], table_path);
            goto done;
        }
        if (apply_hierarchy(t, table_path, d, eq + 1, &err) != OC_OK) {
            rc = cli_fail(&err);
            goto done;
        }
    }
    t->min_count = min_count;
    for (i = 0; i < t->ncells; i++) {
        if (t->status[i] != CELL_PUBLISHED && t->value[i] == 0)
            t->protect_zeros = 1;
        if (t->status[i] == CELL_SECONDARY)
            t->secondary = 1;
    }
    if (sdc_model_build(t, &m, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    audit_opts_default(&o, t);
    if (audit_table(t, m, &o, &res, &err) != OC_OK) {
        oc_error_at(&err, table_path, 0, 0);
        rc = cli_fail(&err);
        goto done;
    }
    have_res = 1;
    if (write_report(&out, t, &res, min_count, json, table_path, &failures) != OC_OK) {
        (void)nomem(&err);
        rc = cli_fail(&err);
        goto done;
    }
    if (cli_emit(report, out.data ? out.data : "", out.len, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!quiet)
        fprintf(stderr, "ocstat: audit of %s: %zu suppressed %s, %zu fail\n", table_path, res.n,
                res.n == 1 ? "cell" : "cells", failures);
    rc = failures ? 1 : 0;
done:
    if (have_res)
        audit_result_fini(&res);
    oc_buf_fini(&out);
    sdc_model_free(m);
    table_free(t);
    rd_fini(&r);
    return rc;
}

/*
 * schema.c - loads a dataset schema and recodes records.
 *
 * The hot path is schema_recode(): per record, one hash lookup per code
 * column, a strict integer parse (plus a token lookup only for fields short
 * enough to be a token) per integer column, and a table lookup for bands.
 * Nothing is allocated per record except when an open column sees a new
 * value.
 */
#define _POSIX_C_SOURCE 200809L
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "csv_reader.h"
#include "oc_sha256.h"
#include "oc_yaml.h"

#define CONFIG_LIMIT (64u << 20)   /* bytes per configuration or code-list file */
#define FAST_BANDS   4096          /* band lookup table size limit */
#define DEFAULT_MAX_OPEN 65535u
#define AHEAD_FROM (2u << 20)   /* bytes of a lookup from which it is resolved ahead (ahead.h) */

const char *schema_reason_name(sch_reason r)
{
    switch (r) {
    case SCH_R_NONE:           return "none";
    case SCH_R_FIELD_COUNT:    return "field_count";
    case SCH_R_UNKNOWN_CODE:   return "unknown_code";
    case SCH_R_NOT_INTEGER:    return "not_integer";
    case SCH_R_OUT_OF_RANGE:   return "out_of_range";
    case SCH_R_NO_BAND:        return "no_band";
    case SCH_R_BAD_COUNT:      return "bad_count";
    case SCH_R_NOT_HIERARCHY:  return "not_in_hierarchy";
    case SCH_R_TOO_MANY_CODES: return "too_many_codes";
    case SCH_R_BAD_DATE:       return "invalid_date";
    case SCH_R_NO_MATCH:       return "no_match";
    case SCH_R_COUNT_:         break;
    }
    return "unknown";
}

/* ---------- ICCS ---------- */

int iccs_valid(const char *code, size_t len)
{
    size_t i;
    if (len != 2 && len != 4 && len != 5 && len != 6)
        return 0;
    for (i = 0; i < len; i++)
        if (code[i] < '0' || code[i] > '9')
            return 0;
    return 1;
}

size_t iccs_parent_len(const char *code, size_t len)
{
    if (!iccs_valid(code, len))
        return 0;
    switch (len) {
    case 6: return 5;
    case 5: return 4;
    case 4: return 2;
    default: return 0;
    }
}

/* ---------- small helpers ---------- */

/* Copy a value for a message: at most 60 bytes, control bytes as '?'. */
static void show(char *out, size_t cap, const char *p, size_t n)
{
    size_t i, k = 0;
    for (i = 0; i < n && k + 4 < cap && i < 60; i++)
        out[k++] = ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) ? '?' : p[i];
    if (i < n && k + 4 < cap) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

static oc_status nomem(oc_error *err) { return oc_error_set(err, OC_ENOMEM, "out of memory"); }

static void free_column(sch_column *c)
{
    size_t i, n;
    oc_free(c->name);
    oc_free(c->date_fmt);
    oc_strmap_free(c->missing);
    oc_strmap_free(c->tokens);
    oc_free(c->token_vals);
    oc_strmap_free(c->map);
    n = c->codes ? oc_strmap_count(c->codes) : 0;
    if (c->labels)
        for (i = 0; i < n; i++)
            oc_free(c->labels[i]);
    oc_free(c->labels);
    oc_free(c->rank);
    oc_free(c->src_name);
    oc_strmap_free(c->codes);
}

static void free_lookup(sch_lookup *L)
{
    size_t i;
    oc_free(L->id);
    oc_free(L->path);
    oc_free(L->key);
    oc_free(L->on);
    oc_free(L->rank_name);
    oc_free(L->encoding);
    oc_free(L->rank_path);
    for (i = 0; i < L->nkeep; i++)
        oc_free(L->keep[i]);
    oc_free(L->keep);
    lk_free(L->tab);
}

static void free_dim(sch_dim *d, const schema *s)
{
    size_t i;
    oc_free(d->id);
    oc_free(d->lo);
    oc_free(d->hi);
    oc_free(d->fast);
    oc_free(d->int_idx);
    if (d->kind != DIM_CODE) {
        for (i = 0; i < d->nlabels; i++)
            oc_free(d->labels[i]);
        oc_free(d->labels);
        oc_strmap_free(d->codes);
    }
    (void)s;
}

void schema_free(schema *s)
{
    size_t i;
    if (!s)
        return;
    oc_free(s->encoding);
    for (i = 0; i < s->ndims; i++)
        free_dim(&s->dims[i], s);
    for (i = 0; i < s->ncols; i++)
        free_column(&s->cols[i]);
    for (i = 0; i < s->nlookups; i++)
        free_lookup(&s->lookups[i]);
    oc_free(s->lookups);
    oc_free(s->out);
    oc_free(s->col_order);
    oc_free(s->combo);
    oc_free(s->dims);
    oc_free(s->cols);
    oc_free(s->path);
    oc_free(s->dataset);
    oc_free(s->count_name);
    oc_strmap_free(s->count_suppressed);
    oc_free(s);
}

int schema_dim_index(const schema *s, const char *id)
{
    size_t i;
    for (i = 0; i < s->ndims; i++)
        if (strcmp(s->dims[i].id, id) == 0)
            return (int)i;
    return -1;
}

static int col_index(const schema *s, const char *name)
{
    size_t i;
    for (i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* ---------- reading small CSV files (code lists, bands) ---------- */

typedef struct table_file {
    const char *path;
    size_t      ncols;
    char      **head;        /* owned header names */
    size_t      nrows;
    char     ***cells;       /* owned: cells[r][c] */
    uint64_t   *lines;       /* owned: physical line per row */
    oc_status   st;
} table_file;

static void table_file_free(table_file *t)
{
    size_t r, c;
    for (c = 0; c < t->ncols; c++)
        oc_free(t->head[c]);
    oc_free(t->head);
    for (r = 0; r < t->nrows; r++) {
        for (c = 0; c < t->ncols; c++)
            oc_free(t->cells[r][c]);
        oc_free(t->cells[r]);
    }
    oc_free(t->cells);
    oc_free(t->lines);
}

static oc_status table_row(void *ctx, const oc_row *row, oc_error *err)
{
    table_file *t = ctx;
    size_t c;
    if (row->record == 1) {
        t->head = oc_calloc(row->nfields, sizeof *t->head);
        if (!t->head)
            return nomem(err);
        t->ncols = row->nfields;
        for (c = 0; c < row->nfields; c++)
            if (!(t->head[c] = oc_strndup(row->fields[c].ptr, row->fields[c].len)))
                return nomem(err);
        return OC_OK;
    }
    if (row->nfields != t->ncols) {
        oc_error_at(err, t->path, row->line, 0);
        return oc_error_set(err, OC_ECONFIG, "expected %zu fields, got %zu", t->ncols, row->nfields);
    }
    {
        char ***nc = oc_realloc(t->cells, (t->nrows + 1) * sizeof *nc);
        uint64_t *nl;
        if (!nc)
            return nomem(err);
        t->cells = nc;
        nl = oc_realloc(t->lines, (t->nrows + 1) * sizeof *nl);
        if (!nl)
            return nomem(err);
        t->lines = nl;
        t->cells[t->nrows] = oc_calloc(t->ncols, sizeof(char *));
        if (!t->cells[t->nrows])
            return nomem(err);
        t->lines[t->nrows] = row->line;
        t->nrows++;
        for (c = 0; c < t->ncols; c++)
            if (!(t->cells[t->nrows - 1][c] = oc_strndup(row->fields[c].ptr, row->fields[c].len)))
                return nomem(err);
    }
    return OC_OK;
}

static int head_index(const table_file *t, const char *name)
{
    size_t c;
    for (c = 0; c < t->ncols; c++)
        if (strcmp(t->head[c], name) == 0)
            return (int)c;
    return -1;
}

/* Reads a CSV file with a header into t; the file's bytes go into sha. */
static oc_status read_table_file(const char *path, table_file *t, oc_sha256 *sha, oc_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    csvr *r;
    oc_status st;
    memset(t, 0, sizeof *t);
    t->path = path;
    st = oc_read_file(path, CONFIG_LIMIT, &buf, &len, err);
    if (st != OC_OK) {
        if (st == OC_EIO)   /* a file the configuration names: a configuration error */
            err->code = st = OC_ECONFIG;
        return st;
    }
    oc_sha256_update(sha, path, strlen(path) + 1);
    oc_sha256_update(sha, buf, len);
    r = csvr_new(NULL, path, table_row, t);
    if (!r) {
        oc_free(buf);
        return nomem(err);
    }
    st = csvr_feed(r, buf, len, err);
    if (st == OC_OK)
        st = csvr_finish(r, err);
    csvr_free(r);
    oc_free(buf);
    if (st == OC_EDATA) {
        err->code = OC_ECONFIG;
        st = OC_ECONFIG;
    }
    if (st == OC_OK && t->ncols == 0) {
        oc_error_at(err, path, 1, 0);
        st = oc_error_set(err, OC_ECONFIG, "empty file: a header line is required");
    }
    return st;
}

/* Reads the CSV file a schema key names (`what: PATH`, relative to the
 * schema).  *path is owned by the caller; t must be freed even on error. */
static oc_status read_named_file(schema *s, const oc_ynode *node, const char *what, table_file *t,
                                 char **path, oc_sha256 *sha, oc_error *err)
{
    memset(t, 0, sizeof *t);
    if (node->kind != OC_YSCALAR || node->len == 0)
        return oc_yerror(err, node, s->path, OC_ECONFIG, "%s must be a file path", what);
    *path = oc_path_join_dir(s->path, node->str);
    if (!*path)
        return nomem(err);
    return read_table_file(*path, t, sha, err);
}

/* ---------- columns ---------- */

static oc_status load_code_list(schema *s, sch_column *c, const oc_ynode *node, oc_sha256 *sha,
                                oc_error *err)
{
    table_file t;
    char *path = NULL;
    int from, to, code, label, rank;
    size_t r;
    oc_status st = read_named_file(s, node, "codelist", &t, &path, sha, err);
    if (st != OC_OK)
        goto out;
    from = head_index(&t, "from");
    to = head_index(&t, "to");
    code = head_index(&t, "code");
    label = head_index(&t, "label");
    rank = head_index(&t, "rank");
    if (from < 0 || to < 0) {
        if (code < 0) {
            oc_error_at(err, path, 1, 0);
            st = oc_error_set(err, OC_ECONFIG, "code list needs columns 'from' and 'to' (or 'code')");
            goto out;
        }
        from = to = code;
    }
    for (r = 0; r < t.nrows; r++) {
        const char *f = t.cells[r][from], *v = t.cells[r][to];
        uint32_t idx;
        int existed;
        if (strcmp(v, "_T") == 0) {   /* a row that is itself a total */
            idx = SCH_CODE_TOTAL;
            c->has_total = 1;
        } else if (!oc_strmap_get(c->codes, v, strlen(v), &idx)) {
            /* labels first, so labels always has an entry per code */
            char **nl;
            idx = (uint32_t)oc_strmap_count(c->codes);
            nl = oc_realloc(c->labels, (idx + 1) * sizeof *nl);
            if (!nl) {
                st = nomem(err);
                goto out;
            }
            c->labels = nl;
            c->labels[idx] = NULL;
            if (rank >= 0) {
                uint32_t *nr = oc_realloc(c->rank, (idx + 1) * sizeof *nr);
                if (!nr) {
                    st = nomem(err);
                    goto out;
                }
                c->rank = nr;
                c->rank[idx] = UINT32_MAX;
            }
            if (oc_strmap_put(c->codes, v, strlen(v), idx, NULL) != OC_OK) {
                st = nomem(err);
                goto out;
            }
            if (label >= 0 && t.cells[r][label][0] && !(c->labels[idx] = oc_strdup(t.cells[r][label]))) {
                st = nomem(err);
                goto out;
            }
        }
        if (rank >= 0 && idx != SCH_CODE_TOTAL) {   /* a code's rank (principal matches): one per code */
            int64_t rk;
            if (oc_parse_i64(t.cells[r][rank], strlen(t.cells[r][rank]), &rk) != 0 || rk < 0 ||
                rk >= UINT32_MAX) {
                oc_error_at(err, path, t.lines[r], 0);
                st = oc_error_set(err, OC_ECONFIG, "rank must be a whole number >= 0, not '%s'", t.cells[r][rank]);
                goto out;
            }
            if (c->rank[idx] != UINT32_MAX && c->rank[idx] != (uint32_t)rk) {
                oc_error_at(err, path, t.lines[r], 0);
                st = oc_error_set(err, OC_ECONFIG, "code '%s' is given two different ranks", v);
                goto out;
            }
            c->rank[idx] = (uint32_t)rk;
        }
        if (oc_strmap_put(c->map, f, strlen(f), idx, &existed) != OC_OK) {
            st = nomem(err);
            goto out;
        }
        if (existed) {
            uint32_t prev;
            oc_strmap_get(c->map, f, strlen(f), &prev);
            if (prev != idx) {
                oc_error_at(err, path, t.lines[r], 0);
                st = oc_error_set(err, OC_ECONFIG, "code '%s' is mapped twice, to different codes", f);
                goto out;
            }
        }
    }
out:
    table_file_free(&t);
    oc_free(path);
    return st;
}

static oc_status load_string_set(schema *s, const oc_ynode *n, oc_strmap **out, const char *what,
                                 oc_error *err)
{
    size_t i;
    if (n->kind != OC_YSEQ)
        return oc_yerror(err, n, s->path, OC_ECONFIG, "%s must be a list of strings", what);
    *out = oc_strmap_new();
    if (!*out)
        return nomem(err);
    for (i = 0; i < n->n; i++) {
        const oc_ynode *it = n->vals[i];
        if (it->kind != OC_YSCALAR)
            return oc_yerror(err, it, s->path, OC_ECONFIG, "%s must be a list of strings", what);
        if (oc_strmap_put(*out, it->str, it->len, (uint32_t)i, NULL) != OC_OK)
            return nomem(err);
    }
    return OC_OK;
}

static oc_status load_column(schema *s, sch_column *c, const oc_ynode *key, const oc_ynode *v,
                             oc_sha256 *sha, oc_error *err)
{
    static const char *const keys[] = {"type", "min", "max", "missing", "tokens", "map",
                                       "codelist", "max_codes", "field", "description", "format",
                                       "top_coded", "lookup", "column", NULL};
    const oc_ynode *type, *n;
    oc_status st;
    c->name = oc_strdup(key->str);
    c->field = -1;
    c->lookup = -1;
    c->min = INT64_MIN;
    c->max = INT64_MAX;
    if (!c->name)
        return nomem(err);
    if (v->kind != OC_YMAP)
        return oc_yerror(err, v, s->path, OC_ECONFIG, "column '%s' must be a map", c->name);
    if ((st = oc_ycheck_keys(v, keys, s->path, err)) != OC_OK)
        return st;
    if ((n = oc_ymap_get(v, "lookup")) != NULL) {   /* drawn through a lookup */
        size_t i;
        for (i = 0; i < s->nlookups; i++)
            if (n->kind == OC_YSCALAR && strcmp(s->lookups[i].id, n->str) == 0)
                c->lookup = (int)i;
        if (c->lookup < 0)
            return oc_yerror(err, n, s->path, OC_ECONFIG, "no lookup named '%s' (declare it under lookups)",
                             n->kind == OC_YSCALAR ? n->str : "?");
        if (oc_ymap_get(v, "field"))
            return oc_yerror(err, oc_ymap_get(v, "field"), s->path, OC_ECONFIG,
                             "a column drawn through a lookup is found by name, not by field");
    }
    if ((n = oc_ymap_get(v, "column")) != NULL) {
        if (c->lookup < 0)
            return oc_yerror(err, n, s->path, OC_ECONFIG, "'column' names a lookup file's column: give lookup too");
        if (n->kind != OC_YSCALAR || n->len == 0)
            return oc_yerror(err, n, s->path, OC_ECONFIG, "column must name a column of the lookup file");
    }
    if (!(c->src_name = oc_strdup(n ? n->str : c->name)))
        return nomem(err);
    type = oc_ymap_get(v, "type");
    if (!type)
        return oc_yerror(err, v, s->path, OC_ECONFIG, "column '%s' needs a type (integer or code)", c->name);
    if (type->kind == OC_YSCALAR && strcmp(type->str, "integer") == 0)
        c->type = SCH_INTEGER;
    else if (type->kind == OC_YSCALAR && strcmp(type->str, "code") == 0)
        c->type = SCH_CODE;
    else if (type->kind == OC_YSCALAR && strcmp(type->str, "date") == 0)
        c->type = SCH_DATE;
    else
        return oc_yerror(err, type, s->path, OC_ECONFIG, "unknown column type '%s' (integer, code or date)",
                         type->kind == OC_YSCALAR ? type->str : "?");
    if ((n = oc_ymap_get(v, "format")) != NULL && c->type != SCH_DATE)
        return oc_yerror(err, n, s->path, OC_ECONFIG, "'format' applies to date columns only");
    if ((n = oc_ymap_get(v, "field")) != NULL) {
        int64_t f;
        if ((st = oc_yint(n, s->path, &f, err)) != OC_OK)
            return st;
        if (f < 1 || f > 100000)
            return oc_yerror(err, n, s->path, OC_ECONFIG, "field must be a 1-based column number");
        c->field = (int)(f - 1);
    }
    if (c->type == SCH_DATE) {
        static const char *const bad[] = {"map", "codelist", "max_codes", "min", "max", "tokens", "top_coded", NULL};
        const char *fmt = "%Y-%m-%d", *p;
        size_t i;
        for (i = 0; bad[i]; i++)
            if ((n = oc_ymap_get(v, bad[i])) != NULL)
                return oc_yerror(err, n, s->path, OC_ECONFIG, "'%s' does not apply to date columns", bad[i]);
        if ((n = oc_ymap_get(v, "format")) != NULL) {
            int y = 0, m = 0, d = 0;
            if (n->kind != OC_YSCALAR)
                return oc_yerror(err, n, s->path, OC_ECONFIG, "format must be a string such as \"%%m/%%d/%%Y\"");
            for (p = n->str; *p; p++)
                if (*p == '%') {
                    p++;
                    y += *p == 'Y';
                    m += *p == 'm';
                    d += *p == 'd';
                    if (!*p || !strchr("YmdHMS%", *p))
                        return oc_yerror(err, n, s->path, OC_ECONFIG,
                                         "format: only %%Y %%m %%d %%H %%M %%S and %%%% are known");
                }
            if (y != 1 || m != 1 || d != 1)
                return oc_yerror(err, n, s->path, OC_ECONFIG, "format needs %%Y, %%m and %%d, once each");
            fmt = n->str;
        }
        if (!(c->date_fmt = oc_strdup(fmt)))
            return nomem(err);
        if ((n = oc_ymap_get(v, "missing")) && (st = load_string_set(s, n, &c->missing, "missing", err)) != OC_OK)
            return st;
        return OC_OK;
    }
    if (c->type == SCH_INTEGER) {
        static const char *const bad[] = {"map", "codelist", "max_codes", NULL};
        size_t i;
        for (i = 0; bad[i]; i++)
            if ((n = oc_ymap_get(v, bad[i])) != NULL)
                return oc_yerror(err, n, s->path, OC_ECONFIG, "'%s' applies to code columns only", bad[i]);
        if ((n = oc_ymap_get(v, "min")) && (st = oc_yint(n, s->path, &c->min, err)) != OC_OK)
            return st;
        if ((n = oc_ymap_get(v, "max")) && (st = oc_yint(n, s->path, &c->max, err)) != OC_OK)
            return st;
        if (c->min > c->max)
            return oc_yerror(err, v, s->path, OC_ECONFIG, "column '%s': min is greater than max", c->name);
        c->top_coded = INT64_MAX;
        if ((n = oc_ymap_get(v, "top_coded")) != NULL) {
            /* the largest value stands for itself "and over" (NIBRS age 99) */
            if ((st = oc_yint(n, s->path, &c->top_coded, err)) != OC_OK)
                return st;
            if (c->max != INT64_MAX && c->top_coded != c->max)
                return oc_yerror(err, n, s->path, OC_ECONFIG, "column '%s': top_coded must equal max", c->name);
            c->max = c->top_coded;
        }
        if ((n = oc_ymap_get(v, "missing")) && (st = load_string_set(s, n, &c->missing, "missing", err)) != OC_OK)
            return st;
        if ((n = oc_ymap_get(v, "tokens")) != NULL) {
            if (n->kind != OC_YMAP)
                return oc_yerror(err, n, s->path, OC_ECONFIG, "tokens must map a token to an integer");
            c->tokens = oc_strmap_new();
            c->token_vals = oc_calloc(n->n, sizeof *c->token_vals);
            if (!c->tokens || !c->token_vals)
                return nomem(err);
            for (i = 0; i < n->n; i++) {
                if ((st = oc_yint(n->vals[i], s->path, &c->token_vals[i], err)) != OC_OK)
                    return st;
                if (c->missing) {
                    uint32_t dummy;
                    if (oc_strmap_get(c->missing, n->keys[i]->str, n->keys[i]->len, &dummy))
                        return oc_yerror(err, n->keys[i], s->path, OC_ECONFIG,
                                         "token '%s' is also a missing token", n->keys[i]->str);
                }
                if (oc_strmap_put(c->tokens, n->keys[i]->str, n->keys[i]->len, (uint32_t)i, NULL) != OC_OK)
                    return nomem(err);
            }
        }
        for (i = 0; c->tokens && i < oc_strmap_count(c->tokens); i++)
            if (c->token_vals[i] < c->min || c->token_vals[i] > c->max)
                return oc_yerror(err, oc_ymap_get(v, "tokens"), s->path, OC_ECONFIG,
                                 "token '%s' maps to %lld, outside [min, max]", oc_strmap_key(c->tokens, i, NULL),
                                 (long long)c->token_vals[i]);
        {
            const oc_strmap *sets[2] = {c->missing, c->tokens};
            size_t k, j;
            for (k = 0; k < 2; k++)
                for (j = 0; sets[k] && j < oc_strmap_count(sets[k]); j++) {
                    size_t len;
                    const char *t = oc_strmap_key(sets[k], j, &len);
                    int64_t dummy;
                    if (oc_parse_i64(t, len, &dummy) == 0)
                        c->tok_numeric = 1;
                }
        }
        return OC_OK;
    }
    /* code column */
    {
        static const char *const bad[] = {"min", "max", "missing", "tokens", "top_coded", NULL};
        const oc_ynode *map = oc_ymap_get(v, "map"), *cl = oc_ymap_get(v, "codelist");
        size_t i;
        for (i = 0; bad[i]; i++)
            if ((n = oc_ymap_get(v, bad[i])) != NULL)
                return oc_yerror(err, n, s->path, OC_ECONFIG,
                                 "'%s' applies to integer columns only (map the value instead)", bad[i]);
        c->codes = oc_strmap_new();
        if (!c->codes)
            return nomem(err);
        if (map && cl)
            return oc_yerror(err, cl, s->path, OC_ECONFIG, "give either map or codelist, not both");
        c->max_open = DEFAULT_MAX_OPEN;
        if ((n = oc_ymap_get(v, "max_codes")) != NULL) {
            int64_t m;
            if ((st = oc_yint(n, s->path, &m, err)) != OC_OK)
                return st;
            if (m < 1 || m > 1000000)
                return oc_yerror(err, n, s->path, OC_ECONFIG, "max_codes must be in 1..1000000");
            c->max_open = (uint32_t)m;
        }
        if (!map && !cl) {
            c->open = 1;
            return OC_OK;
        }
        c->map = oc_strmap_new();
        if (!c->map)
            return nomem(err);
        if (cl)
            return load_code_list(s, c, cl, sha, err);
        if (map->kind != OC_YMAP)
            return oc_yerror(err, map, s->path, OC_ECONFIG, "map must be a map of value: code");
        for (i = 0; i < map->n; i++) {
            const oc_ynode *to = map->vals[i];
            uint32_t idx = (uint32_t)oc_strmap_count(c->codes);
            int existed;
            if (to->kind != OC_YSCALAR || to->len == 0)
                return oc_yerror(err, to, s->path, OC_ECONFIG, "map target must be a non-empty code");
            if (strcmp(to->str, "_T") == 0) {   /* a row that is itself a total */
                idx = SCH_CODE_TOTAL;
                c->has_total = 1;
            } else if (oc_strmap_put(c->codes, to->str, to->len, idx, &existed) != OC_OK) {
                return nomem(err);
            } else if (existed) {
                oc_strmap_get(c->codes, to->str, to->len, &idx);
            }
            if (oc_strmap_put(c->map, map->keys[i]->str, map->keys[i]->len, idx, NULL) != OC_OK)
                return nomem(err);
        }
        c->labels = oc_calloc(oc_strmap_count(c->codes), sizeof *c->labels);
        if (!c->labels)
            return nomem(err);
    }
    return OC_OK;
}

/* ---------- dimensions ---------- */

static oc_status add_dim_code(sch_dim *d, const char *code, size_t len, const char *label, oc_error *err)
{
    uint32_t idx = (uint32_t)oc_strmap_count(d->codes);
    int existed;
    char **nl;
    if (oc_strmap_put(d->codes, code, len, idx, &existed) != OC_OK)
        return nomem(err);
    if (existed)
        return OC_EDATA;
    nl = oc_realloc(d->labels, (d->nlabels + 1) * sizeof *nl);
    if (!nl)
        return nomem(err);
    d->labels = nl;
    d->labels[d->nlabels] = NULL;
    if (label && label[0] && !(d->labels[d->nlabels] = oc_strdup(label)))
        return nomem(err);
    d->nlabels++;
    return OC_OK;
}

static uint32_t band_of(const sch_dim *d, int64_t v);

static oc_status load_bands(schema *s, sch_dim *d, const sch_column *c, const oc_ynode *node,
                            oc_sha256 *sha, oc_error *err)
{
    table_file t;
    char *path = NULL;
    int ci, li, hi, lab;
    size_t r;
    oc_status st = read_named_file(s, node, "bands", &t, &path, sha, err);
    if (st != OC_OK)
        goto out;
    ci = head_index(&t, "code");
    li = head_index(&t, "lo");
    hi = head_index(&t, "hi");
    lab = head_index(&t, "label");
    if (ci < 0 || li < 0 || hi < 0) {
        oc_error_at(err, path, 1, 0);
        st = oc_error_set(err, OC_ECONFIG, "bands file needs columns code,lo,hi[,label]");
        goto out;
    }
    if (t.nrows == 0) {
        oc_error_at(err, path, 1, 0);
        st = oc_error_set(err, OC_ECONFIG, "bands file has no bands");
        goto out;
    }
    d->lo = oc_calloc(t.nrows, sizeof *d->lo);
    d->hi = oc_calloc(t.nrows, sizeof *d->hi);
    if (!d->lo || !d->hi) {
        st = nomem(err);
        goto out;
    }
    for (r = 0; r < t.nrows; r++) {
        const char *code = t.cells[r][ci], *slo = t.cells[r][li], *shi = t.cells[r][hi];
        oc_error_at(err, path, t.lines[r], 0);   /* position for the checks below */
        if (!code[0] || strcmp(code, "_T") == 0 || strcmp(code, SCH_CODE_U) == 0) {
            st = oc_error_set(err, OC_ECONFIG, "invalid band code '%s'", code);
            goto out;
        }
        if (oc_parse_i64(slo, strlen(slo), &d->lo[r]) != 0) {
            st = oc_error_set(err, OC_ECONFIG, "band '%s': lo must be an integer, got '%s'", code, slo);
            goto out;
        }
        if (!shi[0])
            d->hi[r] = INT64_MAX;
        else if (oc_parse_i64(shi, strlen(shi), &d->hi[r]) != 0) {
            st = oc_error_set(err, OC_ECONFIG, "band '%s': hi must be an integer or empty, got '%s'", code, shi);
            goto out;
        }
        if (d->hi[r] < d->lo[r]) {
            st = oc_error_set(err, OC_ECONFIG, "band '%s': hi is below lo", code);
            goto out;
        }
        if (r > 0) {
            if (d->hi[r - 1] == INT64_MAX) {
                st = oc_error_set(err, OC_ECONFIG, "band '%s' follows an open-ended band", code);
                goto out;
            }
            if (d->lo[r] <= d->hi[r - 1]) {
                st = oc_error_set(err, OC_ECONFIG, "band '%s' overlaps the band before it (bands must ascend)", code);
                goto out;
            }
            if (d->lo[r] != d->hi[r - 1] + 1) {
                st = oc_error_set(err, OC_ECONFIG, "gap between bands: no band holds %lld..%lld",
                                  (long long)d->hi[r - 1] + 1, (long long)d->lo[r] - 1);
                goto out;
            }
        }
        st = add_dim_code(d, code, strlen(code), lab >= 0 ? t.cells[r][lab] : NULL, err);
        if (st == OC_EDATA)
            st = oc_error_set(err, OC_ECONFIG, "band code '%s' appears twice", code);
        if (st != OC_OK)
            goto out;
        /* clear the position we set for checks so later errors can set theirs */
        err->path[0] = '\0';
        err->line = 0;
    }
    d->nbands = t.nrows;
    if (c->min != INT64_MIN && c->min < d->lo[0]) {
        oc_error_at(err, path, t.lines[0], 0);
        st = oc_error_set(err, OC_ECONFIG, "bands start at %lld but column '%s' allows %lld",
                          (long long)d->lo[0], c->name, (long long)c->min);
        goto out;
    }
    if (c->max != INT64_MAX && d->hi[t.nrows - 1] != INT64_MAX && c->max > d->hi[t.nrows - 1]) {
        oc_error_at(err, path, t.lines[t.nrows - 1], 0);
        st = oc_error_set(err, OC_ECONFIG, "bands end at %lld but column '%s' allows %lld",
                          (long long)d->hi[t.nrows - 1], c->name, (long long)c->max);
        goto out;
    }
    /* lookup table over [lo[0], last finite bound] */
    {
        int64_t top = d->hi[t.nrows - 1] == INT64_MAX ? d->lo[t.nrows - 1] : d->hi[t.nrows - 1];
        if ((uint64_t)top - (uint64_t)d->lo[0] < FAST_BANDS) {   /* top >= lo[0]: no overflow */
            size_t n = (size_t)((uint64_t)top - (uint64_t)d->lo[0] + 1), k, b = 0;
            d->fast = oc_calloc(n, sizeof *d->fast);
            if (!d->fast) {
                st = nomem(err);
                goto out;
            }
            d->fast_lo = d->lo[0];
            d->nfast = n;
            for (k = 0; k < n; k++) {
                int64_t v = (int64_t)((uint64_t)d->lo[0] + k);
                while (v > d->hi[b])
                    b++;
                d->fast[k] = (uint32_t)b;
            }
        }
    }
    if (c->top_coded != INT64_MAX) {
        uint32_t b = band_of(d, c->top_coded);
        if (b == UINT32_MAX || d->hi[b] != INT64_MAX) {
            st = oc_yerror(err, node, s->path, OC_ECONFIG,
                           "column '%s' writes %lld for \"%lld and over\": the band holding it must be open-ended",
                           c->name, (long long)c->top_coded, (long long)c->top_coded);
            goto out;
        }
    }
    if (c->missing) {
        d->u_code = (uint32_t)dim_ncodes(d);
        st = add_dim_code(d, SCH_CODE_U, 2, "Unknown", err);
    }
out:
    table_file_free(&t);
    oc_free(path);
    return st;
}

static oc_status load_dim(schema *s, sch_dim *d, const oc_ynode *key, const oc_ynode *v,
                          oc_sha256 *sha, oc_error *err)
{
    static const char *const keys[] = {"from", "bands", "hierarchy", "description", "part", NULL};
    const oc_ynode *from, *n;
    const sch_column *c;
    oc_status st;
    d->u_code = UINT32_MAX;
    if (!(d->id = oc_strdup(key->str)))
        return nomem(err);
    if (strcmp(d->id, "OBS_VALUE") == 0 || strcmp(d->id, "OBS_STATUS") == 0 ||
        strcmp(d->id, "CONF_STATUS") == 0 || strcmp(d->id, "DATAFLOW") == 0 ||
        strcmp(d->id, "STRUCTURE") == 0 || strcmp(d->id, "STRUCTURE_ID") == 0 ||
        strcmp(d->id, "ACTION") == 0)
        return oc_yerror(err, key, s->path, OC_ECONFIG, "'%s' is reserved for the output", d->id);
    if (v->kind != OC_YMAP)
        return oc_yerror(err, v, s->path, OC_ECONFIG, "dimension '%s' must be a map", d->id);
    if ((st = oc_ycheck_keys(v, keys, s->path, err)) != OC_OK)
        return st;
    from = oc_ymap_get(v, "from");
    if (!from || from->kind != OC_YSCALAR)
        return oc_yerror(err, v, s->path, OC_ECONFIG, "dimension '%s' needs 'from: COLUMN'", d->id);
    d->col = col_index(s, from->str);
    if (d->col < 0)
        return oc_yerror(err, from, s->path, OC_ECONFIG, "no column named '%s'", from->str);
    c = &s->cols[d->col];
    if ((n = oc_ymap_get(v, "hierarchy")) != NULL) {
        if (n->kind != OC_YSCALAR || strcmp(n->str, "iccs") != 0)
            return oc_yerror(err, n, s->path, OC_ECONFIG, "unknown hierarchy (only 'iccs')");
        if (c->type != SCH_CODE)
            return oc_yerror(err, n, s->path, OC_ECONFIG, "hierarchy needs a code column");
        d->iccs = 1;
    }
    if ((n = oc_ymap_get(v, "part")) != NULL || c->type == SCH_DATE) {
        static const char *const parts[] = {"year", "quarter", "month", NULL};
        if (c->type != SCH_DATE)
            return oc_yerror(err, n, s->path, OC_ECONFIG, "part needs a date column");
        if (!n)
            return oc_yerror(err, v, s->path, OC_ECONFIG, "dimension '%s' from a date needs part: year, quarter or month",
                             d->id);
        for (d->part = 0; parts[d->part] && (n->kind != OC_YSCALAR || strcmp(n->str, parts[d->part]) != 0); d->part++)
            ;
        if (!parts[d->part])
            return oc_yerror(err, n, s->path, OC_ECONFIG, "part must be year, quarter or month");
        if (oc_ymap_get(v, "bands") || d->iccs)
            return oc_yerror(err, v, s->path, OC_ECONFIG, "a date dimension takes neither bands nor a hierarchy");
        d->kind = DIM_DATE;
        d->open = 1;
        if (!(d->codes = oc_strmap_new()))
            return nomem(err);
        return OC_OK;
    }
    if ((n = oc_ymap_get(v, "bands")) != NULL) {
        if (c->type != SCH_INTEGER)
            return oc_yerror(err, n, s->path, OC_ECONFIG, "bands need an integer column");
        d->kind = DIM_BANDS;
        if (!(d->codes = oc_strmap_new()))
            return nomem(err);
        return load_bands(s, d, c, n, sha, err);
    }
    if (c->type == SCH_CODE) {
        size_t i, nc = oc_strmap_count(c->codes);
        d->kind = DIM_CODE;
        d->codes = c->codes;       /* shared with the column */
        d->labels = c->labels;
        d->nlabels = c->labels ? nc : 0;
        d->open = c->open;
        if (d->iccs)
            for (i = 0; i < nc; i++) {
                size_t len;
                const char *k = oc_strmap_key(c->codes, i, &len);
                if (!iccs_valid(k, len) && strcmp(k, SCH_CODE_U) != 0)
                    return oc_yerror(err, from, s->path, OC_ECONFIG,
                                     "code '%s' of column '%s' is not an ICCS code (2, 4, 5 or 6 digits)",
                                     k, c->name);
            }
        return OC_OK;
    }
    if (c->top_coded != INT64_MAX)
        return oc_yerror(err, from, s->path, OC_ECONFIG,
                         "column '%s' is top-coded (%lld means \"and over\"): its dimension needs bands", c->name,
                         (long long)c->top_coded);
    d->kind = DIM_INT;
    d->open = 1;
    if (!(d->codes = oc_strmap_new()))
        return nomem(err);
    if (c->min != INT64_MIN && c->max != INT64_MAX && (uint64_t)c->max - (uint64_t)c->min < (1 << 20)) {
        size_t k;
        d->int_lo = c->min;
        d->int_n = (size_t)(c->max - c->min + 1);
        if (!(d->int_idx = oc_malloc(d->int_n * sizeof *d->int_idx)))
            return nomem(err);
        for (k = 0; k < d->int_n; k++)
            d->int_idx[k] = UINT32_MAX;
    }
    return OC_OK;
}

/* delimiter, quote and encoding of a format map (the input's or a lookup's). */
static oc_status load_csv_format(const schema *s, const oc_ynode *n, char *delim, char *quote, char **encoding,
                                 oc_error *err)
{
    const oc_ynode *f;
    if ((f = oc_ymap_get(n, "delimiter")) != NULL) {
        if (f->kind != OC_YSCALAR || f->len != 1 || f->str[0] == '\n' || f->str[0] == '\r')
            return oc_yerror(err, f, s->path, OC_ECONFIG, "delimiter must be one character (\"\\t\" for TSV)");
        *delim = f->str[0];
    }
    if ((f = oc_ymap_get(n, "quote")) != NULL) {
        if (f->kind != OC_YSCALAR || f->len != 1 || f->str[0] == '\n' || f->str[0] == '\r' || f->str[0] == *delim)
            return oc_yerror(err, f, s->path, OC_ECONFIG, "quote must be one character other than the delimiter");
        *quote = f->str[0];
    }
    if ((f = oc_ymap_get(n, "encoding")) != NULL) {
        if (f->kind != OC_YSCALAR || !csvr_encoding_ok(f->str))
            return oc_yerror(err, f, s->path, OC_ECONFIG,
                             "encoding '%s' is not known (UTF-8, WINDOWS-1252, ISO-8859-1, or another iconv name)",
                             f->kind == OC_YSCALAR ? f->str : "?");
        if (!(*encoding = oc_strdup(f->str)))
            return nomem(err);
    }
    return OC_OK;
}

/* ---------- lookups ---------- */

/* The declarations (the files are read by finish_lookups, once the columns
 * say which of their columns are needed). */
static oc_status load_lookups(schema *s, const oc_ynode *n, oc_error *err)
{
    static const char *const keys[] = {"file", "key", "on", "match", "rank", "unmatched", "format",
                                       "description", NULL};
    static const char *const fmt_keys[] = {"delimiter", "quote", "encoding", NULL};
    size_t i, j;
    oc_status st;
    if (n->kind != OC_YMAP || n->n == 0)
        return oc_yerror(err, n, s->path, OC_ECONFIG, "lookups must map a name to {file, key, on}");
    s->lookups = oc_calloc(n->n, sizeof *s->lookups);
    if (!s->lookups)
        return nomem(err);
    for (i = 0; i < n->n; i++) {
        sch_lookup *L = &s->lookups[i];
        const oc_ynode *v = n->vals[i], *f, *on;
        const char *dot;
        s->nlookups = i + 1;
        L->parent = -1;
        L->on_field = -1;
        L->rank_col = -1;
        L->cur = UINT32_MAX;
        L->delim = ',';
        L->quote = '"';
        if (!(L->id = oc_strdup(n->keys[i]->str)))
            return nomem(err);
        if (!L->id[0] || strchr(L->id, '.'))
            return oc_yerror(err, n->keys[i], s->path, OC_ECONFIG, "a lookup's name must be non-empty, without '.'");
        if (v->kind != OC_YMAP)
            return oc_yerror(err, v, s->path, OC_ECONFIG, "lookup '%s' must be a map {file, key, on}", L->id);
        if ((st = oc_ycheck_keys(v, keys, s->path, err)) != OC_OK)
            return st;
        f = oc_ymap_get(v, "file");
        if (!f || f->kind != OC_YSCALAR || f->len == 0)
            return oc_yerror(err, f ? f : v, s->path, OC_ECONFIG, "lookup '%s' needs file: PATH", L->id);
        if (!(L->path = oc_path_join_dir(s->path, f->str)))
            return nomem(err);
        f = oc_ymap_get(v, "key");
        if (!f || f->kind != OC_YSCALAR || f->len == 0)
            return oc_yerror(err, f ? f : v, s->path, OC_ECONFIG,
                             "lookup '%s' needs key: the file's column that holds the key", L->id);
        if (!(L->key = oc_strdup(f->str)))
            return nomem(err);
        on = oc_ymap_get(v, "on");
        if (!on || on->kind != OC_YSCALAR || on->len == 0)
            return oc_yerror(err, on ? on : v, s->path, OC_ECONFIG,
                             "lookup '%s' needs on: an input column, or LOOKUP.column", L->id);
        dot = strchr(on->str, '.');
        for (j = 0; dot && j < n->n; j++) {
            size_t len = (size_t)(dot - on->str);
            if (n->keys[j]->len != len || memcmp(n->keys[j]->str, on->str, len) != 0)
                continue;
            if (j >= i)
                return oc_yerror(err, on, s->path, OC_ECONFIG, "declare lookup '%s' before '%s', which it feeds",
                                 n->keys[j]->str, L->id);
            L->parent = (int)j;
        }
        if (!(L->on = oc_strdup(L->parent >= 0 ? dot + 1 : on->str)))
            return nomem(err);
        if (L->parent < 0 && !s->header)
            return oc_yerror(err, on, s->path, OC_ECONFIG, "a lookup on an input column needs a header");
        if ((f = oc_ymap_get(v, "match")) != NULL) {
            if (f->kind == OC_YSCALAR && strcmp(f->str, "one") == 0)
                L->match = SCH_MATCH_ONE;
            else if (f->kind == OC_YSCALAR && strcmp(f->str, "each") == 0)
                L->match = SCH_MATCH_EACH;
            else if (f->kind == OC_YSCALAR && strcmp(f->str, "principal") == 0)
                L->match = SCH_MATCH_PRINCIPAL;
            else
                return oc_yerror(err, f, s->path, OC_ECONFIG, "match must be one, each or principal");
        }
        f = oc_ymap_get(v, "rank");
        if (L->match == SCH_MATCH_PRINCIPAL && (!f || f->kind != OC_YSCALAR))
            return oc_yerror(err, f ? f : v, s->path, OC_ECONFIG,
                             "match: principal needs rank: the column whose code ranks the matches");
        if (f && L->match != SCH_MATCH_PRINCIPAL)
            return oc_yerror(err, f, s->path, OC_ECONFIG, "rank applies to match: principal only");
        if (f && !(L->rank_name = oc_strdup(f->str)))
            return nomem(err);
        if ((f = oc_ymap_get(v, "unmatched")) != NULL) {
            if (f->kind == OC_YSCALAR && strcmp(f->str, "empty") == 0)
                L->unmatched_empty = 1;
            else if (!(f->kind == OC_YSCALAR && strcmp(f->str, "reject") == 0))
                return oc_yerror(err, f, s->path, OC_ECONFIG, "unmatched must be reject or empty");
        }
        if ((f = oc_ymap_get(v, "format")) != NULL) {
            if ((st = oc_yexpect(f, OC_YMAP, s->path, "format", err)) != OC_OK ||
                (st = oc_ycheck_keys(f, fmt_keys, s->path, err)) != OC_OK ||
                (st = load_csv_format(s, f, &L->delim, &L->quote, &L->encoding, err)) != OC_OK)
                return st;
        }
    }
    return OC_OK;
}

/* Adds name to L's kept columns (once); its index in *at. */
static oc_status keep_column(sch_lookup *L, const char *name, size_t *at)
{
    size_t i;
    char **nk;
    for (i = 0; i < L->nkeep; i++)
        if (strcmp(L->keep[i], name) == 0) {
            *at = i;
            return OC_OK;
        }
    nk = oc_realloc(L->keep, (L->nkeep + 1) * sizeof *nk);
    if (!nk)
        return OC_ENOMEM;
    L->keep = nk;
    if (!(L->keep[L->nkeep] = oc_strdup(name)))
        return OC_ENOMEM;
    *at = L->nkeep++;
    return OC_OK;
}

/* Once the columns are known: ranks, the columns each file must keep, and
 * the files themselves. */
static oc_status finish_lookups(schema *s, const oc_ynode *n, oc_sha256 *sha, oc_error *err)
{
    size_t i;
    oc_status st;
        for (i = 0; i < s->nlookups; i++) {
        sch_lookup *L = &s->lookups[i];
        const oc_ynode *v = n->vals[i];
        if (L->match == SCH_MATCH_EACH) {
            if (s->each >= 0)
                return oc_yerror(err, oc_ymap_get(v, "match"), s->path, OC_ECONFIG,
                                 "only one lookup may count a record once per match ('%s' already does)",
                                 s->lookups[s->each].id);
            s->each = (int)i;
        }
        if (L->match == SCH_MATCH_PRINCIPAL) {
            const oc_ynode *rk = oc_ymap_get(v, "rank");
            const sch_column *c;
            int k, depth = 0;
            L->rank_col = col_index(s, L->rank_name);
            if (L->rank_col < 0)
                return oc_yerror(err, rk, s->path, OC_ECONFIG, "rank: no column '%s' under columns", L->rank_name);
            c = &s->cols[L->rank_col];
            if (c->type != SCH_CODE || c->open)
                return oc_yerror(err, rk, s->path, OC_ECONFIG,
                                 "rank: column '%s' must be a code column with a map or code list (its order ranks)",
                                 c->name);
            for (k = c->lookup; k >= 0 && k != (int)i; k = s->lookups[k].parent)
                depth++;
            if (k != (int)i)
                return oc_yerror(err, rk, s->path, OC_ECONFIG,
                                 "rank: column '%s' must be drawn through lookup '%s' or one fed by it", c->name, L->id);
            L->rank_path = oc_calloc(depth ? (size_t)depth : 1, sizeof *L->rank_path);
            if (!L->rank_path)
                return nomem(err);
            L->nrank_path = (size_t)depth;
            for (k = c->lookup; k != (int)i; k = s->lookups[k].parent) {
                if (s->lookups[k].match == SCH_MATCH_EACH)
                    return oc_yerror(err, rk, s->path, OC_ECONFIG,
                                     "rank: the way to column '%s' passes a match: each lookup ('%s')", c->name,
                                     s->lookups[k].id);
                L->rank_path[--depth] = k;
            }
        }
    }
    for (i = 0; i < s->nlookups; i++) {
        sch_lookup *L = &s->lookups[i];
        if (L->parent >= 0 && keep_column(&s->lookups[L->parent], L->on, &L->on_col) != OC_OK)
            return nomem(err);
    }
    for (i = 0; i < s->ncols; i++) {
        sch_column *c = &s->cols[i];
        if (c->lookup >= 0 && keep_column(&s->lookups[c->lookup], c->src_name, &c->lk_col) != OC_OK)
            return nomem(err);
    }
    for (i = 0; i < s->nlookups; i++) {
        sch_lookup *L = &s->lookups[i];
        csvr_options opt;
        char hex[OC_SHA256_HEX];
        csvr_options_default(&opt);
        opt.delim = L->delim;
        opt.quote = L->quote;
        opt.encoding = L->encoding;
        st = lk_load(L->path, L->key, (const char *const *)L->keep, L->nkeep, L->match == SCH_MATCH_ONE, &opt,
                     &L->tab, hex, err);
        if (st != OC_OK) {
            size_t len = strlen(err->msg);
            snprintf(err->msg + len, sizeof err->msg - len, " (lookup '%s')", L->id);
            return st;
        }
        oc_sha256_update(sha, L->path, strlen(L->path) + 1);
        oc_sha256_update(sha, hex, strlen(hex));
    }
    return OC_OK;
}

/* ---------- schema ---------- */

oc_status schema_load(const char *path, schema **out, oc_error *err)
{
    static const char *const top[] = {"dataset", "format", "count", "lookups", "columns", "dimensions",
                                      "description", NULL};
    static const char *const fmt_keys[] = {"delimiter", "quote", "header", "encoding", "skip", NULL};
    schema *s;
    char *buf = NULL;
    size_t len, i, at;
    oc_ynode *root = NULL;
    const oc_ynode *n, *cols, *dims;
    oc_sha256 sha;
    oc_status st;

    *out = NULL;
    s = oc_calloc(1, sizeof *s);
    if (!s || !(s->path = oc_strdup(path))) {
        oc_free(s);
        return nomem(err);
    }
    s->delim = ',';
    s->quote = '"';
    s->header = 1;
    s->count_col = -1;
    s->count_field = -1;
    oc_sha256_init(&sha);
    st = oc_read_file(path, CONFIG_LIMIT, &buf, &len, err);
    if (st != OC_OK) {
        if (st == OC_EIO)
            err->code = st = OC_ECONFIG;
        goto fail;
    }
    oc_sha256_update(&sha, buf, len);
    if ((st = oc_yaml_parse(buf, len, path, &root, err)) != OC_OK)
        goto fail;
    if ((st = oc_yexpect(root, OC_YMAP, path, "a schema", err)) != OC_OK ||
        (st = oc_ycheck_keys(root, top, path, err)) != OC_OK)
        goto fail;
    n = oc_ymap_get(root, "dataset");
    if (!n || n->kind != OC_YSCALAR || n->len == 0) {
        st = oc_yerror(err, n ? n : root, path, OC_ECONFIG, "the schema needs 'dataset: NAME'");
        goto fail;
    }
    if (!(s->dataset = oc_strdup(n->str))) {
        st = nomem(err);
        goto fail;
    }
    if ((n = oc_ymap_get(root, "format")) != NULL) {
        const oc_ynode *f;
        if ((st = oc_yexpect(n, OC_YMAP, path, "format", err)) != OC_OK ||
            (st = oc_ycheck_keys(n, fmt_keys, path, err)) != OC_OK)
            goto fail;
        if ((st = load_csv_format(s, n, &s->delim, &s->quote, &s->encoding, err)) != OC_OK)
            goto fail;
        if ((f = oc_ymap_get(n, "header")) != NULL && (st = oc_ybool(f, path, &s->header, err)) != OC_OK)
            goto fail;
        if ((f = oc_ymap_get(n, "skip")) != NULL) {
            int64_t k;
            if ((st = oc_yint(f, path, &k, err)) != OC_OK)
                goto fail;
            if (k < 0 || k > 1000000) {
                st = oc_yerror(err, f, path, OC_ECONFIG, "skip must be a number of lines from 0 to 1000000");
                goto fail;
            }
            s->skip = (uint64_t)k;
        }
    }
    s->each = -1;
    if ((n = oc_ymap_get(root, "lookups")) != NULL && (st = load_lookups(s, n, err)) != OC_OK)
        goto fail;
    cols = oc_ymap_get(root, "columns");
    if (!cols || cols->kind != OC_YMAP || cols->n == 0) {
        st = oc_yerror(err, cols ? cols : root, path, OC_ECONFIG, "the schema needs a 'columns' map");
        goto fail;
    }
    s->cols = oc_calloc(cols->n, sizeof *s->cols);
    if (!s->cols) {
        st = nomem(err);
        goto fail;
    }
    for (i = 0; i < cols->n; i++) {
        s->ncols = i + 1;
        if ((st = load_column(s, &s->cols[i], cols->keys[i], cols->vals[i], &sha, err)) != OC_OK)
            goto fail;
        if (!s->header && s->cols[i].field < 0 && s->cols[i].lookup < 0) {
            st = oc_yerror(err, cols->keys[i], path, OC_ECONFIG,
                           "without a header, column '%s' needs 'field: N'", s->cols[i].name);
            goto fail;
        }
    }
    if (s->nlookups && (st = finish_lookups(s, oc_ymap_get(root, "lookups"), &sha, err)) != OC_OK)
        goto fail;
    if ((n = oc_ymap_get(root, "count")) != NULL && !oc_ynode_is_null(n)) {
        if (n->kind == OC_YMAP) {   /* {column: NAME, thousands: ","} */
            static const char *const ckeys[] = {"column", "thousands", "suppressed", NULL};
            const oc_ynode *th = oc_ymap_get(n, "thousands"), *sup = oc_ymap_get(n, "suppressed");
            if ((st = oc_ycheck_keys(n, ckeys, path, err)) != OC_OK)
                goto fail;
            if (sup && (st = load_string_set(s, sup, &s->count_suppressed, "suppressed", err)) != OC_OK)
                goto fail;
            if (th) {
                /* the delimiter is allowed: such counts come quoted ("1,282") */
                if (th->kind != OC_YSCALAR || th->len != 1 || (th->str[0] >= '0' && th->str[0] <= '9') ||
                    th->str[0] == '-') {
                    st = oc_yerror(err, th, path, OC_ECONFIG, "thousands must be one character, not a digit");
                    goto fail;
                }
                s->count_thousands = th->str[0];
            }
            if (!(n = oc_ymap_get(n, "column"))) {
                st = oc_yerror(err, oc_ymap_get(root, "count"), path, OC_ECONFIG, "count needs column: NAME");
                goto fail;
            }
        }
        if (n->kind != OC_YSCALAR) {
            st = oc_yerror(err, n, path, OC_ECONFIG, "count must name an input column or be null");
            goto fail;
        }
        if (col_index(s, n->str) >= 0) {
            st = oc_yerror(err, n, path, OC_ECONFIG, "the count column '%s' must not be listed under columns",
                           n->str);
            goto fail;
        }
        if (!(s->count_name = oc_strdup(n->str))) {
            st = nomem(err);
            goto fail;
        }
        s->count_col = 1;
        if (!s->header) {
            st = oc_yerror(err, n, path, OC_ECONFIG, "a count column needs a header");
            goto fail;
        }
    }
    dims = oc_ymap_get(root, "dimensions");
    if (!dims || dims->kind != OC_YMAP || dims->n == 0) {
        st = oc_yerror(err, dims ? dims : root, path, OC_ECONFIG, "the schema needs a 'dimensions' map");
        goto fail;
    }
    if (dims->n > SCH_MAX_DIMS) {
        st = oc_yerror(err, dims, path, OC_ECONFIG, "at most %d dimensions per schema", SCH_MAX_DIMS);
        goto fail;
    }
    s->dims = oc_calloc(dims->n, sizeof *s->dims);
    if (!s->dims) {
        st = nomem(err);
        goto fail;
    }
    for (i = 0; i < dims->n; i++) {
        s->ndims = i + 1;
        if ((st = load_dim(s, &s->dims[i], dims->keys[i], dims->vals[i], &sha, err)) != OC_OK)
            goto fail;
        if (s->cols[s->dims[i].col].has_total) {
            if (s->ntotal_dims == SCH_MAX_TOTAL_DIMS) {
                st = oc_yerror(err, dims->keys[i], path, OC_ECONFIG, "at most %d dimensions may have total rows (_T)",
                               SCH_MAX_TOTAL_DIMS);
                goto fail;
            }
            s->total_dims[s->ntotal_dims++] = (int)i;
        }
    }
    for (i = 0; i < s->ncols; i++) {   /* a total row is checked along its dimensions */
        size_t d;
        for (d = 0; d < s->ndims && s->dims[d].col != (int)i; d++)
            ;
        if (s->cols[i].has_total && d == s->ndims) {
            st = oc_yerror(err, cols->keys[i], path, OC_ECONFIG,
                           "column '%s' maps a value to _T (a total row): it must be a dimension", s->cols[i].name);
            goto fail;
        }
    }
    s->out_cap = 1;   /* coded records of one input record (more through match: each) */
    if (!(s->out = oc_calloc(s->ndims, sizeof *s->out)) || !(s->col_order = oc_calloc(s->ncols, sizeof *s->col_order))) {
        st = nomem(err);
        goto fail;
    }
    for (i = 0; i < s->ncols; i++)
        if (s->cols[i].lookup < 0)
            s->col_order[s->ndirect++] = (int)i;
    for (i = 0, at = s->ndirect; i < s->ncols; i++)
        if (s->cols[i].lookup >= 0)
            s->col_order[at++] = (int)i;
    if (!s->header) {
        size_t mx = 0;
        for (i = 0; i < s->ncols; i++)
            if (s->cols[i].lookup < 0 && (size_t)s->cols[i].field + 1 > mx)
                mx = (size_t)s->cols[i].field + 1;
        s->nfields = mx;   /* at least; records are checked against the first record */
    }
    oc_sha256_hex(&sha, s->sha256);
    oc_ynode_free(root);
    oc_free(buf);
    *out = s;
    return OC_OK;
fail:
    oc_ynode_free(root);
    oc_free(buf);
    schema_free(s);
    return st;
}

/* ---------- binding and recoding ---------- */

oc_status schema_bind_header(schema *s, const oc_row *row, oc_error *err)
{
    size_t i, f;
    for (i = 0; i < s->ncols; i++)
        s->cols[i].field = -1;
    for (i = 0; i < s->nlookups; i++)
        s->lookups[i].on_field = -1;
    for (f = 0; f < row->nfields; f++) {
        const oc_field *fl = &row->fields[f];
        for (i = 0; i < s->nlookups; i++) {
            sch_lookup *L = &s->lookups[i];
            if (L->parent < 0 && L->on_field < 0 && strlen(L->on) == fl->len && memcmp(L->on, fl->ptr, fl->len) == 0)
                L->on_field = (int)f;
        }
        for (i = 0; i < s->ncols; i++) {
            sch_column *c = &s->cols[i];
            if (c->lookup < 0 && strlen(c->name) == fl->len && memcmp(c->name, fl->ptr, fl->len) == 0) {
                if (c->field >= 0) {
                    oc_error_column(err, c->name);
                    return oc_error_set(err, OC_EDATA, "header names column '%s' twice", c->name);
                }
                c->field = (int)f;
            }
        }
        if (s->count_name && strlen(s->count_name) == fl->len && memcmp(s->count_name, fl->ptr, fl->len) == 0)
            s->count_field = (int)f;
    }
    for (i = 0; i < s->ncols; i++)
        if (s->cols[i].field < 0 && s->cols[i].lookup < 0) {
            oc_error_column(err, s->cols[i].name);
            return oc_error_set(err, OC_EDATA, "column required by the schema is missing from the header");
        }
    for (i = 0; i < s->nlookups; i++)
        if (s->lookups[i].parent < 0 && s->lookups[i].on_field < 0) {
            oc_error_column(err, s->lookups[i].on);
            return oc_error_set(err, OC_EDATA, "column required by lookup '%s' is missing from the header",
                                s->lookups[i].id);
        }
    if (s->count_name && s->count_field < 0) {
        oc_error_column(err, s->count_name);
        return oc_error_set(err, OC_EDATA, "count column is missing from the header");
    }
    s->nfields = row->nfields;
    return OC_OK;
}

static oc_status reject(sch_reason r, sch_reason *out, oc_error *err, const char *column,
                        const char *what, const oc_field *f)
{
    char v[80];
    *out = r;
    show(v, sizeof v, f->ptr, f->len);
    oc_error_column(err, column);
    return oc_error_set(err, OC_EDATA, "%s '%s'", what, v);
}

/* Value of an integer column: 0 ok (*v set), 1 missing, or -1 reject.
 * Tokens are compared as strings before parsing; when no token looks like
 * an integer, a field that parses cannot be a token, so parse first. */
static int int_value(const sch_column *c, const oc_field *f, int64_t *v, sch_reason *why)
{
    uint32_t k;
    int r;
    if (!c->tok_numeric) {
        r = oc_parse_i64(f->ptr, f->len, v);
        if (r == 0) {
            if (*v < c->min || *v > c->max) {
                *why = SCH_R_OUT_OF_RANGE;
                return -1;
            }
            return 0;
        }
    }
    if (c->missing && oc_strmap_get_padded(c->missing, f->ptr, f->len, &k))
        return 1;
    if (c->tokens && oc_strmap_get_padded(c->tokens, f->ptr, f->len, &k)) {
        *v = c->token_vals[k];
        return 0;
    }
    r = oc_parse_i64(f->ptr, f->len, v);
    if (r == -1) {
        *why = SCH_R_NOT_INTEGER;
        return -1;
    }
    if (r == -2 || *v < c->min || *v > c->max) {
        *why = SCH_R_OUT_OF_RANGE;
        return -1;
    }
    return 0;
}

static uint32_t band_of(const sch_dim *d, int64_t v)
{
    size_t lo = 0, hi = d->nbands;
    if (d->fast) {
        if (v >= d->fast_lo && (uint64_t)v - (uint64_t)d->fast_lo < d->nfast)
            return d->fast[(uint64_t)v - (uint64_t)d->fast_lo];
        if (v >= d->fast_lo && d->hi[d->nbands - 1] == INT64_MAX)
            return (uint32_t)(d->nbands - 1);
        return UINT32_MAX;
    }
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v < d->lo[mid])
            hi = mid;
        else if (v > d->hi[mid])
            lo = mid + 1;
        else
            return (uint32_t)mid;
    }
    return UINT32_MAX;
}

/* The code text of the record's value for an integer or date dimension. */
static size_t value_text(const sch_dim *dm, const sch_column *c, char *num)
{
    long long v = (long long)c->cur_val;
    if (c->cur_missing) {
        memcpy(num, SCH_CODE_U, 3);
        return 2;
    }
    if (dm->kind == DIM_DATE) {   /* SDMX time periods */
        long long y = v / 10000, m = v / 100 % 100;
        if (dm->part == 0)
            return (size_t)snprintf(num, 24, "%04lld", y);
        if (dm->part == 1)
            return (size_t)snprintf(num, 24, "%04lld-Q%lld", y, (m - 1) / 3 + 1);
        return (size_t)snprintf(num, 24, "%04lld-%02lld", y, m);
    }
    return (size_t)snprintf(num, 24, "%lld", v);
}

/* Parses a date in the column's format into YYYYMMDD.  0, or -1. */
static int date_value(const sch_column *c, const oc_field *f, int64_t *out)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *p = c->date_fmt, *s = f->ptr, *end = f->ptr + f->len;
    long y = -1, m = -1, d = -1;
    for (; *p; p++) {
        long v = 0;
        int k, lo = 1, hi = 2, maxv = 0;
        if (*p != '%' || p[1] == '%') {
            if (*p == '%')
                p++;
            if (s == end || *s != *p)
                return -1;
            s++;
            continue;
        }
        p++;
        switch (*p) {
        case 'Y': lo = hi = 4; maxv = 9999; break;
        case 'm': maxv = 12; break;
        case 'd': maxv = 31; break;
        case 'H': maxv = 23; break;
        case 'M': maxv = 59; break;
        case 'S': maxv = 60; break;
        default: return -1;
        }
        for (k = 0; k < hi && s < end && *s >= '0' && *s <= '9'; k++, s++)
            v = v * 10 + (*s - '0');
        if (k < lo || v > maxv)
            return -1;
        if (*p == 'Y')
            y = v;
        else if (*p == 'm')
            m = v;
        else if (*p == 'd')
            d = v;
    }
    if (s != end || y < 1 || m < 1 || d < 1 || d > mdays[m - 1] ||
        (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
        return -1;
    *out = (int64_t)y * 10000 + m * 100 + d;
    return 0;
}

/* Phase 1 for an open dimension: the code's index if already known (1),
 * or 0 when the record would add a new code. */
static int open_lookup(const sch_dim *dm, const sch_column *c, const oc_field *f, uint32_t *idx)
{
    char num[24 + OC_ROW_PAD] = {0};
    size_t n;
    if (dm->kind == DIM_CODE)
        return oc_strmap_get_padded(dm->codes, f->ptr, f->len, idx);
    if (dm->kind == DIM_INT && !c->cur_missing && dm->int_idx) {
        *idx = dm->int_idx[(uint64_t)c->cur_val - (uint64_t)dm->int_lo];   /* in range: min/max checked */
        return *idx != UINT32_MAX;
    }
    n = value_text(dm, c, num);
    return oc_strmap_get_padded(dm->codes, num, n, idx);
}

/* Phase 2: add the record's new code (only once the record is accepted). */
static oc_status open_insert(sch_dim *dm, const sch_column *c, const oc_field *f, uint32_t *idx)
{
    char num[24 + OC_ROW_PAD] = {0};
    const char *k = f->ptr;
    size_t n = f->len;
    int existed;
    if (dm->kind == DIM_INT || dm->kind == DIM_DATE) {
        n = value_text(dm, c, num);
        k = num;
    }
    *idx = (uint32_t)oc_strmap_count(dm->codes);
    if (oc_strmap_put(dm->codes, k, n, *idx, &existed) != OC_OK)
        return OC_ENOMEM;
    if (existed)   /* two dimensions over the same column */
        oc_strmap_get(dm->codes, k, n, idx);
    if (dm->kind == DIM_INT && !c->cur_missing && dm->int_idx)
        dm->int_idx[(uint64_t)c->cur_val - (uint64_t)dm->int_lo] = *idx;
    return OC_OK;
}

/* A count, with thousands separators in groups of three if the schema
 * names one ("1,282"; "12,34" is not a count).  0, or -1. */
static int count_value(const schema *s, const oc_field *f, int64_t *v)
{
    char buf[32];
    size_t i, n = 0, run = 0;
    int sep = 0;
    if (!s->count_thousands || !memchr(f->ptr, s->count_thousands, f->len))
        return oc_parse_i64(f->ptr, f->len, v) == 0 ? 0 : -1;
    for (i = 0; i < f->len; i++) {
        char ch = f->ptr[i];
        if (ch == s->count_thousands) {
            if (run == 0 || (sep && run != 3) || (!sep && run > 3))
                return -1;
            sep = 1;
            run = 0;
            continue;
        }
        if (ch < '0' || ch > '9' || n + 1 >= sizeof buf)
            return -1;
        buf[n++] = ch;
        run++;
    }
    if (run != 3)
        return -1;
    return oc_parse_i64(buf, n, v) == 0 ? 0 : -1;
}

/* Recodes the current values (the columns' cur_f) into codes.  Without
 * commit, only checks: a new code of an open dimension is not added. */
static oc_status recode_values(schema *s, uint32_t *codes, int commit, sch_reason *reason, oc_error *err)
{
    size_t d, npending, pending[SCH_MAX_DIMS];
    /* Validate every declared column, dimension or not, once. */
    for (d = 0; d < s->ncols; d++) {
        sch_column *c = &s->cols[d];
        const oc_field *f = &c->cur_f;
        if (c->type == SCH_INTEGER) {
            sch_reason why = SCH_R_NONE;
            int r = int_value(c, f, &c->cur_val, &why);
            if (r < 0) {
                char what[96];
                if (why == SCH_R_NOT_INTEGER)
                    return reject(why, reason, err, c->name, "invalid integer", f);
                if (c->min != INT64_MIN && c->max != INT64_MAX)
                    snprintf(what, sizeof what, "out of range [%lld, %lld]", (long long)c->min, (long long)c->max);
                else if (c->min != INT64_MIN)
                    snprintf(what, sizeof what, "out of range (below %lld)", (long long)c->min);
                else
                    snprintf(what, sizeof what, "out of range (above %lld)", (long long)c->max);
                return reject(why, reason, err, c->name, what, f);
            }
            c->cur_missing = r == 1;
        } else if (c->type == SCH_DATE) {
            uint32_t k;
            c->cur_missing = c->missing && oc_strmap_get_padded(c->missing, f->ptr, f->len, &k);
            if (!c->cur_missing && date_value(c, f, &c->cur_val) != 0) {
                char what[96];
                snprintf(what, sizeof what, "invalid date (expected %s)", c->date_fmt);
                return reject(SCH_R_BAD_DATE, reason, err, c->name, what, f);
            }
        } else if (!c->open) {
            if (!oc_strmap_get_padded(c->map, f->ptr, f->len, &c->cur_idx))
                return reject(SCH_R_UNKNOWN_CODE, reason, err, c->name, "unknown code", f);
        }
    }
    /* Phase 1: every dimension's code, adding nothing yet, so a rejected
     * record leaves no trace in any code list. */
    npending = 0;
    for (d = 0; d < s->ndims; d++) {
        sch_dim *dm = &s->dims[d];
        const sch_column *c = &s->cols[dm->col];
        const oc_field *f = &c->cur_f;
        uint32_t idx = 0;
        if (dm->kind == DIM_BANDS) {
            if (c->cur_missing) {
                idx = dm->u_code;   /* present: the column has missing tokens */
            } else {
                idx = band_of(dm, c->cur_val);
                if (idx == UINT32_MAX)
                    return reject(SCH_R_NO_BAND, reason, err, c->name, "no band holds the value", f);
            }
        } else if (dm->kind == DIM_CODE && !c->open) {
            idx = c->cur_idx;
        } else {
            uint32_t limit = dm->kind == DIM_CODE ? c->max_open : DEFAULT_MAX_OPEN;
            if (dm->kind == DIM_CODE && dm->iccs && !iccs_valid(f->ptr, f->len))
                return reject(SCH_R_NOT_HIERARCHY, reason, err, c->name, "not an ICCS code", f);
            if (!open_lookup(dm, c, f, &idx)) {
                if (oc_strmap_count(dm->codes) >= limit)
                    return reject(SCH_R_TOO_MANY_CODES, reason, err, c->name,
                                  "too many distinct values (raise max_codes); new value", f);
                pending[npending++] = d;
            }
        }
        codes[d] = idx;
    }
    if (!commit)
        return OC_OK;
    /* Phase 2: the record is accepted; register its new codes. */
    for (d = 0; d < npending; d++) {
        sch_dim *dm = &s->dims[pending[d]];
        const sch_column *c = &s->cols[dm->col];
        if (open_insert(dm, c, &c->cur_f, &codes[pending[d]]) != OC_OK)
            return nomem(err);
    }
    return OC_OK;
}

static const char empty_value[OC_ROW_PAD + 1];

/* The key lookup L is searched with: 1, or 0 when its parent matched
 * nothing (and L matches nothing either). */
static int lookup_key(const schema *s, const sch_lookup *L, const oc_row *row, oc_field *k)
{
    const sch_lookup *P;
    if (L->parent < 0) {
        *k = row->fields[L->on_field];
        return 1;
    }
    P = &s->lookups[L->parent];
    if (P->cur == UINT32_MAX)
        return 0;
    *k = lk_field(P->tab, P->cur, L->on_col);
    return 1;
}

static oc_field lookup_value(const schema *s, const sch_column *c)
{
    const sch_lookup *L = &s->lookups[c->lookup];
    oc_field f;
    if (L->cur != UINT32_MAX)
        return lk_field(L->tab, L->cur, c->lk_col);
    f.ptr = empty_value;
    f.len = 0;
    return f;
}

/* The rows found ahead (ahead.h) for lookup i on an input column, if
 * their key is k: how many (the first in *first), else 0. */
static long hint_rows(const schema *s, size_t i, const oc_field *k, uint32_t *first)
{
    const sch_hit *h = s->hint ? &s->hint[i] : NULL;
    if (!h || !h->n || !lk_has_key(s->lookups[i].tab, h->first, k->ptr, k->len))
        return 0;
    *first = h->first;
    return (long)h->n;
}

/* The rows of lookup i for the current record: how many (the first in
 * *first), or -1 when its parent matched nothing. */
static long find_rows(const schema *s, const oc_row *row, size_t i, uint32_t *first)
{
    const sch_lookup *L = &s->lookups[i];
    oc_field k;
    long n;
    if (!lookup_key(s, L, row, &k))
        return -1;
    if (L->parent < 0 && (n = hint_rows(s, i, &k, first)) > 0)
        return n;
    return (long)lk_find(L->tab, k.ptr, k.len, first);   /* a hint never makes a miss */
}

/* Sets lookup i's row (match one or principal) from its parent's.
 * Returns 1 if found, 0 if the key has no row, -1 if the parent has none. */
static int pick(schema *s, const oc_row *row, size_t i)
{
    sch_lookup *L = &s->lookups[i];
    uint32_t first, best = 0, best_rank = UINT32_MAX;
    size_t m, j;
    long n;
    if (s->hint && s->hint[i].n == 1 && L->parent < 0 &&   /* most records: one row, found ahead */
        hint_rows(s, i, &row->fields[L->on_field], &first)) {
        L->cur = first;
        return 1;
    }
    L->cur = UINT32_MAX;
    if ((n = find_rows(s, row, i, &first)) <= 0)
        return (int)n;
    if (L->match != SCH_MATCH_PRINCIPAL || n == 1) {
        L->cur = first;
        return 1;
    }
    /* the principal match: the best rank of rank_col's code; ties and
     * unknown codes go to the first in file order */
    for (m = 0; m < (size_t)n; m++) {
        const sch_column *c = &s->cols[L->rank_col];
        uint32_t r = UINT32_MAX, idx;
        oc_field v;
        L->cur = first + (uint32_t)m;
        for (j = 0; j < L->nrank_path; j++) {
            const sch_lookup *P = &s->lookups[L->rank_path[j]];
            if (pick(s, row, (size_t)L->rank_path[j]) == 0 && !P->unmatched_empty)
                break;   /* this match would be rejected */
        }
        if (j == L->nrank_path) {
            v = lookup_value(s, c);
            if (oc_strmap_get_padded(c->map, v.ptr, v.len, &idx) && idx != SCH_CODE_TOTAL)
                r = c->rank ? c->rank[idx] : idx;
        }
        if (m == 0 || r < best_rank) {
            best_rank = r;
            best = (uint32_t)m;
        }
    }
    L->cur = first + best;
    return 1;
}

static oc_status no_match(const schema *s, const sch_lookup *L, const oc_row *row, sch_reason *reason,
                          oc_error *err)
{
    char what[160], col[160];
    oc_field k;
    if (!lookup_key(s, L, row, &k)) {
        k.ptr = empty_value;
        k.len = 0;
    }
    snprintf(what, sizeof what, "no row of lookup '%s' has key", L->id);
    if (L->parent >= 0)
        snprintf(col, sizeof col, "%s.%s", s->lookups[L->parent].id, L->on);
    else
        snprintf(col, sizeof col, "%s", L->on);
    return reject(SCH_R_NO_MATCH, reason, err, col, what, &k);
}

/* Resolves lookups i.. for the current record; each complete choice of
 * rows goes to s->combo. */
static oc_status resolve(schema *s, const oc_row *row, size_t i, sch_reason *reason, oc_error *err)
{
    size_t j;
    for (; i < s->nlookups; i++) {
        sch_lookup *L = &s->lookups[i];
        if (L->match == SCH_MATCH_EACH) {
            uint32_t first;
            long n, m;
            L->cur = UINT32_MAX;
            if ((n = find_rows(s, row, i, &first)) < 0)
                continue;
            if (n == 0) {
                if (!L->unmatched_empty)
                    return no_match(s, L, row, reason, err);
                continue;
            }
            for (m = 0; m < n; m++) {
                oc_status st;
                L->cur = first + (uint32_t)m;
                if ((st = resolve(s, row, i + 1, reason, err)) != OC_OK)
                    return st;
            }
            return OC_OK;
        }
        if (pick(s, row, i) == 0 && !L->unmatched_empty)
            return no_match(s, L, row, reason, err);
    }
    if (s->combo_n + 1 > s->combo_cap) {
        size_t cap = s->combo_cap ? s->combo_cap * 2 : 16;
        uint32_t *nc = oc_realloc(s->combo, cap * s->nlookups * sizeof *nc);
        if (!nc)
            return nomem(err);
        s->combo = nc;
        s->combo_cap = cap;
    }
    for (j = 0; j < s->nlookups; j++)
        s->combo[s->combo_n * s->nlookups + j] = s->lookups[j].cur;
    s->combo_n++;
    return OC_OK;
}

/* The columns drawn through lookups read the rows the lookups hold. */
static void lookup_fields(schema *s)
{
    size_t j;
    for (j = s->ndirect; j < s->ncols; j++) {
        sch_column *c = &s->cols[s->col_order[j]];
        c->cur_f = lookup_value(s, c);
    }
}

static void use_combo(schema *s, size_t k)
{
    size_t j;
    for (j = 0; j < s->nlookups; j++)
        s->lookups[j].cur = s->combo[k * s->nlookups + j];
    lookup_fields(s);
}

oc_status schema_recode(schema *s, const oc_row *row, const uint32_t **codes, size_t *n, uint64_t *weight,
                        sch_reason *reason, oc_error *err)
{
    size_t d, k;
    oc_status st;
    *reason = SCH_R_NONE;
    *n = 0;
    if (row->nfields != s->nfields) {
        *reason = SCH_R_FIELD_COUNT;
        return oc_error_set(err, OC_EDATA, "expected %zu fields, got %zu", s->nfields, row->nfields);
    }
    *weight = 1;
    if (s->count_field >= 0) {
        const oc_field *f = &row->fields[s->count_field];
        int64_t v;
        uint32_t mark;
        if (s->count_suppressed && oc_strmap_get_padded(s->count_suppressed, f->ptr, f->len, &mark))
            *weight = SCH_WEIGHT_SUPPRESSED;   /* unknown: counts 0, marks its cells */
        else if (count_value(s, f, &v) != 0 || v < 0 || (uint64_t)v >= SCH_WEIGHT_SUPPRESSED)
            return reject(SCH_R_BAD_COUNT, reason, err, s->count_name,
                          f->len && f->ptr[0] == '<' ? "source-suppressed count (not a number)" : "invalid count", f);
        else
            *weight = (uint64_t)v;
    }
    for (d = 0; d < s->ndirect; d++) {
        sch_column *c = &s->cols[s->col_order[d]];
        c->cur_f = row->fields[c->field];
    }
    if (s->each < 0) {   /* one coded record: no need to keep the choice */
        if (s->nlookups) {
            for (k = 0; k < s->nlookups; k++)
                if (pick(s, row, k) == 0 && !s->lookups[k].unmatched_empty)
                    return no_match(s, &s->lookups[k], row, reason, err);
            lookup_fields(s);
        }
        if ((st = recode_values(s, s->out, 1, reason, err)) != OC_OK)
            return st;
        *codes = s->out;
        *n = 1;
        return OC_OK;
    }
    s->combo_n = 0;
    if ((st = resolve(s, row, 0, reason, err)) != OC_OK)
        return st;
    if (s->combo_n > s->out_cap) {
        uint32_t *no = oc_realloc(s->out, s->combo_n * s->ndims * sizeof *no);
        if (!no)
            return nomem(err);
        s->out = no;
        s->out_cap = s->combo_n;
    }
    /* several records: all must pass before any adds a code */
    for (k = 0; s->combo_n > 1 && k < s->combo_n; k++) {
        use_combo(s, k);
        if ((st = recode_values(s, s->out + k * s->ndims, 0, reason, err)) != OC_OK)
            return st;
    }
    for (k = 0; k < s->combo_n; k++) {
        use_combo(s, k);
        if ((st = recode_values(s, s->out + k * s->ndims, 1, reason, err)) != OC_OK)
            return st;
    }
    *codes = s->out;
    *n = s->combo_n;
    return OC_OK;
}

int schema_ahead_pays(const schema *s)
{
    size_t i;
    for (i = 0; i < s->nlookups; i++)
        if (s->lookups[i].parent < 0 && lk_mem_bytes(s->lookups[i].tab) > AHEAD_FROM)
            return 1;
    return 0;
}

/* One pass, sixteen bytes at a time where SSE2 is there. */
int schema_line_field(char delim, const char *p, size_t len, size_t k, oc_field *f)
{
    size_t at = 0, seen = 0, start = 0;   /* seen: delimiters before at */
#if defined(__SSE2__)
    const __m128i vc = _mm_set1_epi8(delim);
    for (; at + 16 <= len; at += 16) {
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + at)), vc));
        for (; m; m &= m - 1, seen++) {
            size_t pos = at + (size_t)__builtin_ctz(m);
            if (seen == k) {   /* the end of field k */
                len = pos;
                goto found;
            }
            if (seen + 1 == k)
                start = pos + 1;
        }
    }
#endif
    for (; at < len; at++)
        if (p[at] == delim) {
            if (seen == k) {
                len = at;
                goto found;
            }
            if (++seen == k)
                start = at + 1;
        }
    if (seen < k)
        return 0;
found:
    f->ptr = p + start;
    f->len = len - start;
    return 1;
}

/* ---------- dimension codes ---------- */

size_t dim_ncodes(const sch_dim *d) { return oc_strmap_count(d->codes); }

const char *dim_code(const sch_dim *d, uint32_t i, size_t *len) { return oc_strmap_key(d->codes, i, len); }

const char *dim_label(const sch_dim *d, uint32_t i) { return i < d->nlabels ? d->labels[i] : NULL; }

int dim_find(const sch_dim *d, const char *code, size_t len, uint32_t *idx)
{
    return oc_strmap_get(d->codes, code, len, idx);
}

static const sch_dim *sort_dim;

static int cmp_codes(const void *a, const void *b)
{
    size_t la, lb;
    const char *ka = oc_strmap_key(sort_dim->codes, *(const uint32_t *)a, &la);
    const char *kb = oc_strmap_key(sort_dim->codes, *(const uint32_t *)b, &lb);
    int ua = strcmp(ka, SCH_CODE_U) == 0, ub = strcmp(kb, SCH_CODE_U) == 0;
    int r;
    if (ua != ub)
        return ua - ub;                      /* "_U" last */
    if (sort_dim->kind == DIM_INT) {
        int64_t va = 0, vb = 0;
        oc_parse_i64(ka, la, &va);
        oc_parse_i64(kb, lb, &vb);
        return (va > vb) - (va < vb);
    }
    r = memcmp(ka, kb, la < lb ? la : lb);
    return r ? r : (la > lb) - (la < lb);
}

void dim_output_order(const sch_dim *d, uint32_t *perm)
{
    size_t i, n = dim_ncodes(d);
    for (i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    if (d->open || d->iccs) {
        sort_dim = d;   /* single-threaded use */
        qsort(perm, n, sizeof *perm, cmp_codes);
        sort_dim = NULL;
    }
}

/*
 * pipeline.c - `ocstat run PIPELINE.yaml`: loads the pipeline, reads each
 * dataset once for all of its tables, builds and protects the tables, and
 * writes the release (every table in every format, plus manifest.json)
 * atomically through export/release.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cube.h"
#include "protect.h"
#include "linked.h"
#include "oc_mem.h"
#include "oc_sha256.h"
#include "oc_yaml.h"
#include "release.h"
#include "analysis.h"
#include "quality.h"
#include "table_writer.h"
#include "html_report.h"
#include "xlsx_writer.h"

static const char run_help[] =
    "Usage: ocstat run PIPELINE.yaml [--out DIR] [--rejects FILE] [--max-rejects N|P%]\n"
    "                  [--dry-run] [--quiet]\n"
    "Read every dataset of the pipeline once, build and protect every table, and\n"
    "write the release into DIR (default: output.dir in the pipeline, else ./out)\n"
    "atomically: all files and manifest.json, or nothing.\n"
    "  --rejects FILE      write rejected rows to FILE (mode 0600) and go on\n"
    "  --max-rejects N|P%  stop when more than N rows (or P% of rows) are rejected\n"
    "With output.keep: N in the pipeline, DIR holds versions (DIR/RELEASE-TIME) and\n"
    "the link DIR/latest is switched to the new one; the newest N are kept.\n"
    "A run holds the lock DIR.lock until it ends; a second run on DIR exits 4.\n"
    "  --dry-run           check the configuration and inputs; list what would be\n"
    "                      written (no lock, nothing written)\n"
    "  --quiet             no summary on standard error\n"
    "Exit status: 0 release written, 1 bad data or configuration or a failed audit,\n"
    "2 usage, 3 system error, 4 another run holds the lock.\n";

#define MAX_FORMATS 8
#define LINK_MAX_CELLS 2000000u   /* joint tables larger than this are not built */

typedef struct ds {
    char        *name;      /* owned */
    char        *schema_as; /* owned, as written */
    schema      *s;
    size_t       ninputs;
    pass_input  *in;        /* owned; .path owned (resolved) */
    char       **in_as;     /* owned, as written */
    pass_result  res;
} ds;

typedef struct tbl {
    cube_spec sp;
    int       ds;
    cube     *cb;
    oc_table *t;
    int       no_secondary;   /* protect: {secondary: false} */
    int       unlinked;       /* protect: {linked: false} */
    int       link;           /* index into pipe.link, or -1 */
    int       has_an;         /* analysis: declared (an, its strings owned in an_str) */
    an_spec   an;
    char     *an_str[8 + AN_MAX_MINOR];
    size_t    nan_str;
    oc_buf    an_csv;         /* the analysis written (for the workbook too) */
} tbl;

/* Tables of one dataset with the same filter, protected together on their
 * joint table (transform/linked.h). */
typedef struct link {
    int       ds;
    size_t    n;
    size_t   *tab;       /* owned: indices into pipe.tbl */
    cube_spec sp;        /* the joint table: every dimension of the tables */
    cube     *cb;
    oc_table *t;
    int       apart;     /* more dimensions than a table may have: protected one by one */
} link_t;

/* A data-quality profile (quality: in the pipeline; transform/quality.h):
 * an internal table, never written, over the group and profiled
 * dimensions. */
typedef struct dq_t {
    int       ds;
    dq_spec   spec;   /* the accounting is filled in when it is written */
    cube_spec sp;
    cube     *cb;
    oc_table *t;
} dq_t;

typedef struct pipe {
    const char  *path;
    char        *release;    /* owned */
    char        *out_dir;    /* owned, from YAML (resolved) or NULL */
    unsigned     keep;       /* output.keep: versions kept (0: OUT is the release) */
    int          xlsx;       /* output.formats has xlsx: one workbook for the release */
    int          html;       /* output.formats has html: one report for the release */
    char        *agency, *version;   /* owned */
    size_t       nds, ntbl, nfmt, nlink;
    ds          *ds;
    tbl         *tbl;
    link_t      *link;
    size_t       ndq;
    dq_t        *dq;
    oc_buf       dq_csv;      /* QUALITY.csv (for the workbook too) */
    tabw_format  fmt[MAX_FORMATS];
    char         sha[OC_SHA256_HEX];
    int          stdin_used;  /* inputs named "-" so far */
} pipe_t;

static void pipe_free(pipe_t *p)
{
    size_t i, k;
    for (i = 0; i < p->nds; i++) {
        oc_free(p->ds[i].name);
        oc_free(p->ds[i].schema_as);
        schema_free(p->ds[i].s);
        for (k = 0; k < p->ds[i].ninputs; k++) {
            oc_free(p->ds[i].in[k].path);
            oc_free(p->ds[i].in_as[k]);
        }
        oc_free(p->ds[i].in);
        oc_free(p->ds[i].in_as);
    }
    for (i = 0; i < p->ntbl; i++) {
        for (k = 0; k < sizeof p->tbl[i].an_str / sizeof p->tbl[i].an_str[0]; k++)
            oc_free(p->tbl[i].an_str[k]);
        oc_buf_fini(&p->tbl[i].an_csv);
        cube_spec_fini(&p->tbl[i].sp);
        cube_free(p->tbl[i].cb);
        table_free(p->tbl[i].t);
    }
    oc_buf_fini(&p->dq_csv);
    for (i = 0; i < p->ndq; i++) {
        cube_spec_fini(&p->dq[i].sp);
        cube_free(p->dq[i].cb);
        table_free(p->dq[i].t);
    }
    oc_free(p->dq);
    for (i = 0; i < p->nlink; i++) {
        oc_free(p->link[i].tab);
        cube_spec_fini(&p->link[i].sp);
        cube_free(p->link[i].cb);
        table_free(p->link[i].t);
    }
    oc_free(p->link);
    oc_free(p->ds);
    oc_free(p->tbl);
    oc_free(p->release);
    oc_free(p->out_dir);
    oc_free(p->agency);
    oc_free(p->version);
}

static int safe_id(const char *s)
{
    if (!*s || strlen(s) > 100)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

static oc_status scalar_dup(const oc_ynode *n, const char *file, const char *what, char **out, oc_error *err)
{
    if (!n || n->kind != OC_YSCALAR || n->len == 0)
        return oc_yerror(err, n, file, OC_ECONFIG, "%s must be a non-empty string", what);
    if (!(*out = oc_strdup(n->str)))
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    return OC_OK;
}

static oc_status load_dataset(pipe_t *p, ds *d, const oc_ynode *key, const oc_ynode *v, oc_error *err)
{
    static const char *const keys[] = {"schema", "input", "description", NULL};
    const oc_ynode *sch, *in;
    char *spath;
    size_t k;
    oc_status st;
    if ((st = scalar_dup(key, p->path, "a dataset name", &d->name, err)) != OC_OK)
        return st;
    if (v->kind != OC_YMAP)
        return oc_yerror(err, v, p->path, OC_ECONFIG, "dataset '%s' must be a map with schema and input", d->name);
    if ((st = oc_ycheck_keys(v, keys, p->path, err)) != OC_OK)
        return st;
    sch = oc_ymap_get(v, "schema");
    in = oc_ymap_get(v, "input");
    if (!sch || !in)
        return oc_yerror(err, v, p->path, OC_ECONFIG, "dataset '%s' needs schema and input", d->name);
    if ((st = scalar_dup(sch, p->path, "schema", &d->schema_as, err)) != OC_OK)
        return st;
    if (!(spath = oc_path_join_dir(p->path, d->schema_as)))
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    st = schema_load(spath, &d->s, err);
    oc_free(spath);
    if (st != OC_OK)
        return st;
    d->ninputs = in->kind == OC_YSEQ ? in->n : 1;
    if (d->ninputs == 0)
        return oc_yerror(err, in, p->path, OC_ECONFIG, "dataset '%s' has no input", d->name);
    d->in = oc_calloc(d->ninputs, sizeof *d->in);
    d->in_as = oc_calloc(d->ninputs, sizeof *d->in_as);
    if (!d->in || !d->in_as)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    for (k = 0; k < d->ninputs; k++) {
        const oc_ynode *it = in->kind == OC_YSEQ ? in->vals[k] : in;
        if ((st = scalar_dup(it, p->path, "input", &d->in_as[k], err)) != OC_OK)
            return st;
        if (strcmp(d->in_as[k], "-") == 0) {
            if (p->stdin_used++)
                return oc_yerror(err, it, p->path, OC_ECONFIG, "standard input (-) can be read only once");
            d->in[k].path = oc_strdup("-");
        } else {
            d->in[k].path = oc_path_join_dir(p->path, d->in_as[k]);
        }
        if (!d->in[k].path)
            return oc_error_set(err, OC_ENOMEM, "out of memory");
    }
    return OC_OK;
}

static oc_status where_add(tbl *t, const schema *s, const char *file, const oc_ynode *key, const oc_ynode *v,
                           oc_error *err)
{
    oc_buf b;
    size_t i;
    oc_status st;
    oc_buf_init(&b, 0);
    if (oc_buf_printf(&b, "%s=", key->str) != OC_OK)
        goto nomem;
    if (v->kind == OC_YSCALAR) {
        if (oc_buf_append(&b, v->str, v->len) != OC_OK)
            goto nomem;
    } else if (v->kind == OC_YSEQ && v->n > 0) {
        for (i = 0; i < v->n; i++) {
            if (v->vals[i]->kind != OC_YSCALAR) {
                oc_buf_fini(&b);
                return oc_yerror(err, v->vals[i], file, OC_ECONFIG, "where codes must be strings");
            }
            if ((i && oc_buf_append(&b, ",", 1) != OC_OK) ||
                oc_buf_append(&b, v->vals[i]->str, v->vals[i]->len) != OC_OK)
                goto nomem;
        }
    } else {
        oc_buf_fini(&b);
        return oc_yerror(err, v, file, OC_ECONFIG, "where: give a code or a list of codes");
    }
    st = cube_spec_add_where(&t->sp, s, b.data, err);
    oc_buf_fini(&b);
    if (st != OC_OK) {
        err->code = st == OC_ENOMEM ? OC_ENOMEM : OC_ECONFIG;
        oc_error_at(err, file, key->line, key->col);
        return err->code;
    }
    return OC_OK;
nomem:
    oc_buf_fini(&b);
    return oc_error_set(err, OC_ENOMEM, "out of memory");
}

/* upl / lpl: a whole number of units, or "P%" of the cell's value. */
static oc_status protection_level(const oc_ynode *m, const char *path, double *abs, double *pct, oc_error *err)
{
    const char *s = m->kind == OC_YSCALAR ? m->str : NULL;
    size_t len = s ? strlen(s) : 0;
    int64_t v;
    int is_pct = len > 0 && s[len - 1] == '%';
    if (!s || oc_parse_i64(s, len - (size_t)is_pct, &v) != 0 || v < 0 || (is_pct && v > 100) || v > 1000000000)
        return oc_yerror(err, m, path, OC_ECONFIG, "a protection level is a whole number of units or a percentage "
                                                   "such as 10%%");
    if (is_pct)
        *pct = (double)v;
    else
        *abs = (double)v;
    return OC_OK;
}

/* group_rule: true (every dimension of the table is sensitive) or a list
 * of the table's dimensions.  Needs `by` parsed. */
static oc_status group_rule(tbl *t, const schema *s, const oc_ynode *m, const char *path, oc_error *err)
{
    size_t i;
    if (m->kind == OC_YSCALAR) {
        int on = 0;
        oc_status st = oc_ybool(m, path, &on, err);
        if (st != OC_OK)
            return oc_yerror(err, m, path, OC_ECONFIG, "group_rule must be true, false or a list of dimensions");
        t->sp.group_dims = on ? (uint32_t)((1ull << t->sp.nby) - 1) : 0;
        return OC_OK;
    }
    if (m->kind != OC_YSEQ)
        return oc_yerror(err, m, path, OC_ECONFIG, "group_rule must be true, false or a list of dimensions");
    for (i = 0; i < m->n; i++)
        if (m->vals[i]->kind != OC_YSCALAR || cube_spec_group_dim(&t->sp, s, m->vals[i]->str) != 0)
            return oc_yerror(err, m->vals[i], path, OC_ECONFIG, "group_rule: '%s' is not a dimension of this table",
                             m->vals[i]->kind == OC_YSCALAR ? m->vals[i]->str : "?");
    return OC_OK;
}

/* A string of the table's analysis, owned by t (an_str). */
static oc_status an_dup(pipe_t *p, tbl *t, const oc_ynode *n, const char *what, const char **out, oc_error *err)
{
    oc_status st;
    if (t->nan_str == sizeof t->an_str / sizeof t->an_str[0])
        return oc_yerror(err, n, p->path, OC_ECONFIG, "too many values in analysis");
    if ((st = scalar_dup(n, p->path, what, &t->an_str[t->nan_str], err)) != OC_OK)
        return st;
    *out = t->an_str[t->nan_str++];
    return OC_OK;
}

/* analysis: {population, per, level, change, trend, sex_ratio: {dim, male,
 * female}, minors: {dim, codes}} (transform/analysis.h) */
static oc_status load_analysis(pipe_t *p, tbl *t, const oc_ynode *a, oc_error *err)
{
    static const char *const keys[] = {"population", "per", "level", "change", "trend", "sex_ratio", "minors", NULL};
    static const char *const skeys[] = {"dim", "male", "female", NULL};
    static const char *const mkeys[] = {"dim", "codes", NULL};
    const oc_ynode *n;
    oc_status st;
    size_t i;
    an_spec *sp = &t->an;
    if ((st = oc_yexpect(a, OC_YMAP, p->path, "analysis", err)) != OC_OK ||
        (st = oc_ycheck_keys(a, keys, p->path, err)) != OC_OK)
        return st;
    t->has_an = 1;
    memset(sp, 0, sizeof *sp);
    if ((n = oc_ymap_get(a, "population")) != NULL) {
        const char *rel;
        size_t k;
        char *owned;
        if ((st = an_dup(p, t, n, "population", &rel, err)) != OC_OK)
            return st;
        k = t->nan_str - 1;   /* rel's slot */
        owned = t->an_str[k];
        t->an_str[k] = oc_path_join_dir(p->path, owned);   /* relative to the pipeline */
        oc_free(owned);
        if (!t->an_str[k])
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        sp->population = t->an_str[k];
    }
    if ((n = oc_ymap_get(a, "per")) != NULL) {
        int64_t v;
        if ((st = oc_yint(n, p->path, &v, err)) != OC_OK)
            return st;
        if (v < 1 || v > 1000000000)
            return oc_yerror(err, n, p->path, OC_ECONFIG, "per must be 1 to 1000000000 inhabitants");
        sp->per = (double)v;
    }
    if ((n = oc_ymap_get(a, "level")) != NULL) {
        char *end;
        double v = n->kind == OC_YSCALAR ? strtod(n->str, &end) : 0;
        if (n->kind != OC_YSCALAR || *end || !(v >= 0.5 && v < 1))
            return oc_yerror(err, n, p->path, OC_ECONFIG, "level must be a confidence level from 0.5 to below 1");
        sp->level = v;
    }
    if ((n = oc_ymap_get(a, "change")) != NULL) {
        if ((st = an_dup(p, t, n, "change", &sp->time_dim, err)) != OC_OK)
            return st;
        sp->change = 1;
    }
    if ((n = oc_ymap_get(a, "trend")) != NULL) {
        const char *d;
        if ((st = an_dup(p, t, n, "trend", &d, err)) != OC_OK)
            return st;
        if (sp->time_dim && strcmp(sp->time_dim, d) != 0)
            return oc_yerror(err, n, p->path, OC_ECONFIG, "change and trend must name the same dimension");
        sp->time_dim = d;
        sp->trend = 1;
    }
    if ((n = oc_ymap_get(a, "sex_ratio")) != NULL) {
        if ((st = oc_yexpect(n, OC_YMAP, p->path, "sex_ratio", err)) != OC_OK ||
            (st = oc_ycheck_keys(n, skeys, p->path, err)) != OC_OK ||
            (st = an_dup(p, t, oc_ymap_get(n, "dim") ? oc_ymap_get(n, "dim") : n, "sex_ratio dim", &sp->sex_dim,
                         err)) != OC_OK ||
            (st = an_dup(p, t, oc_ymap_get(n, "male") ? oc_ymap_get(n, "male") : n, "sex_ratio male", &sp->male,
                         err)) != OC_OK ||
            (st = an_dup(p, t, oc_ymap_get(n, "female") ? oc_ymap_get(n, "female") : n, "sex_ratio female",
                         &sp->female, err)) != OC_OK)
            return st;
    }
    if ((n = oc_ymap_get(a, "minors")) != NULL) {
        const oc_ynode *c;
        if ((st = oc_yexpect(n, OC_YMAP, p->path, "minors", err)) != OC_OK ||
            (st = oc_ycheck_keys(n, mkeys, p->path, err)) != OC_OK ||
            (st = an_dup(p, t, oc_ymap_get(n, "dim") ? oc_ymap_get(n, "dim") : n, "minors dim", &sp->age_dim, err)) !=
                OC_OK)
            return st;
        c = oc_ymap_get(n, "codes");
        if (!c || c->kind != OC_YSEQ || c->n == 0 || c->n > AN_MAX_MINOR)
            return oc_yerror(err, c ? c : n, p->path, OC_ECONFIG, "minors: codes must list 1 to %d age groups",
                             AN_MAX_MINOR);
        for (i = 0; i < c->n; i++)
            if ((st = an_dup(p, t, c->vals[i], "minors code", &sp->minor[sp->nminor++], err)) != OC_OK)
                return st;
    }
    if (!sp->population && !sp->time_dim && !sp->sex_dim && !sp->age_dim)
        return oc_yerror(err, a, p->path, OC_ECONFIG,
                         "analysis declares nothing (population, change, trend, sex_ratio, minors)");
    return OC_OK;
}

/* The dataset that the map v names (key dataset) into *ds. */
static oc_status find_ds(const pipe_t *p, const oc_ynode *v, int *at, oc_error *err)
{
    const oc_ynode *n = oc_ymap_get(v, "dataset");
    char *name = NULL;
    oc_status st;
    size_t k;
    if ((st = scalar_dup(n ? n : v, p->path, "dataset", &name, err)) != OC_OK)
        return st;
    *at = -1;
    for (k = 0; k < p->nds; k++)
        if (!strcmp(p->ds[k].name, name))
            *at = (int)k;
    oc_free(name);
    if (*at < 0)
        return oc_yerror(err, n, p->path, OC_ECONFIG, "no dataset named '%s'", n->str);
    return OC_OK;
}

static oc_status load_table(pipe_t *p, tbl *t, const oc_ynode *v, oc_error *err)
{
    static const char *const keys[] = {"id", "title", "dataset", "where", "by", "totals", "protect",
                                       "description", "analysis", NULL};
    static const char *const pkeys[] = {"min_count", "protect_zeros", "secondary", "upl", "lpl", "group_rule", "method",
                                        "linked", NULL};
    const oc_ynode *n, *by;
    const schema *s;
    size_t i, k;
    oc_status st;
    oc_buf_init(&t->an_csv, 0);
    if (v->kind != OC_YMAP)
        return oc_yerror(err, v, p->path, OC_ECONFIG, "each table must be a map");
    if ((st = oc_ycheck_keys(v, keys, p->path, err)) != OC_OK)
        return st;
    if ((st = scalar_dup(oc_ymap_get(v, "id") ? oc_ymap_get(v, "id") : v, p->path, "table id", &t->sp.id, err)) !=
        OC_OK)
        return st;
    if (!safe_id(t->sp.id))
        return oc_yerror(err, oc_ymap_get(v, "id"), p->path, OC_ECONFIG,
                         "table id '%s' may hold only letters, digits, '_', '-' and '.'", t->sp.id);
    for (i = 0; i < (size_t)(t - p->tbl); i++)
        if (!strcmp(p->tbl[i].sp.id, t->sp.id))
            return oc_yerror(err, oc_ymap_get(v, "id"), p->path, OC_ECONFIG, "two tables have id '%s'", t->sp.id);
    if ((n = oc_ymap_get(v, "title")) && (st = scalar_dup(n, p->path, "title", &t->sp.title, err)) != OC_OK)
        return st;
    if ((st = find_ds(p, v, &t->ds, err)) != OC_OK)
        return st;
    s = p->ds[t->ds].s;
    by = oc_ymap_get(v, "by");
    if (!by || by->kind != OC_YSEQ || by->n == 0 || by->n > CUBE_MAX_DIMS)
        return oc_yerror(err, by ? by : v, p->path, OC_ECONFIG, "by must list 1 to %d dimensions", CUBE_MAX_DIMS);
    for (i = 0; i < by->n; i++) {
        int d;
        if (by->vals[i]->kind != OC_YSCALAR || (d = schema_dim_index(s, by->vals[i]->str)) < 0)
            return oc_yerror(err, by->vals[i], p->path, OC_ECONFIG, "dataset '%s' has no dimension '%s'",
                             p->ds[t->ds].name, by->vals[i]->kind == OC_YSCALAR ? by->vals[i]->str : "?");
        for (k = 0; k < i; k++)
            if (t->sp.by[k] == d)
                return oc_yerror(err, by->vals[i], p->path, OC_ECONFIG, "dimension '%s' is listed twice",
                                 by->vals[i]->str);
        t->sp.by[t->sp.nby++] = d;
    }
    if ((n = oc_ymap_get(v, "where")) != NULL) {
        if (n->kind != OC_YMAP)
            return oc_yerror(err, n, p->path, OC_ECONFIG, "where must map DIM: CODE or DIM: [CODE, ...]");
        for (i = 0; i < n->n; i++)
            if ((st = where_add(t, s, p->path, n->keys[i], n->vals[i], err)) != OC_OK)
                return st;
    }
    if ((n = oc_ymap_get(v, "totals")) && (st = oc_ybool(n, p->path, &t->sp.totals, err)) != OC_OK)
        return st;
    if ((n = oc_ymap_get(v, "analysis")) != NULL && (st = load_analysis(p, t, n, err)) != OC_OK)
        return st;
    if ((n = oc_ymap_get(v, "protect")) != NULL) {
        const oc_ynode *m;
        if (n->kind != OC_YMAP)
            return oc_yerror(err, n, p->path, OC_ECONFIG, "protect must be a map");
        if ((st = oc_ycheck_keys(n, pkeys, p->path, err)) != OC_OK)
            return st;
        if ((m = oc_ymap_get(n, "min_count")) != NULL) {
            if ((st = oc_yint(m, p->path, &t->sp.min_count, err)) != OC_OK)
                return st;
            if (t->sp.min_count < 1)
                return oc_yerror(err, m, p->path, OC_ECONFIG, "min_count must be at least 1");
        }
        if ((m = oc_ymap_get(n, "protect_zeros")) && (st = oc_ybool(m, p->path, &t->sp.protect_zeros, err)) != OC_OK)
            return st;
        if ((m = oc_ymap_get(n, "secondary")) != NULL) {
            int on = 1;
            if ((st = oc_ybool(m, p->path, &on, err)) != OC_OK)
                return st;
            t->no_secondary = !on;
        }
        if ((m = oc_ymap_get(n, "upl")) && (st = protection_level(m, p->path, &t->sp.upl, &t->sp.upl_pct, err)) != OC_OK)
            return st;
        if ((m = oc_ymap_get(n, "lpl")) && (st = protection_level(m, p->path, &t->sp.lpl, &t->sp.lpl_pct, err)) != OC_OK)
            return st;
        if ((m = oc_ymap_get(n, "group_rule")) != NULL && (st = group_rule(t, s, m, p->path, err)) != OC_OK)
            return st;
        if ((m = oc_ymap_get(n, "linked")) != NULL) {
            int on = 1;
            if ((st = oc_ybool(m, p->path, &on, err)) != OC_OK)
                return st;
            t->unlinked = !on;
        }
        if ((m = oc_ymap_get(n, "method")) != NULL &&
            (m->kind != OC_YSCALAR || (t->sp.method = protect_method_parse(m->str)) < 0))
            return oc_yerror(err, m, p->path, OC_ECONFIG, "method must be auto, gauss or hypercube");
    }
    return OC_OK;
}

/* Appends the schema dimensions a list names to sp->by. */
static oc_status dq_dims(pipe_t *p, const schema *s, const oc_ynode *list, const char *what, cube_spec *sp,
                         oc_error *err)
{
    size_t i, k;
    if (list->kind != OC_YSEQ)
        return oc_yerror(err, list, p->path, OC_ECONFIG, "%s must list dimensions", what);
    for (i = 0; i < list->n; i++) {
        int d;
        if (list->vals[i]->kind != OC_YSCALAR || (d = schema_dim_index(s, list->vals[i]->str)) < 0)
            return oc_yerror(err, list->vals[i], p->path, OC_ECONFIG, "%s: no dimension '%s'", what,
                             list->vals[i]->kind == OC_YSCALAR ? list->vals[i]->str : "?");
        for (k = 0; k < sp->nby; k++)
            if (sp->by[k] == d)
                return oc_yerror(err, list->vals[i], p->path, OC_ECONFIG, "dimension '%s' is listed twice",
                                 list->vals[i]->str);
        if (sp->nby == CUBE_MAX_DIMS)
            return oc_yerror(err, list->vals[i], p->path, OC_ECONFIG, "at most %d dimensions", CUBE_MAX_DIMS);
        sp->by[sp->nby++] = d;
    }
    return OC_OK;
}

/* quality: - {dataset, by: [...], fields: [...], max_unknown: 10, min_records: 200} */
static oc_status load_quality(pipe_t *p, dq_t *q, const oc_ynode *v, oc_error *err)
{
    static const char *const keys[] = {"dataset", "by", "fields", "max_unknown", "min_records", NULL};
    const oc_ynode *n;
    oc_status st;
    if ((st = oc_yexpect(v, OC_YMAP, p->path, "a quality profile", err)) != OC_OK ||
        (st = oc_ycheck_keys(v, keys, p->path, err)) != OC_OK)
        return st;
    if ((st = find_ds(p, v, &q->ds, err)) != OC_OK)
        return st;
    if ((n = oc_ymap_get(v, "by")) && (st = dq_dims(p, p->ds[q->ds].s, n, "by", &q->sp, err)) != OC_OK)
        return st;
    q->spec.dataset = p->ds[q->ds].name;
    q->spec.ngroup = q->sp.nby;
    if (!(n = oc_ymap_get(v, "fields")) || n->kind != OC_YSEQ || n->n == 0)
        return oc_yerror(err, n ? n : v, p->path, OC_ECONFIG, "fields must list the dimensions to profile");
    if ((st = dq_dims(p, p->ds[q->ds].s, n, "fields", &q->sp, err)) != OC_OK)
        return st;
    q->spec.max_unknown = 10;
    if ((n = oc_ymap_get(v, "max_unknown")) != NULL) {
        char *end;
        double x = n->kind == OC_YSCALAR ? strtod(n->str, &end) : -1;
        if (n->kind != OC_YSCALAR || *end || !(x >= 0 && x <= 100))
            return oc_yerror(err, n, p->path, OC_ECONFIG, "max_unknown must be a percentage, 0 to 100");
        q->spec.max_unknown = x;
    }
    q->spec.min_records = DQ_MIN_RECORDS;
    if ((n = oc_ymap_get(v, "min_records")) != NULL) {
        int64_t x;
        if ((st = oc_yint(n, p->path, &x, err)) != OC_OK)
            return st;
        if (x < DQ_MIN_RECORDS)
            return oc_yerror(err, n, p->path, OC_ECONFIG,
                             "min_records must be at least %d (smaller groups would let a share reveal a count)",
                             DQ_MIN_RECORDS);
        q->spec.min_records = (uint64_t)x;
    }
    q->sp.totals = 1;
    if (!(q->sp.id = oc_strdup("QUALITY")))
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    return OC_OK;
}

static oc_status load_pipeline(pipe_t *p, const char *path, oc_error *err)
{
    static const char *const top[] = {"release", "datasets", "tables", "output", "description", "quality", NULL};
    static const char *const okeys[] = {"formats", "agency", "version", "dir", "keep", NULL};
    char *buf = NULL;
    size_t len, i;
    oc_ynode *root = NULL;
    const oc_ynode *n;
    oc_sha256 h;
    oc_status st;
    memset(p, 0, sizeof *p);
    oc_buf_init(&p->dq_csv, 0);
    p->path = path;
    if ((st = oc_read_file(path, 16u << 20, &buf, &len, err)) != OC_OK) {
        if (st == OC_EIO)
            err->code = st = OC_ECONFIG;
        return st;
    }
    oc_sha256_init(&h);
    oc_sha256_update(&h, buf, len);
    st = oc_yaml_parse(buf, len, path, &root, err);
    oc_free(buf);
    if (st != OC_OK)
        return st;
    if ((st = oc_yexpect(root, OC_YMAP, path, "a pipeline", err)) != OC_OK ||
        (st = oc_ycheck_keys(root, top, path, err)) != OC_OK)
        goto out;
    n = oc_ymap_get(root, "release");
    if ((st = scalar_dup(n ? n : root, path, "release", &p->release, err)) != OC_OK)
        goto out;
    if (!safe_id(p->release)) {
        st = oc_yerror(err, n, path, OC_ECONFIG, "release id may hold only letters, digits, '_', '-' and '.'");
        goto out;
    }
    n = oc_ymap_get(root, "datasets");
    if (!n || n->kind != OC_YMAP || n->n == 0) {
        st = oc_yerror(err, n ? n : root, path, OC_ECONFIG, "the pipeline needs a 'datasets' map");
        goto out;
    }
    p->ds = oc_calloc(n->n, sizeof *p->ds);
    if (!p->ds) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n->n; i++) {
        p->nds = i + 1;
        if ((st = load_dataset(p, &p->ds[i], n->keys[i], n->vals[i], err)) != OC_OK)
            goto out;
        oc_sha256_update(&h, p->ds[i].s->sha256, 64);
    }
    n = oc_ymap_get(root, "tables");
    if (!n || n->kind != OC_YSEQ || n->n == 0) {
        st = oc_yerror(err, n ? n : root, path, OC_ECONFIG, "the pipeline needs a 'tables' list");
        goto out;
    }
    p->tbl = oc_calloc(n->n, sizeof *p->tbl);
    if (!p->tbl) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n->n; i++) {
        p->ntbl = i + 1;
        if ((st = load_table(p, &p->tbl[i], n->vals[i], err)) != OC_OK)
            goto out;
    }
    if ((n = oc_ymap_get(root, "quality")) != NULL) {
        if (n->kind != OC_YSEQ || n->n == 0 || n->n > 64) {
            st = oc_yerror(err, n, path, OC_ECONFIG, "quality must list 1 to 64 profiles");
            goto out;
        }
        if (!(p->dq = oc_calloc(n->n, sizeof *p->dq))) {
            st = oc_error_set(err, OC_ENOMEM, "out of memory");
            goto out;
        }
        for (i = 0; i < n->n; i++) {
            p->ndq = i + 1;
            if ((st = load_quality(p, &p->dq[i], n->vals[i], err)) != OC_OK)
                goto out;
        }
    }
    p->fmt[0] = TABW_CSV;
    p->fmt[1] = TABW_SDMX10;
    p->fmt[2] = TABW_JSON;
    p->nfmt = 3;
    if ((n = oc_ymap_get(root, "output")) != NULL) {
        const oc_ynode *f;
        if ((st = oc_yexpect(n, OC_YMAP, path, "output", err)) != OC_OK ||
            (st = oc_ycheck_keys(n, okeys, path, err)) != OC_OK)
            goto out;
        if ((f = oc_ymap_get(n, "formats")) != NULL) {
            if (f->kind != OC_YSEQ || f->n == 0 || f->n > MAX_FORMATS) {
                st = oc_yerror(err, f, path, OC_ECONFIG, "formats must list 1 to %d formats", MAX_FORMATS);
                goto out;
            }
            p->nfmt = 0;
            for (i = 0; i < f->n; i++) {
                size_t k;
                tabw_format tf;
                if (f->vals[i]->kind == OC_YSCALAR &&
                    (!strcmp(f->vals[i]->str, "xlsx") || !strcmp(f->vals[i]->str, "html"))) {
                    int *flag = !strcmp(f->vals[i]->str, "xlsx") ? &p->xlsx : &p->html;
                    if (*flag) {
                        st = oc_yerror(err, f->vals[i], path, OC_ECONFIG, "format listed twice");
                        goto out;
                    }
                    *flag = 1;   /* one file for the release, not a file per table */
                    continue;
                }
                if (f->vals[i]->kind != OC_YSCALAR || tabw_parse_format(f->vals[i]->str, &tf) != 0) {
                    st = oc_yerror(err, f->vals[i], path, OC_ECONFIG,
                                   "unknown format (csv, sdmx-csv, sdmx-csv-1.0, sdmx-csv-2.0, json, xlsx, html)");
                    goto out;
                }
                for (k = 0; k < p->nfmt; k++)
                    if (p->fmt[k] == tf) {
                        st = oc_yerror(err, f->vals[i], path, OC_ECONFIG, "format listed twice");
                        goto out;
                    }
                p->fmt[p->nfmt++] = tf;
            }
        }
        if ((f = oc_ymap_get(n, "agency")) && (st = scalar_dup(f, path, "agency", &p->agency, err)) != OC_OK)
            goto out;
        if ((f = oc_ymap_get(n, "version")) && (st = scalar_dup(f, path, "version", &p->version, err)) != OC_OK)
            goto out;
        if ((f = oc_ymap_get(n, "keep")) != NULL) {
            int64_t k;
            if ((st = oc_yint(f, path, &k, err)) != OC_OK)
                goto out;
            if (k < 1 || k > 10000) {
                st = oc_yerror(err, f, path, OC_ECONFIG, "keep must be a number of versions, 1 to 10000");
                goto out;
            }
            p->keep = (unsigned)k;
        }
        if ((f = oc_ymap_get(n, "dir")) != NULL) {
            char *d = NULL;
            if ((st = scalar_dup(f, path, "dir", &d, err)) != OC_OK)
                goto out;
            p->out_dir = oc_path_join_dir(path, d);
            oc_free(d);
            if (!p->out_dir) {
                st = oc_error_set(err, OC_ENOMEM, "out of memory");
                goto out;
            }
        }
    }
    oc_sha256_hex(&h, p->sha);
out:
    oc_ynode_free(root);
    return st;
}

/* ---------- manifest ---------- */

static oc_status json_kv_str(oc_buf *b, const char *k, const char *v)
{
    if (oc_buf_printf(b, "\"%s\": ", k) != OC_OK)
        return OC_ENOMEM;
    if (!v)
        return oc_buf_append(b, "null", 4);
    return oc_json_str(b, v);
}

/* QUALITY.csv: every quality profile (transform/quality.h). */
static oc_status add_quality(pipe_t *p, release *rel, oc_error *err)
{
    oc_buf *b = &p->dq_csv;
    size_t i, rows = 0;
    oc_status st = OC_OK;
    for (i = 0; i < p->ndq && st == OC_OK; i++) {
        dq_t *q = &p->dq[i];
        const ds *d = &p->ds[q->ds];
        size_t n = 0;
        q->spec.rows_read = d->res.read;
        q->spec.by_reason = d->res.by_reason;
        if (dq_write(q->t, &q->spec, b, &n) != OC_OK)
            st = oc_error_set(err, OC_ENOMEM, "out of memory");
        rows += n;
    }
    if (st == OC_OK)
        st = release_add_file(rel, "QUALITY.csv", b->data ? b->data : "", b->len, rows, err);
    return st;
}

/* The release's workbook (output.formats: xlsx) and report (html): every
 * table, the release, its configuration and inputs, the quality profile
 * and the analyses.  The workbook's document time is SOURCE_DATE_EPOCH,
 * else 1980-01-01 (the zip epoch), so the same run gives the same bytes. */
static oc_status add_workbook(pipe_t *p, release *rel, oc_error *err)
{
    const oc_table **tabs = oc_calloc(p->ntbl ? p->ntbl : 1, sizeof *tabs);
    time_t sde;
    size_t ninputs = 0, nl = 0, i, j, cells = 0;
    char **vals = NULL, **names = NULL;
    const char **lines = NULL, **extra = NULL;
    char name[160], ver[64];
    xlsx_meta m;
    oc_buf b;
    oc_status st = OC_OK;
    oc_buf_init(&b, 0);
    for (i = 0; i < p->nds; i++)
        ninputs += p->ds[i].ninputs;
    vals = oc_calloc(ninputs + 1, sizeof *vals);
    lines = oc_calloc(2 * (ninputs + 4), sizeof *lines);
    if (!tabs || !vals || !lines) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < p->ntbl; i++) {
        tabs[i] = p->tbl[i].t;
        cells += p->tbl[i].t->ncells;
    }
    snprintf(ver, sizeof ver, "ocstat %s", OC_VERSION);
    lines[2 * nl] = "Release";
    lines[2 * nl++ + 1] = p->release;
    lines[2 * nl] = "Written by";
    lines[2 * nl++ + 1] = ver;
    lines[2 * nl] = "Configuration SHA-256";
    lines[2 * nl++ + 1] = p->sha;
    for (i = 0, j = 0; i < p->nds; i++) {
        size_t k;
        for (k = 0; k < p->ds[i].ninputs; k++, j++) {
            const pass_input *in = &p->ds[i].in[k];
            size_t len = strlen(p->ds[i].in_as[k]) + 160;
            if (!(vals[j] = oc_malloc(len))) {
                st = oc_error_set(err, OC_ENOMEM, "out of memory");
                goto out;
            }
            snprintf(vals[j], len, "%s (SHA-256 %s; %llu rows read, %llu rejected)", p->ds[i].in_as[k], in->sha256,
                     (unsigned long long)in->read, (unsigned long long)in->rejected);
            lines[2 * nl] = p->ds[i].name;
            lines[2 * nl++ + 1] = vals[j];
        }
    }
    memset(&m, 0, sizeof m);
    m.title = p->release;
    m.created = 315532800;   /* 1980-01-01T00:00:00Z */
    if (release_source_date(&sde) && sde > 0)
        m.created = sde;
    m.lines = lines;
    m.nlines = nl;
    /* further sheets: the quality profile, then each analysis */
    if (!(extra = oc_calloc(2 * (p->ntbl + 1), sizeof *extra)) ||
        !(names = oc_calloc(p->ntbl + 1, sizeof *names))) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    if (p->ndq) {
        extra[2 * m.nextra] = "Quality";
        extra[2 * m.nextra++ + 1] = p->dq_csv.data ? p->dq_csv.data : "";
    }
    for (i = 0; i < p->ntbl; i++)
        if (p->tbl[i].has_an) {
            if (!(names[i] = oc_malloc(strlen(p->tbl[i].t->id) + 16))) {
                st = oc_error_set(err, OC_ENOMEM, "out of memory");
                goto out;
            }
            sprintf(names[i], "%.22s analysis", p->tbl[i].t->id);   /* sheet names: 31 characters */
            extra[2 * m.nextra] = names[i];
            extra[2 * m.nextra++ + 1] = p->tbl[i].an_csv.data ? p->tbl[i].an_csv.data : "";
        }
    m.extra = extra;
    if (p->xlsx) {
        if ((st = xlsx_write(tabs, p->ntbl, &m, &b, err)) != OC_OK)
            goto out;
        snprintf(name, sizeof name, "%s.xlsx", p->release);
        if ((st = release_add_file(rel, name, b.data, b.len, cells, err)) != OC_OK)
            goto out;
    }
    if (p->html) {
        html_meta hm;
        memset(&hm, 0, sizeof hm);
        hm.release = p->release;
        hm.config_sha = p->sha;
        hm.lines = lines;
        hm.nlines = nl;
        hm.extra = extra;
        hm.nextra = m.nextra;
        b.len = 0;
        if (html_write(tabs, p->ntbl, &hm, &b) != OC_OK) {
            st = oc_error_set(err, OC_ENOMEM, "out of memory");
            goto out;
        }
        snprintf(name, sizeof name, "%s.html", p->release);
        st = release_add_file(rel, name, b.data, b.len, cells, err);
    }
out:
    for (i = 0; vals && i < ninputs; i++)
        oc_free(vals[i]);
    for (i = 0; names && i < p->ntbl; i++)
        oc_free(names[i]);
    oc_free(names);
    oc_free(extra);
    oc_free(vals);
    oc_free(lines);
    oc_free(tabs);
    oc_buf_fini(&b);
    return st;
}

static oc_status manifest_head(const pipe_t *p, const char *rej_path, uint64_t nrej, oc_buf *b)
{
    size_t i, k;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    int any_unprotected = 0;
#define TRY(x) do { if ((x) != OC_OK) return OC_ENOMEM; } while (0)
    TRY(oc_buf_printf(b, "  \"ocstat_version\": \"%s\",\n  ", OC_VERSION));
    TRY(json_kv_str(b, "release", p->release));
    if (sde && *sde) {
        char *end;
        long long t = strtoll(sde, &end, 10);
        if (*end == '\0' && t >= 0) {
            time_t tt = (time_t)t;
            struct tm tm;
            char ts[32];
            gmtime_r(&tt, &tm);
            strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
            TRY(oc_buf_printf(b, ",\n  \"created\": \"%s\"", ts));
        }
    }
    TRY(oc_buf_printf(b, ",\n  \"configuration\": {\"sha256\": \"%s\"}", p->sha));
    for (i = 0; i < p->ntbl; i++)
        if (!p->tbl[i].t->secondary && p->tbl[i].t->totals &&
            (p->tbl[i].t->min_count > 0 || p->tbl[i].t->group_flagged > 0))
            any_unprotected = 1;
    TRY(oc_buf_printf(b, ",\n  \"protection\": {\"secondary_suppression\": %s, \"audit\": %s",
                      any_unprotected ? "false" : "true", any_unprotected ? "false" : "true"));
    if (any_unprotected) {
        TRY(oc_buf_append(b, ", ", 2));
        TRY(json_kv_str(b, "warning", tabw_unprotected_note));
    }
    TRY(oc_buf_append(b, "}", 1));
    TRY(oc_buf_append(b, ",\n  \"inputs\": [", 15));
    for (i = 0, k = 0; i < p->nds; i++) {
        size_t j;
        for (j = 0; j < p->ds[i].ninputs; j++, k++) {
            const pass_input *in = &p->ds[i].in[j];
            TRY(oc_buf_append(b, k ? ",\n    {" : "\n    {", k ? 7 : 6));
            TRY(json_kv_str(b, "dataset", p->ds[i].name));
            TRY(oc_buf_append(b, ", ", 2));
            TRY(json_kv_str(b, "path", p->ds[i].in_as[j]));
            TRY(oc_buf_printf(b, ", \"sha256\": \"%s\", \"bytes\": %" PRIu64 ", \"gzip\": %s, \"rows_read\": %" PRIu64
                                 ", \"rows_rejected\": %" PRIu64 "}",
                              in->sha256, in->raw_bytes, in->gzip ? "true" : "false", in->read, in->rejected));
        }
    }
    TRY(oc_buf_append(b, "\n  ],\n  \"datasets\": [", 21));
    for (i = 0; i < p->nds; i++) {
        int r, first = 1;
        TRY(oc_buf_append(b, i ? ",\n    {" : "\n    {", i ? 7 : 6));
        TRY(json_kv_str(b, "name", p->ds[i].name));
        TRY(oc_buf_append(b, ", ", 2));
        TRY(json_kv_str(b, "schema", p->ds[i].schema_as));
        TRY(oc_buf_printf(b, ", \"schema_sha256\": \"%s\", \"rows_read\": %" PRIu64 ", \"rows_rejected\": %" PRIu64
                             ", \"rejected_by_reason\": {",
                          p->ds[i].s->sha256, p->ds[i].res.read, p->ds[i].res.rejected));
        for (r = 1; r < SCH_R_COUNT_; r++)
            if (p->ds[i].res.by_reason[r]) {
                TRY(oc_buf_printf(b, "%s\"%s\": %" PRIu64, first ? "" : ", ", schema_reason_name((sch_reason)r),
                                  p->ds[i].res.by_reason[r]));
                first = 0;
            }
        TRY(oc_buf_append(b, "}}", 2));
    }
    TRY(oc_buf_append(b, "\n  ],\n  \"tables\": [", 19));
    for (i = 0; i < p->ntbl; i++) {
        const oc_table *t = p->tbl[i].t;
        size_t c, prim = 0, sec = 0;
        for (c = 0; c < t->ncells; c++) {
            prim += t->status[c] == CELL_PRIMARY;
            sec += t->status[c] == CELL_SECONDARY;
        }
        TRY(oc_buf_append(b, i ? ",\n    {" : "\n    {", i ? 7 : 6));
        TRY(json_kv_str(b, "id", t->id));
        TRY(oc_buf_append(b, ", ", 2));
        TRY(json_kv_str(b, "dataset", t->dataset));
        TRY(oc_buf_printf(b, ", \"cells\": %zu, \"primary_suppressed\": %zu, \"secondary_suppressed\": %zu, "
                             "\"min_count\": %" PRId64 ", \"rows_read\": %" PRIu64 ", \"rows_counted\": %" PRIu64
                             ", \"rows_filtered\": %" PRIu64 ", \"rows_rejected\": %" PRIu64,
                          t->ncells, prim, sec, t->min_count, t->acct.read, t->acct.counted, t->acct.filtered,
                          t->acct.rejected));
        if (t->acct.totals)
            TRY(oc_buf_printf(b, ", \"rows_totals\": %" PRIu64 ", \"totals_disagreeing\": %" PRIu64, t->acct.totals,
                              t->acct.totals_disagree));
        if (t->group_dims)
            TRY(oc_buf_printf(b, ", \"group_rule_flagged\": %zu", t->group_flagged));
        TRY(oc_buf_append(b, "}", 1));
    }
    TRY(oc_buf_append(b, "\n  ],\n  ", 8));
    if (rej_path) {
        TRY(oc_buf_append(b, "\"rejects\": {", 12));
        TRY(json_kv_str(b, "file", rej_path));
        TRY(oc_buf_printf(b, ", \"rows\": %" PRIu64 "}", nrej));
    } else {
        TRY(oc_buf_printf(b, "\"rejects\": {\"file\": null, \"rows\": %" PRIu64 "}", nrej));
    }
#undef TRY
    return OC_OK;
}

/* ---------- run ---------- */

/* Do two filters keep the same records (same dimensions, same codes, in
 * any order)? */
static int same_where(const cube_spec *a, const cube_spec *b)
{
    size_t i, j, k, l;
    if (a->nwhere != b->nwhere)
        return 0;
    for (i = 0; i < a->nwhere; i++) {
        for (j = 0; j < b->nwhere && b->where[j].dim != a->where[i].dim; j++)
            ;
        if (j == b->nwhere || b->where[j].ncodes != a->where[i].ncodes)
            return 0;
        for (k = 0; k < a->where[i].ncodes; k++) {
            for (l = 0; l < b->where[j].ncodes && strcmp(b->where[j].codes[l], a->where[i].codes[k]) != 0; l++)
                ;
            if (l == b->where[j].ncodes)
                return 0;
        }
    }
    return 1;
}

/* Would table t be protected at all (secondary suppression on)? */
static int protected_table(const tbl *t)
{
    return !t->no_secondary && t->sp.totals && (t->sp.min_count > 0 || t->sp.group_dims);
}

/* dst's filter: a copy of src's. */
static oc_status copy_where(cube_spec *dst, const cube_spec *src, oc_error *err)
{
    size_t j, k;
    if (!src->nwhere)
        return OC_OK;
    if (!(dst->where = oc_calloc(src->nwhere, sizeof *dst->where)))
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    for (j = 0; j < src->nwhere; j++) {
        const cube_where *w = &src->where[j];
        cube_where *d = &dst->where[j];
        dst->nwhere = j + 1;   /* what is there is freed with the spec */
        d->dim = w->dim;
        if (!(d->codes = oc_calloc(w->ncodes ? w->ncodes : 1, sizeof *d->codes)))
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        for (k = 0; k < w->ncodes; k++) {
            if (!(d->codes[k] = oc_strdup(w->codes[k])))
                return oc_error_set(err, OC_ENOMEM, "out of memory");
            d->ncodes = k + 1;
        }
    }
    return OC_OK;
}

/* Groups the protected tables of one dataset that keep the same records
 * and protect zeros alike; a group of two or more gets a joint table
 * spec (every dimension of its tables, the filter, totals).  Before the
 * cubes take the specs. */
static oc_status plan_links(pipe_t *p, oc_error *err)
{
    size_t i, j, k;
    oc_status st;
    for (i = 0; i < p->ntbl; i++)
        p->tbl[i].link = -1;
    p->link = oc_calloc(p->ntbl ? p->ntbl : 1, sizeof *p->link);
    if (!p->link)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    for (i = 0; i < p->ntbl; i++) {
        tbl *a = &p->tbl[i];
        link_t *l;
        size_t nby;
        if (a->link >= 0 || a->unlinked || !protected_table(a))
            continue;
        l = &p->link[p->nlink];
        l->tab = oc_malloc(p->ntbl * sizeof *l->tab);
        if (!l->tab)
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        l->n = 0;
        for (j = i; j < p->ntbl; j++) {
            tbl *b = &p->tbl[j];
            if (b->link >= 0 || b->unlinked || !protected_table(b) || b->ds != a->ds ||
                b->sp.protect_zeros != a->sp.protect_zeros || !same_where(&a->sp, &b->sp))
                continue;
            l->tab[l->n++] = j;
        }
        /* the union of their dimensions, in order of first use */
        nby = 0;
        for (j = 0; j < l->n; j++) {
            const cube_spec *sp = &p->tbl[l->tab[j]].sp;
            for (k = 0; k < sp->nby; k++) {
                size_t m;
                for (m = 0; m < nby && l->sp.by[m] != sp->by[k]; m++)
                    ;
                if (m < nby)
                    continue;
                if (nby == CUBE_MAX_DIMS)
                    l->apart = 1;
                else
                    l->sp.by[nby++] = sp->by[k];
            }
        }
        if (l->n < 2 || nby == 0) {
            oc_free(l->tab);
            memset(l, 0, sizeof *l);
            continue;
        }
        if (l->apart) {   /* no joint cube; the tables keep their link for the warning */
            for (j = 0; j < l->n; j++)
                p->tbl[l->tab[j]].link = (int)p->nlink;
            p->nlink++;
            continue;
        }
        l->sp.nby = nby;
        l->ds = a->ds;
        l->sp.totals = 1;
        l->sp.protect_zeros = a->sp.protect_zeros;
        if (!(l->sp.id = oc_strdup("joint")))
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        if ((st = copy_where(&l->sp, &a->sp, err)) != OC_OK)
            return st;
        for (j = 0; j < l->n; j++)
            p->tbl[l->tab[j]].link = (int)p->nlink;
        p->nlink++;
    }
    return OC_OK;
}

int cmd_run(int argc, char **argv)
{
    enum { O_OUT = 400, O_REJ, O_MAXREJ, O_DRY, O_QUIET, O_HELP };
    static const struct option opts[] = {
        {"out", required_argument, 0, O_OUT},   {"rejects", required_argument, 0, O_REJ},
        {"max-rejects", required_argument, 0, O_MAXREJ}, {"dry-run", no_argument, 0, O_DRY},
        {"quiet", no_argument, 0, O_QUIET},     {"help", no_argument, 0, O_HELP}, {0, 0, 0, 0}};
    const char *out_dir = NULL, *rej_path = NULL;
    int c, dry = 0, quiet = 0, rc = 0, lock_fd = -1;
    size_t i, f, k;
    reject_policy pol = {0, -1, -1.0, NULL, NULL, NULL, 0, 0, 0};
    pipe_t p;
    oc_error err;
    release *rel = NULL;
    oc_buf head;
    uint64_t nrej = 0;

    oc_error_clear(&err);
    memset(&p, 0, sizeof p);
    oc_buf_init(&head, 0);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_OUT: out_dir = optarg; break;
        case O_REJ: rej_path = optarg; pol.collect = 1; break;
        case O_MAXREJ:
            if (cli_parse_max_rejects(optarg, &pol) != 0)
                return cli_usage("run", "--max-rejects needs N or P%%, got '%s'", optarg);
            pol.collect = 1;
            break;
        case O_DRY: dry = 1; break;
        case O_QUIET: quiet = 1; break;
        case O_HELP: fputs(run_help, stdout); return 0;
        default: return cli_usage("run", "invalid option");
        }
    }
    if (optind + 1 != argc)
        return cli_usage("run", optind >= argc ? "PIPELINE.yaml is required" : "only one PIPELINE.yaml may be given");
    if (load_pipeline(&p, argv[optind], &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!out_dir)
        out_dir = p.out_dir ? p.out_dir : "out";
    if (dry) {   /* before the cubes take over the table specs */
        for (i = 0; i < p.nds; i++)
            for (k = 0; k < p.ds[i].ninputs; k++)
                if (access(p.ds[i].in[k].path, R_OK) != 0 && strcmp(p.ds[i].in[k].path, "-") != 0) {
                    oc_error_at(&err, p.ds[i].in[k].path, 0, 0);
                    oc_error_sys(&err, "cannot read");
                    rc = cli_fail(&err);
                    goto done;
                }
        for (i = 0; i < p.ntbl; i++)   /* population files of the analyses */
            if (p.tbl[i].has_an && p.tbl[i].an.population && access(p.tbl[i].an.population, R_OK) != 0) {
                oc_error_at(&err, p.tbl[i].an.population, 0, 0);
                oc_error_sys(&err, "cannot read");
                err.code = OC_ECONFIG;
                rc = cli_fail(&err);
                goto done;
            }
        if (p.keep)
            printf("release %s: configuration ok; would write to %s/%s-<UTC time> (latest), keeping %u:\n",
                   p.release, out_dir, p.release, p.keep);
        else
            printf("release %s: configuration ok; would write to %s:\n", p.release, out_dir);
        for (i = 0; i < p.ntbl; i++)
            for (f = 0; f < p.nfmt; f++)
                printf("  %s%s\n", p.tbl[i].sp.id, tabw_extension(p.fmt[f]));
        if (p.ndq)
            printf("  QUALITY.csv\n");
        for (i = 0; i < p.ntbl; i++)
            if (p.tbl[i].has_an)
                printf("  %s.analysis.csv\n", p.tbl[i].sp.id);
        if (p.xlsx)
            printf("  %s.xlsx\n", p.release);
        if (p.html)
            printf("  %s.html\n", p.release);
        printf("  manifest.json\n");
        goto done;
    }
    /* one run at a time per output folder (cron): held until the process ends */
    if (release_lock(out_dir, &lock_fd, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    /* tables that share records are protected together: their joint cubes */
    if (plan_links(&p, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    for (i = 0; i < p.nlink; i++)
        if (!p.link[i].apart && cube_new(p.ds[p.link[i].ds].s, &p.link[i].sp, &p.link[i].cb, &err) != OC_OK) {
            oc_error_at(&err, argv[optind], 0, 0);
            rc = cli_fail(&err);
            goto done;
        }
    /* one cube per table, attached to its dataset's pass */
    for (i = 0; i < p.ntbl; i++)
        if (cube_new(p.ds[p.tbl[i].ds].s, &p.tbl[i].sp, &p.tbl[i].cb, &err) != OC_OK) {
            oc_error_at(&err, argv[optind], 0, 0);
            if (err.code == OC_EUSAGE)
                err.code = OC_ECONFIG;
            rc = cli_fail(&err);
            goto done;
        }
    for (i = 0; i < p.ndq; i++)
        if (cube_new(p.ds[p.dq[i].ds].s, &p.dq[i].sp, &p.dq[i].cb, &err) != OC_OK) {
            oc_error_at(&err, argv[optind], 0, 0);
            rc = cli_fail(&err);
            goto done;
        }
    if (reject_policy_open(&pol, rej_path, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    for (i = 0; i < p.nds; i++) {
        cube **cubes = oc_calloc(p.ntbl + p.nlink + p.ndq + 1, sizeof *cubes);
        size_t n = 0;
        oc_status st;
        if (!cubes) {
            oc_error_set(&err, OC_ENOMEM, "out of memory");
            break;
        }
        for (k = 0; k < p.ntbl; k++)
            if (p.tbl[k].ds == (int)i)
                cubes[n++] = p.tbl[k].cb;
        for (k = 0; k < p.nlink; k++)
            if (p.link[k].ds == (int)i && p.link[k].cb)
                cubes[n++] = p.link[k].cb;
        for (k = 0; k < p.ndq; k++)
            if (p.dq[k].ds == (int)i)
                cubes[n++] = p.dq[k].cb;
        st = pass_run(p.ds[i].s, cubes, n, p.ds[i].in, p.ds[i].ninputs,
                      PASS_HASH | ((!quiet && isatty(STDERR_FILENO)) ? PASS_PROGRESS : 0), &pol, &p.ds[i].res, &err);
        oc_free(cubes);
        if (st != OC_OK)
            break;
        nrej += p.ds[i].res.rejected;
    }
    if (err.code == OC_OK) {
        oc_status pst = reject_policy_check(&pol, &err);
        (void)pst;   /* err records it */
    }
    {
        oc_status cst = reject_policy_close(&pol, &err);
        (void)cst;   /* err records it; checked below */
    }
    if (!quiet && pol.collect) {
        pass_result all;
        memset(&all, 0, sizeof all);
        for (i = 0; i < p.nds; i++) {
            int r;
            all.read += p.ds[i].res.read;
            all.rejected += p.ds[i].res.rejected;
            for (r = 0; r < SCH_R_COUNT_; r++)
                all.by_reason[r] += p.ds[i].res.by_reason[r];
        }
        cli_reject_summary(&all, rej_path);
    }
    if (err.code != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    for (i = 0; i < p.ntbl; i++) {
        tab_accounting acct;
        const ds *d = &p.ds[p.tbl[i].ds];
        memset(&acct, 0, sizeof acct);
        acct.read = d->res.read;
        acct.rejected = d->res.rejected;
        acct.totals = d->res.total_rows;
        acct.totals_disagree = d->res.total_mismatch;
        memcpy(acct.by_reason, d->res.by_reason, sizeof acct.by_reason);
        if (cube_build(p.tbl[i].cb, &acct, &p.tbl[i].t, &err) != OC_OK) {
            rc = cli_fail(&err);
            goto done;
        }
        if (p.tbl[i].link < 0) {
            protect_report rep;
            if (protect_table(p.tbl[i].t, !p.tbl[i].no_secondary, &rep, &err) != OC_OK) {
                rc = cli_fail(&err);
                goto done;
            }
        }
    }
    for (i = 0; i < p.ndq; i++) {   /* quality profiles: internal tables, never written */
        tab_accounting acct;
        const ds *d = &p.ds[p.dq[i].ds];
        memset(&acct, 0, sizeof acct);
        acct.read = d->res.read;
        acct.rejected = d->res.rejected;
        if (cube_build(p.dq[i].cb, &acct, &p.dq[i].t, &err) != OC_OK) {
            rc = cli_fail(&err);
            goto done;
        }
    }
    for (i = 0; i < p.nlink; i++) {
        link_t *l = &p.link[i];
        oc_table **tabs = oc_malloc(l->n * sizeof *tabs);
        protect_report rep;
        tab_accounting acct;
        oc_status st;
        memset(&acct, 0, sizeof acct);
        if (!tabs) {
            oc_error_set(&err, OC_ENOMEM, "out of memory");
            rc = cli_fail(&err);
            goto done;
        }
        for (k = 0; k < l->n; k++)
            tabs[k] = p.tbl[l->tab[k]].t;
        st = l->apart ? OC_EDATA : cube_build(l->cb, &acct, &l->t, &err);
        if ((st == OC_OK && l->t->ncells > LINK_MAX_CELLS) || st == OC_EDATA) {
            /* too large to protect as one: one by one, and say so */
            fprintf(stderr, "ocstat: warning: tables");
            for (k = 0; k < l->n; k++)
                fprintf(stderr, "%s %s", k ? "," : "", tabs[k]->id);
            fprintf(stderr, " share records, but their joint table is too large (more than %u cells or %d "
                            "dimensions): each is protected on its own, and differences between them are not "
                            "checked\n",
                    LINK_MAX_CELLS, CUBE_MAX_DIMS);
            oc_error_clear(&err);
            st = OC_OK;
            for (k = 0; k < l->n && st == OC_OK; k++)
                st = protect_table(tabs[k], 1, &rep, &err);
        } else if (st == OC_OK) {
            st = linked_protect(l->t, tabs, l->n, &rep, &err);
        }
        oc_free(tabs);
        if (st != OC_OK) {
            rc = cli_fail(&err);
            goto done;
        }
    }
    if (release_begin(out_dir, p.release, p.keep, &rel, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    for (i = 0; i < p.ntbl; i++)
        for (f = 0; f < p.nfmt; f++) {
            char *buf = NULL, name[160];
            size_t len = 0, rows;
            FILE *mem = open_memstream(&buf, &len);
            tabw_options wo = {p.agency ? p.agency : "OCSTAT", p.version ? p.version : "1.0", p.release};
            oc_status st;
            if (!mem) {
                oc_error_set(&err, OC_ENOMEM, "out of memory");
                rc = cli_fail(&err);
                goto done;
            }
            rows = tabw_write(mem, p.tbl[i].t, p.fmt[f], &wo);
            if (fclose(mem) != 0) {
                free(buf);
                oc_error_set(&err, OC_ENOMEM, "out of memory");
                rc = cli_fail(&err);
                goto done;
            }
            snprintf(name, sizeof name, "%s%s", p.tbl[i].t->id, tabw_extension(p.fmt[f]));
            st = release_add_file(rel, name, buf, len, rows, &err);
            free(buf);
            if (st != OC_OK) {
                rc = cli_fail(&err);
                goto done;
            }
        }
    if (p.ndq && add_quality(&p, rel, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    for (i = 0; i < p.ntbl; i++)
        if (p.tbl[i].has_an) {
            oc_buf *ab = &p.tbl[i].an_csv;
            size_t arows = 0;
            char name[160];
            oc_status st;
            st = an_write(p.tbl[i].t, &p.tbl[i].an, ab, &arows, &err);
            if (st == OC_OK) {
                snprintf(name, sizeof name, "%s.analysis.csv", p.tbl[i].t->id);
                st = release_add_file(rel, name, ab->data ? ab->data : "", ab->len, arows, &err);
            }
            if (st != OC_OK) {
                oc_error_at(&err, argv[optind], 0, 0);
                rc = cli_fail(&err);
                goto done;
            }
        }
    if ((p.xlsx || p.html) && add_workbook(&p, rel, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (manifest_head(&p, rej_path, nrej, &head) != OC_OK) {
        oc_error_set(&err, OC_ENOMEM, "out of memory");
        rc = cli_fail(&err);
        goto done;
    }
    if (release_commit(rel, head.data, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!quiet)
        fprintf(stderr, "ocstat: release %s written to %s (%zu tables)\n", p.release, release_path(rel), p.ntbl);
done:
    reject_policy_discard(&pol);
    release_free(rel);
    release_unlock(lock_fd);
    oc_buf_fini(&head);
    pipe_free(&p);
    return rc;
}

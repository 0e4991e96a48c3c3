/* analysis.c - see analysis.h. */
#define _POSIX_C_SOURCE 200809L
#include "analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>

#include "csv_reader.h"
#include "cube.h"   /* CUBE_MAX_DIMS */
#include "oc_source.h"

#define POP_MAX_ENTRIES (50u << 20)

/* ---------- intervals and the trend ---------- */

/* Quantiles of Gamma(a, 1) and Beta(a, b): GSL's inverses, else (they can
 * fail to converge for large parameters, returning NaN) bisection on
 * GSL's distribution functions, which stay exact. */
static double gamma_quantile(double p, double a)
{
    double q = gsl_cdf_gamma_Pinv(p, a, 1.0), lo = 0, hi = a + 20 * sqrt(a) + 50;
    int i;
    if (isfinite(q))
        return q;
    while (gsl_cdf_gamma_P(hi, a, 1.0) < p)
        hi *= 2;
    for (i = 0; i < 200; i++) {
        double m = (lo + hi) / 2;
        if (gsl_cdf_gamma_P(m, a, 1.0) < p)
            lo = m;
        else
            hi = m;
    }
    return (lo + hi) / 2;
}

static double beta_quantile(double p, double a, double b)
{
    double q = gsl_cdf_beta_Pinv(p, a, b), lo = 0, hi = 1;
    int i;
    if (isfinite(q))
        return q;
    for (i = 0; i < 200; i++) {
        double m = (lo + hi) / 2;
        if (gsl_cdf_beta_P(m, a, b) < p)
            lo = m;
        else
            hi = m;
    }
    return (lo + hi) / 2;
}

void an_poisson_ci(double x, double level, double *lo, double *hi)
{
    double a = 1 - level;
    gsl_set_error_handler_off();   /* GSL reports by return value, never aborts */
    *lo = x > 0 ? gamma_quantile(a / 2, x) : 0;   /* = chi2(a/2; 2x) / 2 */
    *hi = gamma_quantile(1 - a / 2, x + 1);
}

void an_binomial_ci(double x, double n, double level, double *lo, double *hi)
{
    double a = 1 - level;
    gsl_set_error_handler_off();
    *lo = x > 0 ? beta_quantile(a / 2, x, n - x + 1) : 0;
    *hi = x < n ? beta_quantile(1 - a / 2, x + 1, n - x) : 1;
}

int an_trend(const double *x, const double *tt, const double *off, size_t n, double *b, double *se)
{
    gsl_matrix *X = NULL, *cov = NULL;
    gsl_vector *z = NULL, *w = NULL, *c = NULL;
    gsl_multifit_linear_workspace *ws = NULL;
    double tbar = 0, prev = NAN, chisq, pearson = 0, sum = 0;
    size_t i, it;
    int rc = -1;
    gsl_set_error_handler_off();
    if (n < 3)
        return -1;
    for (i = 0; i < n; i++) {
        tbar += tt[i] / (double)n;
        sum += x[i];
    }
    if (sum <= 0)
        return -1;
    X = gsl_matrix_alloc(n, 2);
    cov = gsl_matrix_alloc(2, 2);
    z = gsl_vector_alloc(n);
    w = gsl_vector_alloc(n);
    c = gsl_vector_alloc(2);
    ws = gsl_multifit_linear_alloc(n, 2);
    if (!X || !cov || !z || !w || !c || !ws)
        goto out;
    for (i = 0; i < n; i++) {
        gsl_matrix_set(X, i, 0, 1.0);
        gsl_matrix_set(X, i, 1, tt[i] - tbar);
    }
    for (it = 0; it < 100; it++) {   /* iteration 0 starts from the data: eta = log(x + 1/2) - offset */
        for (i = 0; i < n; i++) {
            double o = off ? off[i] : 0;
            double eta = it ? gsl_vector_get(c, 0) + gsl_vector_get(c, 1) * (tt[i] - tbar) : log(x[i] + 0.5) - o;
            double mu = exp(o + eta);
            gsl_vector_set(z, i, eta + (x[i] - mu) / mu);
            gsl_vector_set(w, i, mu);
        }
        if (gsl_multifit_wlinear(X, w, z, c, cov, &chisq, ws) != GSL_SUCCESS)
            goto out;
        if (fabs(gsl_vector_get(c, 1) - prev) <= 1e-12 * (1 + fabs(prev)))
            break;
        prev = gsl_vector_get(c, 1);
    }
    /* covariance at the fitted means, and the Pearson dispersion */
    for (i = 0; i < n; i++) {
        double o = off ? off[i] : 0;
        double mu = exp(o + gsl_vector_get(c, 0) + gsl_vector_get(c, 1) * (tt[i] - tbar));
        gsl_vector_set(z, i, log(mu) - o + (x[i] - mu) / mu);
        gsl_vector_set(w, i, mu);
        pearson += (x[i] - mu) * (x[i] - mu) / mu;
    }
    if (gsl_multifit_wlinear(X, w, z, c, cov, &chisq, ws) != GSL_SUCCESS)
        goto out;
    *b = gsl_vector_get(c, 1);
    *se = sqrt(gsl_matrix_get(cov, 1, 1));
    if (pearson / (double)(n - 2) > 1)
        *se *= sqrt(pearson / (double)(n - 2));
    rc = isfinite(*b) && isfinite(*se) ? 0 : -1;
out:
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(z);
    gsl_vector_free(w);
    gsl_vector_free(c);
    if (ws)
        gsl_multifit_linear_free(ws);
    return rc;
}

/* ---------- the population: a dense array over its dimensions ---------- */

typedef struct pop {
    size_t  nd;
    int     dim[CUBE_MAX_DIMS];   /* table dimension of each column */
    int     col[CUBE_MAX_DIMS];   /* CSV column of each */
    int     pcol;                    /* CSV column of POPULATION */
    size_t  stride[CUBE_MAX_DIMS];
    size_t  size;
    double *v;                       /* NAN: not given */
    /* while loading */
    const oc_table *t;
    const char *path;
    int header_done;
    size_t ncols;
} pop;

static oc_status pop_row(void *vc, const oc_row *row, oc_error *err)
{
    pop *p = vc;
    size_t i, j, at = 0;
    char num[64], *end;
    double v;
    if (!p->header_done) {
        p->header_done = 1;
        p->pcol = -1;
        p->ncols = row->nfields;
        for (i = 0; i < row->nfields; i++) {
            const oc_field *f = &row->fields[i];
            if (f->len == 10 && !memcmp(f->ptr, "POPULATION", 10)) {
                p->pcol = (int)i;
                continue;
            }
            for (j = 0; j < p->t->ndims; j++)
                if (strlen(p->t->dims[j].id) == f->len && !memcmp(p->t->dims[j].id, f->ptr, f->len))
                    break;
            if (j == p->t->ndims || p->nd == CUBE_MAX_DIMS) {
                oc_error_at(err, p->path, row->line, 0);
                return oc_error_set(err, OC_ECONFIG, "column '%.*s' is neither POPULATION nor a dimension of table %s",
                                    (int)(f->len > 64 ? 64 : f->len), f->ptr, p->t->id);
            }
            p->dim[p->nd] = (int)j;
            p->col[p->nd++] = (int)i;
        }
        if (p->pcol < 0) {
            oc_error_at(err, p->path, row->line, 0);
            return oc_error_set(err, OC_ECONFIG, "the header has no POPULATION column");
        }
        p->size = 1;
        for (i = p->nd; i-- > 0;) {
            p->stride[i] = p->size;
            if (p->size > POP_MAX_ENTRIES / p->t->dims[p->dim[i]].n)
                return oc_error_set(err, OC_ECONFIG, "%s: too many combinations of codes", p->path);
            p->size *= p->t->dims[p->dim[i]].n;
        }
        if (!(p->v = oc_malloc(p->size * sizeof *p->v)))
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        for (i = 0; i < p->size; i++)
            p->v[i] = NAN;
        return OC_OK;
    }
    if (row->nfields != p->ncols) {
        oc_error_at(err, p->path, row->line, 0);
        return oc_error_set(err, OC_ECONFIG, "expected %zu fields, got %zu", p->ncols, row->nfields);
    }
    for (i = 0; i < p->nd; i++) {
        const oc_field *f = &row->fields[p->col[i]];
        int k = table_code_index(&p->t->dims[p->dim[i]], f->ptr, f->len);
        if (k < 0)
            return OC_OK;   /* a code the table does not have: not needed */
        at += (size_t)k * p->stride[i];
    }
    {
        const oc_field *f = &row->fields[p->pcol];
        snprintf(num, sizeof num, "%.*s", (int)(f->len < 63 ? f->len : 63), f->ptr);
        v = strtod(num, &end);
        if (f->len == 0 || f->len > 62 || *end || !(v >= 0) || !isfinite(v)) {
            oc_error_at(err, p->path, row->line, 0);
            oc_error_column(err, "POPULATION");
            return oc_error_set(err, OC_ECONFIG, "not a population: '%s'", num);
        }
    }
    if (!isnan(p->v[at])) {
        oc_error_at(err, p->path, row->line, 0);
        return oc_error_set(err, OC_ECONFIG, "the same codes appear twice");
    }
    p->v[at] = v;
    return OC_OK;
}

static oc_status pop_load(pop *p, const oc_table *t, const char *path, oc_error *err)
{
    oc_source *src = NULL;
    csvr *r = NULL;
    oc_status st;
    memset(p, 0, sizeof *p);
    p->t = t;
    p->path = path;
    st = src_open(path, 0, &src, err);
    if (st == OC_OK && !(r = csvr_new(NULL, path, pop_row, p)))
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
    if (st == OC_OK)
        st = csvr_read_source(r, src, err);
    if (st == OC_OK && !p->header_done) {
        oc_error_at(err, path, 0, 0);
        st = oc_error_set(err, OC_ECONFIG, "empty population file");
    }
    csvr_free(r);
    src_close(src);
    if (st == OC_EDATA || st == OC_EIO)
        err->code = st = OC_ECONFIG;
    return st;
}

static int is_total(const tab_dim *d, size_t k) { return !strcmp(d->codes[k], "_T"); }

/* Population of the table cell whose codes are k[]: as given, or for a
 * total (_T) the sum over the codes directly below it; NAN if missing. */
static double pop_of(const pop *p, const size_t *k)
{
    size_t i, at = 0;
    for (i = 0; i < p->nd; i++)
        at += k[p->dim[i]] * p->stride[i];
    if (!isnan(p->v[at]))
        return p->v[at];
    for (i = 0; i < p->nd; i++) {
        const tab_dim *d = &p->t->dims[p->dim[i]];
        if (is_total(d, k[p->dim[i]])) {   /* sum the children in this dimension */
            size_t kk[CUBE_MAX_DIMS], c, top = k[p->dim[i]];
            double s = 0;
            int any = 0;
            memcpy(kk, k, sizeof kk);
            for (c = 0; c < d->n; c++)
                if (d->parent && d->parent[c] == (int32_t)top) {
                    double v;
                    kk[p->dim[i]] = c;
                    v = pop_of(p, kk);
                    if (isnan(v))
                        return NAN;
                    s += v;
                    any = 1;
                }
            return any ? s : NAN;
        }
    }
    return NAN;
}

/* ---------- output ---------- */

typedef struct out_ctx {
    const oc_table *t;
    oc_buf *b;
    size_t rows;
    int st;   /* OC_OK or OC_ENOMEM */
} out_ctx;

static void put(out_ctx *o, const char *s)
{
    if (o->st == OC_OK && oc_buf_append(o->b, s, strlen(s)) != OC_OK)
        o->st = OC_ENOMEM;
}

/* A code as a CSV field (quoted when needed). */
static void put_csv(out_ctx *o, const char *s)
{
    if (o->st == OC_OK && oc_csv_str(o->b, s) != OC_OK)
        o->st = OC_ENOMEM;
}

/* One figure.  k: the cell's codes; skip: a dimension the figure runs over
 * (written _Z), or -1; dec: decimals of the value; status A, Q or M. */
static void emit(out_ctx *o, const char *measure, const size_t *k, int skip, const char *base, int dec, double v,
                 double lo, double hi, double p, char status, const char *comment)
{
    char num[64];
    size_t d;
    put(o, measure);
    for (d = 0; d < o->t->ndims; d++) {
        put(o, ",");
        put_csv(o, (int)d == skip ? "_Z" : o->t->dims[d].codes[k[d]]);
    }
    put(o, ",");
    put_csv(o, base ? base : "");
    if (status == 'A') {
        snprintf(num, sizeof num, ",%.*f", dec, v);
        put(o, num);
        snprintf(num, sizeof num, ",%.*f", dec, lo);
        put(o, num);
        snprintf(num, sizeof num, ",%.*f", dec, hi);
        put(o, num);
        if (!isnan(p)) {
            snprintf(num, sizeof num, ",%.4f", p);
            put(o, num);
        } else {
            put(o, ",");
        }
    } else {
        put(o, ",,,,");
    }
    snprintf(num, sizeof num, ",%c,", status);
    put(o, num);
    put(o, comment ? comment : "");
    put(o, "\n");
    o->rows++;
}

static const char suppressed_note[] = "uses a suppressed cell: not computed";

static int usable(const oc_table *t, size_t cell) { return t->status[cell] == CELL_PUBLISHED; }

static int dim_of(const oc_table *t, const char *id)
{
    size_t d;
    for (d = 0; d < t->ndims; d++)
        if (!strcmp(t->dims[d].id, id))
            return (int)d;
    return -1;
}

/* A known age: a code directly below the total (every code when the table
 * has no totals), unknown (_U) excepted. */
static int known_age(const tab_dim *A, size_t m)
{
    if (is_total(A, m) || !strcmp(A->codes[m], "_U"))
        return 0;
    return !A->parent || A->parent[m] < 0 || is_total(A, (size_t)A->parent[m]);
}

/* The ratio a/b of two Poisson counts (populations pa, pb, or 1) with its
 * interval, from the binomial a | a + b. */
static void ratio_ci(double a, double b, double pa, double pb, double level, double *r, double *lo, double *hi)
{
    double pl, pu, scale = pb / pa;
    an_binomial_ci(a, a + b, level, &pl, &pu);
    *r = a / b * scale;
    *lo = pl / (1 - pl) * scale;
    *hi = pu / (1 - pu) * scale;
}

static oc_status need_dim(const oc_table *t, const char *id, const char *what, int *d, oc_error *err)
{
    if ((*d = dim_of(t, id)) < 0)
        return oc_error_set(err, OC_ECONFIG, "table %s: %s needs dimension '%s', which the table does not have",
                            t->id, what, id);
    return OC_OK;
}

oc_status an_write(const oc_table *t, const an_spec *sp, oc_buf *out, size_t *rows, oc_error *err)
{
    out_ctx o;
    pop P;
    int have_pop = 0, td = -1, sd = -1, ad = -1, km = -1, kf = -1;
    size_t cell, d, k[CUBE_MAX_DIMS], m;
    double per = sp->per > 0 ? sp->per : 100000, level = sp->level > 0 && sp->level < 1 ? sp->level : 0.95;
    oc_status st = OC_OK;
    gsl_set_error_handler_off();   /* GSL reports by return value, never aborts */
    *rows = 0;
    if (t->ndims > CUBE_MAX_DIMS)
        return oc_error_set(err, OC_ECONFIG, "table %s: too many dimensions for the analysis", t->id);
    if (sp->time_dim && (st = need_dim(t, sp->time_dim, "change and trend", &td, err)) != OC_OK)
        return st;
    if (sp->sex_dim && (st = need_dim(t, sp->sex_dim, "the sex ratio", &sd, err)) != OC_OK)
        return st;
    if (sp->age_dim && (st = need_dim(t, sp->age_dim, "the share of minors", &ad, err)) != OC_OK)
        return st;
    for (m = 0; ad >= 0 && m < sp->nminor; m++) {
        int i = table_code_index(&t->dims[ad], sp->minor[m], strlen(sp->minor[m]));
        if (i < 0 || !known_age(&t->dims[ad], (size_t)i))
            return oc_error_set(err, OC_ECONFIG, "table %s: minors: '%s' is not an age group of dimension %s", t->id,
                                sp->minor[m], sp->age_dim);
    }
    if (sd >= 0 && ((km = table_code_index(&t->dims[sd], sp->male, strlen(sp->male))) < 0 ||
                    (kf = table_code_index(&t->dims[sd], sp->female, strlen(sp->female))) < 0))
        return oc_error_set(err, OC_ECONFIG, "table %s: sex_ratio: dimension %s has no code '%s' or '%s'", t->id,
                            sp->sex_dim, sp->male, sp->female);
    memset(&P, 0, sizeof P);
    if (sp->population) {
        if ((st = pop_load(&P, t, sp->population, err)) != OC_OK) {
            oc_free(P.v);
            return st;
        }
        have_pop = 1;
    }
    memset(&o, 0, sizeof o);
    o.t = t;
    o.b = out;
    put(&o, "MEASURE");
    for (d = 0; d < t->ndims; d++) {
        put(&o, ",");
        put_csv(&o, t->dims[d].id);
    }
    put(&o, ",BASE,VALUE,LOWER,UPPER,P_VALUE,OBS_STATUS,COMMENT\n");

    /* rates */
    for (cell = 0; have_pop && cell < t->ncells; cell++) {
        double x = (double)t->value[cell], pp, lo, hi;
        table_cell_pos(t, cell, k);
        if (!usable(t, cell)) {
            emit(&o, "RATE", k, -1, NULL, 0, 0, 0, 0, NAN, 'Q', suppressed_note);
            continue;
        }
        pp = pop_of(&P, k);
        if (isnan(pp) || pp <= 0) {
            emit(&o, "RATE", k, -1, NULL, 0, 0, 0, 0, NAN, 'M', isnan(pp) ? "no population" : "population is 0");
            continue;
        }
        an_poisson_ci(x, level, &lo, &hi);
        emit(&o, "RATE", k, -1, NULL, 2, x / pp * per, lo / pp * per, hi / pp * per, NAN, 'A', NULL);
    }

    /* change between consecutive periods, and the trend over all */
    if (td >= 0) {
        const tab_dim *T = &t->dims[td];
        size_t *per_codes = oc_malloc((T->n ? T->n : 1) * sizeof *per_codes), np = 0, j;
        double *xs = oc_malloc((T->n ? T->n : 1) * sizeof *xs), *ts = oc_malloc((T->n ? T->n : 1) * sizeof *ts),
               *offs = oc_malloc((T->n ? T->n : 1) * sizeof *offs);
        if (!per_codes || !xs || !ts || !offs) {
            oc_free(per_codes), oc_free(xs), oc_free(ts), oc_free(offs);
            oc_free(P.v);
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        }
        for (j = 0; j < T->n; j++)
            if (!is_total(T, j))
                per_codes[np++] = j;
        for (j = 0; j < np; j++) {
            char *end;
            ts[j] = strtod(T->codes[per_codes[j]], &end);
            if (*end)
                ts[j] = (double)j;   /* not a year: periods one apart, in order */
        }
        for (cell = 0; np > 0 && cell < t->ncells; cell++) {
            table_cell_pos(t, cell, k);
            if (k[td] != per_codes[0])
                continue;   /* one series per combination of the other codes */
            if (sp->change)
                for (j = 1; j < np; j++) {
                    size_t ka[CUBE_MAX_DIMS], a, b;
                    double r, lo, hi, pa = 1, pb = 1;
                    memcpy(ka, k, sizeof ka);
                    ka[td] = per_codes[j - 1];   /* the earlier period, then this one */
                    b = table_cell_at(t, ka);
                    if (have_pop)
                        pb = pop_of(&P, ka);
                    ka[td] = per_codes[j];
                    a = table_cell_at(t, ka);
                    if (have_pop)
                        pa = pop_of(&P, ka);
                    if (!usable(t, a) || !usable(t, b)) {
                        emit(&o, "CHANGE_PCT", ka, -1, T->codes[per_codes[j - 1]], 0, 0, 0, 0, NAN, 'Q',
                             suppressed_note);
                        continue;
                    }
                    if (t->value[b] == 0 || isnan(pa) || isnan(pb) || pa <= 0 || pb <= 0) {
                        emit(&o, "CHANGE_PCT", ka, -1, T->codes[per_codes[j - 1]], 0, 0, 0, 0, NAN, 'M',
                             t->value[b] == 0 ? "the earlier count is 0" : "no population");
                        continue;
                    }
                    ratio_ci((double)t->value[a], (double)t->value[b], pa, pb, level, &r, &lo, &hi);
                    emit(&o, "CHANGE_PCT", ka, -1, T->codes[per_codes[j - 1]], 1, 100 * (r - 1), 100 * (lo - 1),
                         100 * (hi - 1), NAN, 'A', NULL);
                }
            if (sp->trend) {
                int ok = 1, missing = 0;
                double b, se, z;
                for (j = 0; j < np; j++) {
                    size_t kk[CUBE_MAX_DIMS], c;
                    memcpy(kk, k, sizeof kk);
                    kk[td] = per_codes[j];
                    c = table_cell_at(t, kk);
                    ok &= usable(t, c);
                    xs[j] = (double)t->value[c];
                    offs[j] = 0;
                    if (have_pop) {
                        double pp = pop_of(&P, kk);
                        missing |= isnan(pp) || pp <= 0;
                        offs[j] = pp > 0 ? log(pp) : 0;
                    }
                }
                if (np < 3)
                    emit(&o, "TREND_PCT", k, td, NULL, 0, 0, 0, 0, NAN, 'M', "fewer than 3 periods");
                else if (!ok)
                    emit(&o, "TREND_PCT", k, td, NULL, 0, 0, 0, 0, NAN, 'Q', suppressed_note);
                else if (missing)
                    emit(&o, "TREND_PCT", k, td, NULL, 0, 0, 0, 0, NAN, 'M', "no population");
                else if (an_trend(xs, ts, have_pop ? offs : NULL, np, &b, &se) != 0)
                    emit(&o, "TREND_PCT", k, td, NULL, 0, 0, 0, 0, NAN, 'M', "no fit (all counts 0)");
                else {
                    z = gsl_cdf_ugaussian_Pinv(1 - (1 - level) / 2);
                    emit(&o, "TREND_PCT", k, td, NULL, 1, 100 * (exp(b) - 1), 100 * (exp(b - z * se) - 1),
                         100 * (exp(b + z * se) - 1), 2 * gsl_cdf_ugaussian_Q(fabs(b / se)), 'A', NULL);
                }
            }
        }
        oc_free(per_codes), oc_free(xs), oc_free(ts), oc_free(offs);
    }

    /* males per 100 females */
    if (sd >= 0) {
        for (cell = 0; cell < t->ncells; cell++) {
            size_t a, b;
            double r, lo, hi;
            table_cell_pos(t, cell, k);
            if (k[sd] != (size_t)km)
                continue;
            a = cell;
            k[sd] = (size_t)kf;
            b = table_cell_at(t, k);
            if (!usable(t, a) || !usable(t, b))
                emit(&o, "SEX_RATIO", k, sd, NULL, 0, 0, 0, 0, NAN, 'Q', suppressed_note);
            else if (t->value[b] == 0)
                emit(&o, "SEX_RATIO", k, sd, NULL, 0, 0, 0, 0, NAN, 'M', "no females");
            else {
                ratio_ci((double)t->value[a], (double)t->value[b], 1, 1, level, &r, &lo, &hi);
                emit(&o, "SEX_RATIO", k, sd, NULL, 1, 100 * r, 100 * lo, 100 * hi, NAN, 'A', NULL);
            }
        }
    }

    /* minors among persons of known age */
    if (ad >= 0) {
        const tab_dim *A = &t->dims[ad];
        size_t m0 = A->n, j;
        for (m = 0; m < A->n; m++)
            if (known_age(A, m)) {
                m0 = m;
                break;
            }
        for (cell = 0; m0 < A->n && cell < t->ncells; cell++) {
            double minors = 0, known = 0, lo, hi;
            int ok = 1;
            table_cell_pos(t, cell, k);
            if (k[ad] != m0)
                continue;   /* once per combination of the other codes */
            for (m = 0; m < A->n; m++) {
                size_t c;
                int is_minor = 0;
                if (!known_age(A, m))
                    continue;
                k[ad] = m;
                c = table_cell_at(t, k);
                ok &= usable(t, c);
                for (j = 0; j < sp->nminor; j++)
                    is_minor |= !strcmp(A->codes[m], sp->minor[j]);
                known += (double)t->value[c];
                if (is_minor)
                    minors += (double)t->value[c];
            }
            if (!ok)
                emit(&o, "SHARE_MINORS", k, ad, NULL, 0, 0, 0, 0, NAN, 'Q', suppressed_note);
            else if (known == 0)
                emit(&o, "SHARE_MINORS", k, ad, NULL, 0, 0, 0, 0, NAN, 'M', "no person of known age");
            else {
                an_binomial_ci(minors, known, level, &lo, &hi);
                emit(&o, "SHARE_MINORS", k, ad, NULL, 1, 100 * minors / known, 100 * lo, 100 * hi, NAN, 'A',
                     NULL);
            }
        }
    }
    oc_free(P.v);
    if (o.st != OC_OK)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    *rows = o.rows;
    return OC_OK;
}

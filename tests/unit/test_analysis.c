/* Unit tests for transform/analysis: the intervals against published
 * reference values, the trend against its own score equations and Fisher
 * information computed here, and the figures of a small table, with a
 * suppressed cell that every figure using it must not reveal. */
#include "test_util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "analysis.h"

/* Exact (Garwood) Poisson 95 % limits (R: poisson.test(x)$conf.int;
 * checked by bisection on the Poisson distribution function).  GSL's
 * chi-squared inverse returns NaN for x = 2537: the limits must not. */
Test(analysis, poisson_interval_matches_reference_values)
{
    static const double ref[][3] = {{0, 0, 3.688879}, {1, 0.025318, 5.571643}, {10, 4.795389, 18.390356},
                                    {100, 81.363991, 121.626794}, {2537, 2439.2298, 2637.6839}};
    size_t i;
    for (i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        double lo, hi;
        an_poisson_ci(ref[i][0], 0.95, &lo, &hi);
        cr_assert(fabs(lo - ref[i][1]) < 1e-4, "x=%g lo %.6f", ref[i][0], lo);
        cr_assert(fabs(hi - ref[i][2]) < 1e-4, "x=%g hi %.6f", ref[i][0], hi);
    }
}

/* Clopper-Pearson 95 % limits (R: binom.test(x, n)$conf.int). */
Test(analysis, binomial_interval_matches_reference_values)
{
    static const double ref[][4] = {{5, 20, 0.0865715, 0.4910459}, {0, 10, 0, 0.3084971}, {10, 10, 0.6915029, 1}, {3000, 7000, 0.4169389, 0.4402635}};
    size_t i;
    for (i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        double lo, hi;
        an_binomial_ci(ref[i][0], ref[i][1], 0.95, &lo, &hi);
        cr_assert(fabs(lo - ref[i][2]) < 1e-6, "%g/%g lo %.7f", ref[i][0], ref[i][1], lo);
        cr_assert(fabs(hi - ref[i][3]) < 1e-6, "%g/%g hi %.7f", ref[i][0], ref[i][1], hi);
    }
}

/* The fit solves the Poisson score equations; its standard error is that of
 * the Fisher information, times the Pearson dispersion when above 1. */
static void check_trend(const double *x, const double *t, const double *off, size_t n)
{
    double b, se, ea = 0, sx = 0, s0 = 0, s1 = 0, s2 = 0, score = 0, pearson = 0, var, tbar = 0;
    size_t i;
    cr_assert_eq(an_trend(x, t, off, n, &b, &se), 0);
    for (i = 0; i < n; i++)
        tbar += t[i] / (double)n;   /* times centred: exp(b t) of a year overflows */
    for (i = 0; i < n; i++) {
        sx += x[i];
        ea += (off ? exp(off[i]) : 1) * exp(b * (t[i] - tbar));
    }
    ea = sx / ea;   /* the intercept that solves the first score equation */
    for (i = 0; i < n; i++) {
        double mu = ea * (off ? exp(off[i]) : 1) * exp(b * (t[i] - tbar)), tc = t[i] - tbar;
        score += tc * (x[i] - mu);
        s0 += mu;
        s1 += mu * tc;
        s2 += mu * tc * tc;
        pearson += (x[i] - mu) * (x[i] - mu) / mu;
    }
    cr_assert(fabs(score) < 1e-6 * sx, "score %g", score);
    var = s0 / (s0 * s2 - s1 * s1);
    if (pearson / (double)(n - 2) > 1)
        var *= pearson / (double)(n - 2);
    cr_assert(fabs(se - sqrt(var)) < 1e-9 + 1e-7 * sqrt(var), "se %.10f want %.10f", se, sqrt(var));
}

Test(analysis, trend_is_the_poisson_fit)
{
    static const double exact[] = {1000, 2000, 4000}, yrs[] = {2019, 2020, 2021};
    static const double noisy[] = {120, 95, 160, 140, 210, 180}, t6[] = {0, 1, 2, 3, 4, 5};
    static const double pops[] = {1e5, 1.1e5, 1.3e5, 1.2e5, 1.5e5, 1.6e5};
    double off[6], b, se;
    size_t i;
    cr_assert_eq(an_trend(exact, yrs, NULL, 3, &b, &se), 0);
    cr_assert(fabs(b - log(2)) < 1e-9, "b %.12f", b);
    cr_assert(fabs(se - sqrt(49.0 / 182000)) < 1e-9, "se %.12f", se);   /* worked by hand */
    check_trend(exact, yrs, NULL, 3);
    check_trend(noisy, t6, NULL, 6);
    for (i = 0; i < 6; i++)
        off[i] = log(pops[i]);
    check_trend(noisy, t6, off, 6);
    cr_assert_eq(an_trend(noisy, t6, NULL, 2, &b, &se), -1, "two periods are not a trend");
}

/* YEAR (2020, 2021, 2022) x SEX (_T, F, M), no age: every figure. */
static oc_table *year_sex(void)
{
    static const char *const yr[] = {"2020", "2021", "2022"}, *const sx[] = {"_T", "F", "M"};
    static const uint64_t v[] = {30, 10, 20, 44, 4, 40, 60, 20, 40};
    oc_table *t = oc_calloc(1, sizeof *t);
    size_t i;
    t->id = oc_strdup("YS");
    t->ndims = 2;
    t->dims = oc_calloc(2, sizeof *t->dims);
    t->dims[0].id = oc_strdup("YEAR");
    t->dims[1].id = oc_strdup("SEX");
    for (i = 0; i < 2; i++) {
        t->dims[i].n = 3;
        t->dims[i].codes = oc_calloc(3, sizeof(char *));
        t->dims[i].labels = oc_calloc(3, sizeof(char *));
        t->dims[i].parent = oc_calloc(3, sizeof(int32_t));
    }
    for (i = 0; i < 3; i++) {
        t->dims[0].codes[i] = oc_strdup(yr[i]);
        t->dims[1].codes[i] = oc_strdup(sx[i]);
        t->dims[0].parent[i] = -1;
        t->dims[1].parent[i] = i ? 0 : -1;
    }
    t->ncells = 9;
    t->value = oc_calloc(9, sizeof *t->value);
    t->status = oc_calloc(9, 1);
    memcpy(t->value, v, sizeof v);
    t->status[4] = CELL_PRIMARY;     /* 2021 F = 4 */
    t->status[5] = CELL_SECONDARY;   /* 2021 M = 40 */
    t->totals = 1;
    return t;
}

Test(analysis, figures_use_published_cells_only)
{
    char *dir = tu_tmpdir(), *pop;
    oc_table *t = year_sex();
    an_spec sp;
    oc_buf b;
    oc_error err;
    size_t rows;
    double lo, hi;
    char want[160];
    pop = tu_write_str(dir, "pop.csv", "YEAR,SEX,POPULATION\n2020,F,50000\n2020,M,50000\n2021,F,51000\n"
                                       "2021,M,50000\n2022,F,52000\n2022,M,48000\n");
    memset(&sp, 0, sizeof sp);
    sp.population = pop;
    sp.time_dim = "YEAR";
    sp.change = sp.trend = 1;
    sp.sex_dim = "SEX";
    sp.male = "M";
    sp.female = "F";
    oc_buf_init(&b, 0);
    oc_error_clear(&err);
    cr_assert_eq(an_write(t, &sp, &b, &rows, &err), OC_OK, "%s", err.msg);
    /* rates: 2020 _T = 30 per 100,000 of 100,000 (the sum of F and M) */
    an_poisson_ci(30, 0.95, &lo, &hi);
    snprintf(want, sizeof want, "RATE,2020,_T,,30.00,%.2f,%.2f,,A,\n", lo, hi);
    cr_assert(strstr(b.data, want), "%s\n--- want %s", b.data, want);
    /* suppressed cells and everything that uses them: Q, no value */
    cr_assert(strstr(b.data, "RATE,2021,F,,,,,,Q,uses a suppressed cell: not computed\n"), "%s", b.data);
    cr_assert(strstr(b.data, "CHANGE_PCT,2021,M,2020,,,,,Q,"), "%s", b.data);
    cr_assert(strstr(b.data, "CHANGE_PCT,2022,F,2021,,,,,Q,"), "%s", b.data);
    cr_assert(strstr(b.data, "TREND_PCT,_Z,F,,,,,,Q,"), "%s", b.data);
    cr_assert(strstr(b.data, "SEX_RATIO,2021,_Z,,,,,,Q,"), "%s", b.data);
    /* published: 2022 over 2021 in total, as rates: 60/100000 over 44/101000 = 1.3773 */
    cr_assert(strstr(b.data, "CHANGE_PCT,2022,_T,2021,37.7,"), "%s", b.data);
    /* males per 100 females in 2020: 20/10 */
    cr_assert(strstr(b.data, "SEX_RATIO,2020,_Z,,200.0,"), "%s", b.data);
    /* the values of the suppressed cells appear nowhere as a figure */
    cr_assert_null(strstr(b.data, ",4.00,"));
    cr_assert_null(strstr(b.data, ",80.00,"));   /* 2021 M rate would be 80.00 */
    cr_assert_eq(rows, 9 + 6 + 3 + 3, "rows %zu", rows);   /* rates, changes, trends, sex ratios */
    oc_buf_fini(&b);
    /* a dimension the table lacks, a population column it lacks */
    sp.sex_dim = "GENDER";
    oc_buf_init(&b, 0);
    cr_assert_eq(an_write(t, &sp, &b, &rows, &err), OC_ECONFIG);
    cr_assert(strstr(err.msg, "GENDER"), "%s", err.msg);
    oc_buf_fini(&b);
    sp.sex_dim = "SEX";
    free(pop);
    pop = tu_write_str(dir, "pop.csv", "YEAR,AGE,POPULATION\n2020,A,1\n");
    sp.population = pop;
    oc_buf_init(&b, 0);
    oc_error_clear(&err);
    cr_assert_eq(an_write(t, &sp, &b, &rows, &err), OC_ECONFIG);
    cr_assert(strstr(err.msg, "'AGE' is neither POPULATION nor a dimension"), "%s", err.msg);
    cr_assert_eq(err.line, 1);
    oc_buf_fini(&b);
    free(pop);
    table_free(t);
    tu_rmdir(dir);
}

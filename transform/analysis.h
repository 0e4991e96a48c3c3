/*
 * analysis.h - figures for threat assessments computed from a protected
 * table's PUBLISHED cells only (GSL for the distributions and the fit).
 *
 * Per table, as declared in the pipeline (an_spec):
 *   RATE        count per `per` inhabitants (default 100,000) from a
 *               population file; exact Poisson (Garwood) interval.
 *   CHANGE_PCT  change between consecutive codes of a time dimension (the
 *               cell against the same cell one period before), in percent;
 *               exact interval for the ratio of two Poisson counts (given
 *               their sum, the count is binomial: Clopper-Pearson), scaled
 *               by the populations when there are any.
 *   TREND_PCT   average change per period over all periods: Poisson
 *               log-linear regression (log mu = log population + a + b t,
 *               iteratively reweighted least squares with
 *               gsl_multifit_wlinear), 100 (e^b - 1); Wald interval and
 *               two-sided p-value, the standard error scaled by the
 *               Pearson dispersion when it exceeds 1 (quasi-Poisson:
 *               crime counts vary more than Poisson).  Needs 3 periods.
 *   SEX_RATIO   males per 100 females; interval as for CHANGE_PCT.
 *   SHARE_MINORS  percent of the persons of known age who are minors (the
 *               listed age codes over every code of the age dimension but
 *               _T and _U); Clopper-Pearson interval.
 * A figure is computed only when every cell it uses is published: one that
 * would use a suppressed cell (primary, secondary, or not exact at the
 * source) is written with OBS_STATUS Q and no value, never computed from a
 * hidden value.  A zero denominator or a missing population gives OBS_STATUS
 * M and a comment.  Output: CSV, one row per figure:
 *   MEASURE,<the table's dimensions>,BASE,VALUE,LOWER,UPPER,P_VALUE,OBS_STATUS,COMMENT
 * where a dimension the figure runs over holds _Z, and BASE is the earlier
 * period of a change.  Deterministic (fixed decimals).
 */
#ifndef ANALYSIS_H
#define ANALYSIS_H

#include <stddef.h>

#include "oc_error.h"
#include "oc_mem.h"
#include "table.h"

#define AN_MAX_MINOR 32

typedef struct an_spec {
    const char  *population;   /* CSV path (header: some of the table's dimension ids and
                                * POPULATION), or NULL: no rates */
    double       per;          /* rates per this many inhabitants (default 100000) */
    double       level;        /* confidence level (default 0.95) */
    const char  *time_dim;     /* change and trend over this dimension, or NULL */
    int          change, trend;
    const char  *sex_dim, *male, *female;   /* sex ratio, or sex_dim NULL */
    const char  *age_dim;                    /* share of minors, or NULL */
    const char  *minor[AN_MAX_MINOR];
    size_t       nminor;
} an_spec;

/* Computes the figures of t into out (CSV text), *rows data rows.  Errors:
 * a dimension named by sp that t lacks, a population file that cannot be
 * read or lacks POPULATION or has a column that is not one of t's
 * dimensions (OC_ECONFIG, with the file and line), out of memory. */
OC_NODISCARD oc_status an_write(const oc_table *t, const an_spec *sp, oc_buf *out, size_t *rows, oc_error *err);

/* The building blocks, for tests: exact Poisson interval of a count x,
 * Clopper-Pearson interval of x successes in n, and the Poisson
 * log-linear trend of counts x over times tt with offsets off (NULL: none):
 * slope b and its standard error (0 on success, -1 if it does not fit). */
void an_poisson_ci(double x, double level, double *lo, double *hi);
void an_binomial_ci(double x, double n, double level, double *lo, double *hi);
int  an_trend(const double *x, const double *tt, const double *off, size_t n, double *b, double *se);

#endif

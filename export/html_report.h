/*
 * html_report.h - a release as one self-contained HTML report: inline SVG
 * charts and HTML tables, inline CSS, no script and no external asset, so
 * it reads the same from a file share, a mail attachment or a web server.
 *
 * Per table, the chart that fits its dimensions, drawn from the slice
 * where every other dimension is at its total (_T):
 *   - a population pyramid (males left, females right, by age group) when
 *     it has SEX (codes M and F) and a dimension whose id starts with AGE;
 *   - lines over time when it has a time dimension (YEAR, TIME_PERIOD,
 *     PERIOD, MONTH, QUARTER, or codes that are all numbers), one line per
 *     code of a small second dimension (at most 6 codes) or the total;
 *   - bars by ICCS section (2-digit codes) when it has ICCS;
 *   - otherwise bars by the first dimension's codes;
 * then the table as a cross-tab (as in the workbook; a table of more than
 * HTML_MAX_CELLS cells gets a note pointing to its CSV instead).  A suppressed value
 * is never drawn as a number or as zero: bars become a hatched outline
 * marked [c] (or [u], not exact at the source), a line is broken at the
 * period and the period marked [c] on the axis.  Then the quality profile
 * and the analyses as tables, when the release has them.
 *
 * The markup is well-formed XML (XHTML-compatible) and deterministic.
 */
#ifndef HTML_REPORT_H
#define HTML_REPORT_H

#include <stddef.h>

#include "oc_error.h"
#include "oc_mem.h"
#include "table.h"

#define HTML_MAX_CELLS 50000u

typedef struct html_meta {
    const char        *release;
    const char        *config_sha;
    const char *const *lines;   /* nlines x 2: label, value (sources ...) */
    size_t             nlines;
    const char *const *extra;   /* nextra x 2: heading, CSV text (quality profile, analyses) */
    size_t             nextra;
} html_meta;

/* Appends the report to out.  OC_ENOMEM only. */
OC_NODISCARD oc_status html_write(const oc_table *const *tables, size_t n, const html_meta *m, oc_buf *out);

#endif

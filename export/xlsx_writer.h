/*
 * xlsx_writer.h - a release as one Excel workbook (libxlsxwriter).
 *
 * One sheet per table, named by its id, in a cross-tab layout that reads
 * like a printed table: the last dimension across the columns, the others
 * down the rows (in table order, totals included and labelled "Total"),
 * the title above, the filters and protection rule below it, and a legend
 * under the table.  Published counts are numbers; a suppressed cell is
 * never a number: it shows the symbol "[c]" (confidential, primary or
 * secondary suppression) or "[u]" (not exact: includes a count suppressed
 * at the source): tabw_symbol() in table_writer.h.  A table too wide for a sheet falls back to one row per
 * cell.  Then a sheet "Metadata": the caller's lines (release, sources,
 * configuration hash ...) and, per table, its dataset, filters, protection
 * rules and parameters, suppressed cells and row accounting; and the
 * legend.  Then the caller's further sheets (CSV text as a plain grid).
 *
 * The workbook is deterministic: its document time is `created` (the zip
 * entries take it too), so the same tables give the same bytes.
 */
#ifndef XLSX_WRITER_H
#define XLSX_WRITER_H

#include <stddef.h>
#include <time.h>

#include "oc_error.h"
#include "oc_mem.h"
#include "table.h"

typedef struct xlsx_meta {
    const char        *title;     /* workbook title (the release id) */
    time_t             created;   /* document time; must be > 0 */
    const char *const *lines;     /* nlines x 2: label, value (the Metadata sheet's head) */
    size_t             nlines;
    const char *const *extra;     /* nextra x 2: sheet name, CSV text (header first): further
                                   * sheets after Metadata (the quality profile, the analyses);
                                   * numbers are written as numbers */
    size_t             nextra;
} xlsx_meta;

/* Writes the workbook into *out (its bytes).  Errors: OC_EIO (temporary
 * file, libxlsxwriter), OC_ENOMEM. */
OC_NODISCARD oc_status xlsx_write(const oc_table *const *tables, size_t n, const xlsx_meta *meta, oc_buf *out,
                                  oc_error *err);

#endif

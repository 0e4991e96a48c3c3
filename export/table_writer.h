/*
 * table_writer.h - writes one finished table in the output contract.
 *
 *  - CSV: the dimension ids in `by` order, then OBS_VALUE, OBS_STATUS,
 *    CONF_STATUS; one row per cell; suppressed cells have an empty
 *    OBS_VALUE, OBS_STATUS Q and CONF_STATUS A (primary) or D (secondary).
 *  - SDMX-CSV 1.0: a first column DATAFLOW = AGENCY:ID(VERSION).
 *  - SDMX-CSV 2.0: STRUCTURE=dataflow, STRUCTURE_ID=AGENCY:ID(VERSION),
 *    ACTION=I (information), then as CSV.
 *  - JSON: one object with the table's metadata and its cells.
 * RFC 4180 quoting, UTF-8 without BOM, LF line ends, integers only (no
 * locale).  The writers only write; the caller checks the stream.
 */
#ifndef TABLE_WRITER_H
#define TABLE_WRITER_H

#include <stdio.h>

#include "oc_error.h"
#include "table.h"

typedef enum tabw_format {
    TABW_CSV,
    TABW_SDMX10,
    TABW_SDMX20,
    TABW_JSON
} tabw_format;

typedef struct tabw_options {
    const char *agency;          /* SDMX agency id, e.g. "OCSTAT" */
    const char *version;         /* dataflow version, e.g. "1.0" */
    const char *release;         /* release id for JSON metadata, may be NULL */
} tabw_options;

/* Parses "csv", "sdmx-csv" (= 1.0), "sdmx-csv-1.0", "sdmx-csv-2.0", "json".
 * Returns 0 and *f, or -1. */
int tabw_parse_format(const char *name, tabw_format *f);
const char *tabw_extension(tabw_format f);   /* ".csv", ".sdmx.csv", ".sdmx2.csv", ".json" */

/* Writes t to out; returns the number of data rows written. */
size_t tabw_write(FILE *out, const oc_table *t, tabw_format f, const tabw_options *opt);

/* The sentence every unprotected output carries until secondary
 * suppression is applied. */
extern const char tabw_unprotected_note[];

/* What a reader sees instead of a value that is not published (workbook,
 * report): confidential (primary or secondary suppression), or not exact
 * (includes a count the source suppressed). */
#define TABW_CONFIDENTIAL "[c]"
#define TABW_NOT_EXACT    "[u]"
static inline const char *tabw_symbol(uint8_t status)
{
    return status == CELL_SOURCE ? TABW_NOT_EXACT : TABW_CONFIDENTIAL;
}

/* The sentence on t's protection for readers (workbook, report); symbol:
 * how suppressed cells are shown, e.g. "[c]", or NULL. */
void tabw_protection_note(const oc_table *t, const char *symbol, char *buf, size_t cap);

#endif

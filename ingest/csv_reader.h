/*
 * csv_reader.h - turns bytes into CSV records with exact physical line
 * numbers, on top of libcsv.
 *
 * Push model: bytes go in with csvr_feed() in chunks of any size (or all of
 * a source with csvr_read_source()); each complete record is handed to the
 * row callback.  The records are the same whatever the chunking.
 *
 * Semantics (RFC 4180 with these choices): the delimiter and quote are
 * configurable; fields are taken verbatim (no trimming of spaces); input in
 * another encoding is converted to UTF-8 first (a byte the encoding does
 * not define is an error naming its line); a UTF-8 BOM at the very start is
 * skipped; a given number of lines above the header can be skipped; CRLF and LF end records; blank lines
 * are skipped; a quoted field may hold delimiters, doubled quotes and line
 * breaks; a quote inside an unquoted field, text after a closing quote, and
 * a quote left open at the end of input are errors.  Field length, field
 * count and record length are bounded: exceeding them is an error, never a
 * crash or unbounded growth.
 *
 * Everything reachable from the oc_row handed to the callback is BORROWED
 * and valid only until the callback returns; copy what you keep.  Fields are
 * NOT NUL-terminated: use (ptr, len).
 */
#ifndef CSV_READER_H
#define CSV_READER_H

#include <stddef.h>
#include <stdint.h>

#include "oc_error.h"
#include "oc_row.h"
#include "oc_source.h"

typedef struct csvr_options {
    char   delim;        /* default ',' */
    char   quote;        /* default '"' */
    size_t max_field;    /* bytes; default 65536 */
    size_t max_fields;   /* per record; default 4096 */
    size_t max_record;   /* raw bytes per record; default 1 MiB */
    const char *encoding;   /* NULL or "UTF-8": bytes as they come; else the input's
                             * encoding (iconv name: WINDOWS-1252, ISO-8859-1, ...),
                             * converted to UTF-8 before parsing (borrowed) */
    uint64_t skip_lines;    /* physical lines dropped at the start (metadata above the
                             * header); line numbers still count them */
} csvr_options;

/* Is name an encoding the reader can convert from?  1 yes, 0 no. */
int csvr_encoding_ok(const char *name);

void csvr_options_default(csvr_options *o);

/* Return OC_OK to go on; anything else stops the reader and is returned
 * from csvr_feed/csvr_finish/csvr_read_source. */
typedef oc_status (*oc_row_fn)(void *ctx, const oc_row *row, oc_error *err);

typedef struct csvr csvr;

/* NULL when out of memory.  `path` names the input in errors (borrowed for
 * the reader's lifetime; may be NULL). */
csvr *csvr_new(const csvr_options *opt, const char *path, oc_row_fn on_row, void *ctx);
void  csvr_free(csvr *r);   /* accepts NULL */

OC_NODISCARD oc_status csvr_feed(csvr *r, const void *buf, size_t len, oc_error *err);
/* End of input: delivers a last record without a line end, checks quotes. */
OC_NODISCARD oc_status csvr_finish(csvr *r, oc_error *err);
/* Feed a whole source and finish. */
OC_NODISCARD oc_status csvr_read_source(csvr *r, oc_source *src, oc_error *err);

uint64_t csvr_lines(const csvr *r);     /* physical lines seen so far */
uint64_t csvr_records(const csvr *r);   /* records delivered so far */

#endif

/*
 * lookup.h - a lookup table: a CSV file (plain or gzip) read into memory
 * once and indexed by one of its columns, so a schema can draw columns
 * through it (NIBRS: a victim reaches its offences through
 * NIBRS_VICTIM_OFFENSE by victim_id, then NIBRS_OFFENSE by offense_id).
 *
 * Owns: the kept bytes of the file and the index.  Only the key and the
 * columns asked for are kept, each row's fields packed together (NUL
 * after each), so memory is about the kept bytes plus 12-16 bytes per row.
 * Rows sharing a key are found together, in file order (deterministic).
 *
 * Promises: a field handed out stays valid until lk_free() and has at
 * least OC_ROW_PAD readable bytes after its end (like the CSV reader's).
 * Problems in the file (no such column, a ragged row, a NUL byte, a key
 * repeated where keys must be unique) are configuration errors naming the
 * file and line.
 */
#ifndef LOOKUP_H
#define LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "csv_reader.h"
#include "oc_error.h"
#include "oc_row.h"
#include "oc_sha256.h"

typedef struct lk_table lk_table;

/* Loads path, keyed by column `key`, keeping columns cols[0..ncols-1]
 * (by header name).  unique: a key may appear only once.  opt: delimiter,
 * quote and encoding (NULL: defaults).  sha_hex receives the SHA-256 of
 * the file's bytes as stored. */
OC_NODISCARD oc_status lk_load(const char *path, const char *key, const char *const *cols, size_t ncols,
                               int unique, const csvr_options *opt, lk_table **out,
                               char sha_hex[OC_SHA256_HEX], oc_error *err);
void lk_free(lk_table *t);   /* accepts NULL */

/* The rows whose key is (k, len): returns how many, the first in *first;
 * they are first .. first+n-1.  k needs OC_ROW_PAD readable bytes after. */
size_t lk_find(const lk_table *t, const char *k, size_t len, uint32_t *first);
/* Column c (index into the cols given to lk_load) of row r. */
oc_field lk_field(const lk_table *t, uint32_t r, size_t c);

size_t lk_nrows(const lk_table *t);
size_t lk_nkeys(const lk_table *t);
size_t lk_mem_bytes(const lk_table *t);   /* memory held */

#endif

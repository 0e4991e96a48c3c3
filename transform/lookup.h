/*
 * lookup.h - a lookup table: a CSV file (plain or gzip) read into memory
 * once and indexed by one of its columns, so a schema can draw columns
 * through it (NIBRS: a victim reaches its offences through
 * NIBRS_VICTIM_OFFENSE by victim_id, then NIBRS_OFFENSE by offense_id).
 *
 * Owns: the kept bytes of the file and the index.  Only the key and the
 * columns asked for are kept, each row's fields packed together (each with
 * its length), so memory is about the kept bytes plus 4 bytes per field and
 * 12-20 bytes per row.
 * Rows sharing a key are found together, in file order (deterministic).
 *
 * Promises: a field handed out stays valid until lk_free() and has at
 * least OC_ROW_PAD readable bytes after its end (like the CSV reader's).
 * Problems in the file (no such column, a ragged row, a key repeated
 * where keys must be unique) are configuration errors naming the
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

/* The rows whose key is (k, len): returns how many, the handle of the
 * first in *first; the others are first+1 .. first+n-1.  A handle is
 * never UINT32_MAX.  OC_ROW_PAD bytes after k[len) must be readable, as
 * they are after every field (keys are read a word at a time). */
size_t lk_find(const lk_table *t, const char *k, size_t len, uint32_t *first);
/* Column c (index into the cols given to lk_load) of the row with handle r. */
oc_field lk_field(const lk_table *t, uint32_t r, size_t c);

/* For streaming many keys: the hash of a key, lk_find with it, a prefetch
 * of the key's index slot, and, once it has arrived, the rows of the first
 * key whose hash has h's tag (31 bits) without reading a row: a candidate,
 * whose key the caller compares (lk_has_key). */
uint64_t lk_hash(const char *k, size_t len);
uint64_t lk_hash_padded(const char *k, size_t len);   /* the same; OC_ROW_PAD bytes after k[len) readable */
size_t   lk_find_hashed(const lk_table *t, const char *k, size_t len, uint64_t h, uint32_t *first);
void     lk_prefetch_slot(const lk_table *t, uint64_t h);
size_t   lk_find_tag(const lk_table *t, uint64_t h, uint32_t *first);

/* Is the key of the row with handle r (k, len)?  k padded, as for
 * lk_find.  lk_prefetch_row starts loading row r (for a table with unique
 * keys; for the others, where row r is). */
int  lk_has_key(const lk_table *t, uint32_t r, const char *k, size_t len);
void lk_prefetch_row(const lk_table *t, uint32_t r);

size_t lk_nrows(const lk_table *t);
uint32_t lk_row(const lk_table *t, size_t i);   /* handle of row i (0 .. lk_nrows-1), grouped by key */
size_t lk_nkeys(const lk_table *t);
size_t lk_mem_bytes(const lk_table *t);   /* memory held */

#endif

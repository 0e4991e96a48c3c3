/*
 * ahead.h - lookups resolved ahead of the parser.
 *
 * A join through a lookup larger than the cache costs two memory loads a
 * record (the key's index slot, then its row), each a cache miss.  The
 * source's reading thread (src_open_watched) hands every block of input to
 * ahead_watch before the parser sees it; ahead_watch splits the block into
 * lines, takes each line's key field for every lookup on an input column
 * (split at the delimiter alone), hashes it and loads its index slot,
 * sixteen lines at a time so that the misses overlap, and notes the
 * candidate rows (those of the first key with the hash's tag).  The
 * parser's thread asks ahead_hits for the record that ends at a given
 * input offset, gets the candidates noted for that line, starts loading
 * the rows of the record eight ahead, and compares the key itself.  Each
 * thread has one memory load a record.
 *
 * Owns: the candidates of the blocks in flight (a fixed ring of result
 * arrays of AHEAD_MAX_LINES entries, one for each line with a candidate),
 * and a copy of a line cut by a block's end.
 *
 * Promises: a hint, never a result.  A line with quotes may be split
 * wrongly, a tag may be another key's, a record may not be the line it is
 * matched with: the caller checks that the key of the row it is given is
 * the record's own (schema_recode does) and otherwise looks the key up
 * itself.  A key that the lookup has is never missed on a line split as
 * the reader splits it.  Nothing waits for ahead: ahead_hits returns NULL
 * when it has no answer.  Memory is bounded by AHEAD_NRES arrays of at
 * most AHEAD_MAX_LINES lines each.
 */
#ifndef AHEAD_H
#define AHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"

typedef struct ahead ahead;

/* For the lookups of s on input columns, or NULL if s has none or out of
 * memory (then nothing is resolved ahead). */
ahead *ahead_new(const schema *s);
void ahead_free(ahead *a);   /* accepts NULL; after the source is closed */

/* The parser's thread, once the schema knows the input's fields (header
 * bound): from the next block on, lines are resolved. */
void ahead_start(ahead *a);

/* The source's watcher (src_watch_fn): ctx is the ahead. */
void ahead_watch(void *ctx, const char *p, size_t n, uint64_t off);
/* Blocks the watcher has left unresolved, wholly (not started, or no free
 * array: the parser lags) or in part (lines past AHEAD_MAX_LINES); for
 * tests, in the watcher's thread or once it is done. */
size_t ahead_skipped(const ahead *a);

/* The parser's thread, records in input order: the candidate rows noted
 * for the line that ends at input offset end_off (after its line end), one
 * sch_hit per lookup of the schema (n == 0: none, or not tried), or NULL.
 * Valid until the next call. */
const sch_hit *ahead_hits(ahead *a, uint64_t end_off);

#endif

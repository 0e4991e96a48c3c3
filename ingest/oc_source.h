/*
 * oc_source.h - a byte source: a file, or stdin ("-"), plain or gzip.
 *
 * Gzip is recognised by its magic bytes (1f 8b), never by the file name.
 * Concatenated gzip members are read as one stream.  A stream that ends
 * inside a member is an error naming the byte offset in the compressed
 * input; so is corrupt data.  Optionally the raw (as stored) bytes are
 * hashed with SHA-256 for the release manifest.  Memory is a fixed pair of
 * buffers whatever the input's size.
 */
#ifndef OC_SOURCE_H
#define OC_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "oc_error.h"
#include "oc_sha256.h"

typedef struct oc_source oc_source;

#define OC_SRC_HASH 1u   /* compute SHA-256 of the raw bytes */

/* Opens path ("-" = stdin).  On failure err names the path. */
OC_NODISCARD oc_status src_open(const char *path, unsigned flags, oc_source **out, oc_error *err);
/* The same, with a watcher: a thread of the source reads ahead of the
 * caller and calls watch with each piece of the decoded input before the
 * caller reads it, in order: p[0..n) at decoded offset off, with 64
 * readable bytes after p[n); n == 0 once, at the end of the input (not
 * after an error).  p is valid only during the call.  A watcher may only
 * speed up what the caller does with the bytes: it is never called if
 * the thread cannot start, nor for plain input that is not a regular
 * file (a pipe, a terminal: the thread would wait for whole blocks). */
typedef void (*src_watch_fn)(void *ctx, const char *p, size_t n, uint64_t off);
OC_NODISCARD oc_status src_open_watched(const char *path, unsigned flags, src_watch_fn watch, void *ctx,
                                        oc_source **out, oc_error *err);
/* Reads up to cap decoded bytes into buf; *n == 0 means end of input. */
OC_NODISCARD oc_status src_read(oc_source *s, void *buf, size_t cap, size_t *n, oc_error *err);
void        src_close(oc_source *s);          /* accepts NULL */
/* Stops the source's thread, if any (it stops by itself at the end of
 * the input): after it, the counters below may be read.  Accepts NULL. */
void        src_stop(oc_source *s);

int         src_is_gzip(const oc_source *s);
/* Counters and hash: valid after end of input, or after src_stop. */
uint64_t    src_raw_bytes(const oc_source *s);   /* bytes read from the file so far */
uint64_t    src_bytes(const oc_source *s);       /* decoded bytes delivered so far */
/* After end of input: the SHA-256 of the raw bytes (OC_SRC_HASH only). */
void        src_sha256(oc_source *s, char out[OC_SHA256_HEX]);

#endif

/*
 * release.h - writes a release atomically: every file goes into a
 * temporary sibling folder ("OUT.tmp-PID"), is hashed (SHA-256) and
 * counted, then manifest.json is written and the folder is renamed into
 * place in one step.  A reader sees the old release or the new one, never a
 * mix; a failed run leaves the old release untouched and no temporary
 * folder.  An existing OUT is replaced only if it is empty or holds an
 * ocstat manifest.json (so a mistyped --out cannot swallow a home folder).
 */
#ifndef RELEASE_H
#define RELEASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "oc_error.h"
#include "oc_mem.h"
#include "oc_sha256.h"

typedef struct release release;

OC_NODISCARD oc_status release_begin(const char *out_dir, release **out, oc_error *err);

/* Writes the bytes of buf as file `name` (no slashes) in the release and
 * records it for the manifest with `rows` data rows. */
OC_NODISCARD oc_status release_add_file(release *r, const char *name, const char *buf, size_t len,
                                        uint64_t rows, oc_error *err);

/* Writes manifest.json = `head` (a JSON object's members, without braces,
 * ending without a comma) + the "files" list, then renames into place. */
OC_NODISCARD oc_status release_commit(release *r, const char *head, oc_error *err);

/* Removes the temporary folder and frees r (accepts NULL).  Call after a
 * failure or after commit. */
void release_free(release *r);

/* Writes a file atomically (temp + fsync + rename) with the given mode. */
OC_NODISCARD oc_status oc_write_file_atomic(const char *path, const char *buf, size_t len,
                                            unsigned mode, oc_error *err);

/* JSON string escaping into a buffer. */
OC_NODISCARD oc_status oc_json_str(oc_buf *b, const char *s);

/* One CSV field into a buffer, quoted (RFC 4180) only when it holds a
 * comma, a quote or a line break. */
OC_NODISCARD oc_status oc_csv_str(oc_buf *b, const char *s);

#endif

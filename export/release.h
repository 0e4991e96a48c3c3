/*
 * release.h - owns the output folder of `ocstat run`: its lock, and
 * writing a release into it atomically.
 *
 * Every file goes into a temporary folder, is hashed (SHA-256) and
 * counted, then manifest.json is written and the folder is moved into
 * place in one step.  A reader sees the old release or the new one, never
 * a mix; a failed or killed run leaves the previous release untouched (a
 * killed run's temporary folder is removed by the next run).  Two layouts:
 *   keep = 0   OUT is the release ("OUT.tmp-PID" swapped in with
 *              renameat2 RENAME_EXCHANGE).  An existing OUT is replaced
 *              only if it is empty or holds an ocstat manifest.json, so a
 *              mistyped --out cannot swallow a home folder.
 *   keep >= 1  OUT is a folder of versions: the release goes to
 *              OUT/<id>-<UTC time, YYYYMMDDTHHMMSSZ> (from SOURCE_DATE_EPOCH
 *              when set), the symbolic link OUT/latest is switched to it by
 *              renaming a new link over it, and versions beyond the `keep`
 *              latest are removed.
 * The lock is the file "OUT.lock" next to OUT, held with flock(2) for the
 * whole run, so two runs (cron) never write the same OUT; the kernel drops
 * it when the process ends, however it ends.
 */
#ifndef RELEASE_H
#define RELEASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "oc_error.h"
#include "oc_mem.h"
#include "oc_sha256.h"

typedef struct release release;

/* Takes OUT's lock (*fd, for release_unlock) and removes what killed runs
 * left.  OC_EBUSY, with a message naming the holder's process, when
 * another run holds it. */
OC_NODISCARD oc_status release_lock(const char *out_dir, int *fd, oc_error *err);
void release_unlock(int fd);   /* accepts -1 */

/* id: the release id (names the versions); keep: see above. */
/* SOURCE_DATE_EPOCH when it is set and all digits (reproducible runs):
 * 1 and the time in *t, else 0. */
int release_source_date(time_t *t);

OC_NODISCARD oc_status release_begin(const char *out_dir, const char *id, unsigned keep, release **out,
                                     oc_error *err);

/* Where the release is (after commit: the version's folder). */
const char *release_path(const release *r);

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


#endif

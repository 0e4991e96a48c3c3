/*
 * pass.h - one pass over a dataset: every input of the dataset is read
 * once (ingest/), each record is recoded by the schema and added to every
 * cube (table) that uses the dataset (transform/).  Rejected records are
 * handled by the reject policy: stop at the first (the default), or count
 * them, write them to a rejects file (mode 0600: it holds microdata) and
 * stop only past a limit.  Rows read = counted + filtered + rejected holds
 * for every cube.
 */
#ifndef PASS_H
#define PASS_H

#include <stdint.h>
#include <stdio.h>

#include "cube.h"
#include "oc_sha256.h"
#include "schema.h"

typedef struct reject_policy {
    int      collect;         /* 0: the first reject stops the run */
    int64_t  max_abs;         /* stop when rejects exceed this; -1 = no limit */
    double   max_pct;         /* checked at the end; < 0 = no limit */
    FILE    *out;             /* rejects file stream (temporary name), or NULL */
    const char *path;         /* the rejects file as named by the user; borrowed */
    char    *tmp;             /* owned: its temporary name until closed */
    int      show;            /* reject messages to print on stderr (validate) */
    uint64_t total;           /* rejects so far, all datasets */
    uint64_t read;            /* rows read so far, all datasets */
} reject_policy;

typedef struct pass_input {
    char     *path;           /* owned; as given */
    char      sha256[OC_SHA256_HEX];
    uint64_t  raw_bytes, bytes;
    int       gzip;
    uint64_t  read, rejected;
} pass_input;

typedef struct pass_result {
    uint64_t read, rejected;
    uint64_t by_reason[SCH_R_COUNT_];
    uint64_t total_rows;       /* input rows that are totals (a value mapped to _T): not counted */
    uint64_t total_mismatch;   /* ... whose value is not the sum of their parts (reported on stderr) */
} pass_result;

#define PASS_HASH     1u   /* SHA-256 of every input (for the manifest) */
#define PASS_PROGRESS 2u   /* a progress line on stderr (the caller checks it is a terminal) */

/* Reads every input (paths, "-" = stdin) into the cubes. */
OC_NODISCARD oc_status pass_run(schema *s, cube **cubes, size_t ncubes, pass_input *inputs,
                                size_t ninputs, unsigned flags, reject_policy *pol, pass_result *res,
                                oc_error *err);

/* Opens the rejects file `path` (NULL: none), created 0600 under a
 * temporary name and renamed into place by reject_policy_close(). */
OC_NODISCARD oc_status reject_policy_open(reject_policy *pol, const char *path, oc_error *err);
/* Flushes and renames the rejects file into place (also after a data
 * error: the rejects explain it).  An error is recorded in err only if
 * none is there yet.  Returns err->code. */
oc_status reject_policy_close(reject_policy *pol, oc_error *err);
/* After a system failure: removes the temporary file.  Accepts a closed policy. */
void reject_policy_discard(reject_policy *pol);

/* Checks the percentage limit after all datasets. */
OC_NODISCARD oc_status reject_policy_check(const reject_policy *pol, oc_error *err);

#endif

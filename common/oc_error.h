/*
 * oc_error.h - status codes and the error record every layer fills.
 *
 * Library code (common, ingest, transform, export) never prints and never
 * exits: it returns an oc_status and fills a caller-provided oc_error.  The
 * first error wins: once err->code is set, oc_error_set() and the locate
 * helpers leave the record alone, so the innermost layer's reason and
 * position survive.  Only cli/ turns a record into a message and an exit
 * code (see oc_status_exit()).
 */
#ifndef OC_ERROR_H
#define OC_ERROR_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define OC_NODISCARD __attribute__((warn_unused_result))
#define OC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define OC_NODISCARD
#define OC_PRINTF(f, a)
#endif

typedef enum oc_status {
    OC_OK = 0,
    OC_EDATA,    /* bad input data: parse error, reject, limit        -> exit 1 */
    OC_ECONFIG,  /* bad configuration: YAML, schema, code list        -> exit 1 */
    OC_EAUDIT,   /* a protected table fails its audit                 -> exit 1 */
    OC_EUSAGE,   /* bad command line                                  -> exit 2 */
    OC_EIO,      /* system: open, read, write, rename                 -> exit 3 */
    OC_ENOMEM,   /* system: out of memory                             -> exit 3 */
    OC_EBUSY     /* another run holds the output's lock               -> exit 4 */
} oc_status;

typedef struct oc_error {
    oc_status code;
    int       sys_errno;   /* errno captured for OC_EIO, else 0 */
    char      path[512];   /* file as named by the user; "-" is stdin; "" if none */
    uint64_t  line;        /* 1-based physical line; 0 = unknown */
    uint64_t  col;         /* 1-based column within the line (config files); 0 = unknown */
    char      column[128]; /* schema column name, "" if none */
    char      msg[512];    /* lower-case reason, no trailing period or newline */
} oc_error;

void oc_error_clear(oc_error *err);

/* Set code and message unless an error is already recorded; returns the
 * recorded code (so callers can `return oc_error_set(...)`). */
oc_status oc_error_set(oc_error *err, oc_status code, const char *fmt, ...) OC_PRINTF(3, 4);
/* oc_error_set for a failed system call: appends strerror(errno). */
oc_status oc_error_sys(oc_error *err, const char *fmt, ...) OC_PRINTF(2, 3);
/* Fill position fields that are still empty (never overwrites). */
void oc_error_at(oc_error *err, const char *path, uint64_t line, uint64_t col);
void oc_error_column(oc_error *err, const char *column);

/* Exit code contract: 0 ok, 1 data/config/audit, 2 usage, 3 system. */
int oc_status_exit(oc_status s);

/* Format the GNU-style message without the program name:
 * "FILE:LINE: COLUMN: reason" (parts that are empty are left out). */
void oc_error_format(const oc_error *err, char *out, size_t cap);

#endif

/*
 * oc_row.h - the record view that passes from the CSV reader (ingest/) to
 * the schema mapping (transform/).
 *
 * Everything reachable from an oc_row is BORROWED and valid only until the
 * callback that received it returns; copy what you keep.  Fields are not
 * NUL-terminated: use (ptr, len).  At least OC_ROW_PAD bytes after the end
 * of every field are readable (their content is unspecified), so short
 * fields can be loaded in one word.
 */
#ifndef OC_ROW_H
#define OC_ROW_H

#include <stddef.h>
#include <stdint.h>

#define OC_ROW_PAD 8

typedef struct oc_field {
    const char *ptr;
    size_t      len;
} oc_field;

typedef struct oc_row {
    const oc_field *fields;
    size_t          nfields;
    uint64_t        line;     /* 1-based physical line on which the record starts */
    uint64_t        record;   /* 1-based record number (a header is record 1) */
    const char     *raw;      /* the record's bytes as read, without the final line end */
    size_t          raw_len;
    /* For matching a record with its line as read ahead (ahead.h; results
     * must never depend on it): the input offset just after the record's
     * line end when the record is one physical line, else 0. */
    uint64_t        end_off;
} oc_row;

#endif

/*
 * oc_yaml.h - a small YAML document tree on top of libyaml, for the schema
 * and pipeline files.
 *
 * A document is loaded whole (config files are small) into nodes that keep
 * their 1-based line and column, so configuration errors can name
 * file:line:column.  Aliases and multiple documents are refused; duplicate
 * map keys are an error.  The tree owns all its strings; free the root with
 * oc_ynode_free().
 */
#ifndef OC_YAML_H
#define OC_YAML_H

#include <stddef.h>
#include <stdint.h>

#include "oc_error.h"

typedef enum oc_ykind { OC_YSCALAR, OC_YMAP, OC_YSEQ } oc_ykind;

typedef struct oc_ynode {
    oc_ykind          kind;
    char             *str;    /* scalar text, owned, NUL-terminated */
    size_t            len;
    int               plain;  /* scalar written without quotes */
    uint64_t          line, col;  /* 1-based */
    size_t            n;      /* map: pairs; seq: items */
    struct oc_ynode **keys;   /* map keys (scalars) */
    struct oc_ynode **vals;   /* map values or seq items */
} oc_ynode;

/* Parse buf[0..len) named `name` (for messages). */
OC_NODISCARD oc_status oc_yaml_parse(const char *buf, size_t len, const char *name,
                                     oc_ynode **root, oc_error *err);
void oc_ynode_free(oc_ynode *n);   /* accepts NULL */

/* Map lookup by key; NULL if absent or m is not a map. */
const oc_ynode *oc_ymap_get(const oc_ynode *m, const char *key);
/* A plain scalar "null", "~" or "" (or an absent node) means null. */
int oc_ynode_is_null(const oc_ynode *n);

/* Helpers that fill err with name:line:col on failure. */
OC_NODISCARD oc_status oc_yexpect(const oc_ynode *n, oc_ykind kind, const char *name,
                                  const char *what, oc_error *err);
/* Every key of map m must be in the NULL-terminated list `allowed`. */
OC_NODISCARD oc_status oc_ycheck_keys(const oc_ynode *m, const char *const *allowed,
                                      const char *name, oc_error *err);
OC_NODISCARD oc_status oc_yint(const oc_ynode *n, const char *name, int64_t *out, oc_error *err);
OC_NODISCARD oc_status oc_ybool(const oc_ynode *n, const char *name, int *out, oc_error *err);
/* Set err with the node's position. */
oc_status oc_yerror(oc_error *err, const oc_ynode *n, const char *name, oc_status code,
                    const char *fmt, ...) OC_PRINTF(5, 6);

#endif

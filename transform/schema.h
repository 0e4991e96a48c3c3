/*
 * schema.h - a dataset schema (YAML, see DESIGN.md) and the recoding of one
 * input record into small integer codes.
 *
 * Loading reads the YAML file and every code list or band file it names
 * (paths relative to the schema) and checks them: configuration errors name
 * file:line:column.  The schema owns everything it loads; free it with
 * schema_free().
 *
 * Recoding: schema_bind_header() matches header names to columns;
 * schema_recode() turns one record into one code per dimension (plus the
 * record's weight), or explains in err why the record is rejected, naming
 * the column, with a stable reason key (see schema_reason_name()).
 *
 * Lookups: a schema may declare lookup tables (lookup.h) and draw columns
 * through them, also along a chain.  A lookup matched by several rows
 * either counts the record once per match (match: each; one such lookup
 * per schema) or once, by its principal match: the one whose rank column
 * has the best (lowest) rank in its code list.  So one input record may
 * give several coded records; schema_recode() returns them all, or rejects
 * the record as a whole.
 *
 * Dimension codes are small integers.  For closed lists (a map, a code list,
 * bands) the index is the output order.  Open dimensions ("values as they
 * come") number codes in order of first sight; dim_sorted_order() gives the
 * output order (sorted) once the pass is over.
 */
#ifndef SCHEMA_H
#define SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "lookup.h"
#include "oc_error.h"
#include "oc_mem.h"
#include "oc_row.h"

#define SCH_MAX_DIMS 64          /* dimensions per schema */
#define SCH_CODE_U  "_U"
/* In a record's weight: the count was suppressed at the source ("<5"), so
 * its value is unknown and every cell it falls in is not exact. */
#define SCH_WEIGHT_SUPPRESSED (UINT64_C(1) << 63)
/* A code index meaning "total": the input row is itself a total along this
 * dimension (a map or code list sends a value such as "Total" to _T).
 * Such rows are not counted; they are checked against their parts. */
#define SCH_CODE_TOTAL (UINT32_MAX - 1)
#define SCH_MAX_TOTAL_DIMS 8   /* dimensions with total rows (a row adds to 2^n totals) */

typedef enum sch_coltype { SCH_INTEGER, SCH_CODE, SCH_DATE } sch_coltype;

/* Why a record was rejected; stable keys used in reports. */
typedef enum sch_reason {
    SCH_R_NONE = 0,
    SCH_R_FIELD_COUNT,     /* "field_count" */
    SCH_R_UNKNOWN_CODE,    /* "unknown_code" */
    SCH_R_NOT_INTEGER,     /* "not_integer" */
    SCH_R_OUT_OF_RANGE,    /* "out_of_range" */
    SCH_R_NO_BAND,         /* "no_band" */
    SCH_R_BAD_COUNT,       /* "bad_count" */
    SCH_R_NOT_HIERARCHY,   /* "not_in_hierarchy" */
    SCH_R_TOO_MANY_CODES,  /* "too_many_codes" */
    SCH_R_BAD_DATE,        /* "invalid_date" */
    SCH_R_NO_MATCH,        /* "no_match": a lookup has no row with the key */
    SCH_R_COUNT_
} sch_reason;
const char *schema_reason_name(sch_reason r);

typedef struct sch_column {
    char       *name;       /* owned */
    sch_coltype type;
    int         field;      /* 0-based input field, -1 until bound */
    /* integer; date: the value is YYYYMMDD */
    int64_t     min, max;   /* INT64_MIN / INT64_MAX when not set */
    char       *date_fmt;   /* date: owned format (%Y %m %d %H %M %S %%, other bytes literal) */
    int64_t     top_coded;  /* integer: this value means "this and over" (INT64_MAX: none) */
    oc_strmap  *missing;    /* tokens meaning "missing" (owned; may be NULL) */
    oc_strmap  *tokens;     /* special tokens -> index into token_vals (owned; may be NULL) */
    int64_t    *token_vals; /* owned */
    /* code */
    oc_strmap  *map;        /* input value -> code index (owned); NULL when open */
    oc_strmap  *codes;      /* code index -> code text, in order (owned) */
    char      **labels;     /* per code index, owned, may hold NULL; size = ncodes (closed) */
    uint32_t   *rank;       /* per code index: the code list's rank column (owned; NULL: list order) */
    int         open;       /* values as they come */
    int         has_total;  /* some value maps to _T (SCH_CODE_TOTAL) */
    uint32_t    max_open;   /* bound on distinct values of an open column */
    int         tok_numeric;/* some missing/special token is itself an integer */
    int         lookup;     /* drawn through this lookup (index), or -1: the input */
    char       *src_name;   /* owned: the lookup file's column (default: name) */
    size_t      lk_col;     /* its index among the lookup's kept columns */
    /* per-record scratch, filled by schema_recode() */
    oc_field    cur_f;      /* the value of the current record (borrowed) */
    int         cur_missing;
    int64_t     cur_val;
    uint32_t    cur_idx;
} sch_column;

typedef enum sch_dimkind { DIM_CODE, DIM_BANDS, DIM_INT, DIM_DATE } sch_dimkind;

typedef struct sch_dim {
    char       *id;         /* owned */
    int         col;        /* index into schema columns */
    sch_dimkind kind;
    int         iccs;       /* hierarchy: iccs */
    int         part;       /* DIM_DATE: 0 year (2021), 1 quarter (2021-Q1), 2 month (2021-01) */
    /* bands */
    size_t      nbands;
    int64_t    *lo, *hi;    /* owned; hi == INT64_MAX: open-ended */
    int64_t     fast_lo;    /* lookup table for lo <= v < lo + nfast */
    uint32_t   *fast;       /* owned */
    size_t      nfast;
    /* codes of the dimension (bands + "_U", or integer values seen, or the
     * column's codes); owned */
    oc_strmap  *codes;
    char      **labels;     /* owned, per code; NULL entries allowed */
    size_t      nlabels;
    uint32_t    u_code;     /* bands: index of "_U" (the column has missing tokens); else UINT32_MAX */
    int         open;       /* codes are discovered during the pass */
    /* DIM_INT: value -> code index for lo <= v < lo + n (UINT32_MAX: unseen) */
    uint32_t   *int_idx;    /* owned */
    int64_t     int_lo;
    size_t      int_n;
} sch_dim;

typedef enum sch_match { SCH_MATCH_ONE, SCH_MATCH_EACH, SCH_MATCH_PRINCIPAL } sch_match;

/* The rows of a lookup found for a key: n of them from handle first (n 0:
 * none found, or not looked for). */
typedef struct sch_hit {
    uint32_t first, n;
} sch_hit;

typedef struct sch_lookup {
    char       *id;         /* owned */
    char       *path;       /* owned: the file, relative to the schema resolved */
    char       *key;        /* owned: the key column of the file */
    char       *on;         /* owned: the input column, or the column of lookup `parent` */
    char       *rank_name;  /* owned: principal: the rank column's name */
    char        delim, quote;
    char       *encoding;   /* owned; NULL: UTF-8 */
    int         parent;     /* -1: on names an input column */
    int         on_field;   /* parent -1: input field, bound with the header */
    size_t      on_col;     /* parent >= 0: index among the parent's kept columns */
    sch_match   match;
    int         rank_col;   /* principal: the schema column that ranks the matches */
    size_t      nrank_path; /* principal: the lookups below this one that lead to rank_col (in order) */
    int        *rank_path;  /* owned: their indices */
    int         unmatched_empty; /* no match: columns read empty (else reject no_match) */
    char      **keep;       /* owned: the file's columns to keep */
    size_t      nkeep;
    lk_table   *tab;        /* owned */
    uint32_t    cur;        /* per record: matched row, or UINT32_MAX: none */
} sch_lookup;

typedef struct schema {
    char       *path;       /* owned; as given */
    char       *dataset;    /* owned */
    char        delim, quote;
    int         header;
    char       *encoding;   /* owned: the input's encoding (iconv name), NULL = UTF-8 */
    uint64_t    skip;       /* lines above the header to drop */
    int         count_col;  /* column index of the count, or -1 */
    char       *count_name; /* owned */
    char        count_thousands; /* thousands separator in counts ("1,282"), 0: none */
    oc_strmap  *count_suppressed; /* owned: markers of counts suppressed at the source ("<5"), or NULL */
    int         count_field;/* input field of the count */
    size_t      ncols;
    sch_column *cols;       /* owned */
    int        *col_order;  /* owned: ncols column indices, those read from the input
                             * (ndirect) before those drawn through lookups */
    size_t      ndirect;
    size_t      ndims;
    sch_dim    *dims;       /* owned */
    size_t      nfields;    /* expected fields per record, from the header */
    size_t      ntotal_dims;   /* dimensions whose column maps a value to _T (total rows) */
    int         total_dims[SCH_MAX_TOTAL_DIMS];
    size_t      nlookups;
    sch_lookup *lookups;    /* owned; a parent comes before its children */
    int         each;       /* index of the match: each lookup, or -1 */
    const sch_hit *hint;    /* borrowed, may be NULL: for the record about to be recoded, per
                             * lookup, rows found for the key read from its raw line (ahead.h);
                             * used only if the first row's key is the record's */
    uint32_t   *out;        /* owned: coded records of the current input record */
    size_t      out_cap;    /* in records */
    uint32_t   *combo;      /* owned: the lookups' rows of each coded record */
    size_t      combo_n, combo_cap;
    char        sha256[65]; /* of the YAML and every file it loaded, in order */
} schema;

OC_NODISCARD oc_status schema_load(const char *path, schema **out, oc_error *err);
void schema_free(schema *s);   /* accepts NULL */

int  schema_dim_index(const schema *s, const char *id);     /* -1 if absent */

/* The header record: every column must be present (by name). */
OC_NODISCARD oc_status schema_bind_header(schema *s, const oc_row *row, oc_error *err);
/* Without a header: columns must give `field:`; nfields from the schema. */

/* Recode one data record into *n coded records (n >= 1; more only through
 * a match: each lookup): (*codes)[k * ndims + d] is record k's code index
 * in dimension d (borrowed, valid until the next call); *weight the
 * record's count (1 without a count column), the same for each.  On
 * reject, returns OC_EDATA, sets *reason and fills err (column and
 * reason); none of the coded records counts then. */
OC_NODISCARD oc_status schema_recode(schema *s, const oc_row *row, const uint32_t **codes, size_t *n,
                                     uint64_t *weight, sch_reason *reason, oc_error *err);

/* Field k (0-based) of a raw line p[0..len) split at delim alone (a
 * quoted line may be split wrongly): 1, or 0 if it has fewer fields. */
int schema_line_field(char delim, const char *p, size_t len, size_t k, oc_field *f);

/* Is resolving lookups ahead worth a thread (ahead.h): is a lookup on an
 * input column larger than the cache? */
int  schema_ahead_pays(const schema *s);

size_t      dim_ncodes(const sch_dim *d);
const char *dim_code(const sch_dim *d, uint32_t i, size_t *len);  /* borrowed */
const char *dim_label(const sch_dim *d, uint32_t i);              /* borrowed, may be NULL */
/* Output order of the codes: perm[k] = code index at position k.  Closed
 * dimensions keep their order; open ones sort (integers numerically).
 * perm must hold dim_ncodes(d) entries. */
void        dim_output_order(const sch_dim *d, uint32_t *perm);
/* Looks up code text; returns 1 and *idx when known. */
int         dim_find(const sch_dim *d, const char *code, size_t len, uint32_t *idx);

/* ICCS parent of a code: length 6->5, 5->4, 4->2, 2-> none.  Returns the
 * parent's length, or 0 for a section (or a code that is not ICCS-shaped). */
size_t iccs_parent_len(const char *code, size_t len);
int    iccs_valid(const char *code, size_t len);

#endif

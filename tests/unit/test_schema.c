/* Unit tests for transform/schema: loading, configuration errors with
 * positions, and recoding of records. */
#include "test_util.h"

#include <criterion/criterion.h>
#include <string.h>

#include "lookup.h"
#include "schema.h"

static char *dir;

static void setup(void) { dir = tu_tmpdir(); }
static void teardown(void) { tu_rmdir(dir); }

static oc_status load(const char *yaml, schema **s, oc_error *err)
{
    char *p = tu_write_str(dir, "s.yaml", yaml);
    oc_status st;
    oc_error_clear(err);
    st = schema_load(p, s, err);
    free(p);
    return st;
}

/* schema_recode() for a schema without lookups: one coded record. */
static oc_status recode1(schema *s, const oc_row *r, uint32_t *codes, uint64_t *w, sch_reason *why, oc_error *err)
{
    const uint32_t *out;
    size_t n = 0;
    oc_status st = schema_recode(s, r, &out, &n, w, why, err);
    if (st == OC_OK) {
        cr_assert_eq(n, 1);
        memcpy(codes, out, s->ndims * sizeof *codes);
    }
    return st;
}

static oc_row mkrow(oc_field *f, size_t n, const char *const *v)
{
    oc_row r;
    size_t i;
    for (i = 0; i < n; i++) {
        f[i].ptr = v[i];
        f[i].len = strlen(v[i]);
    }
    memset(&r, 0, sizeof r);
    r.fields = f;
    r.nfields = n;
    r.line = 1;
    r.record = 1;
    return r;
}

static const char base[] =
    "dataset: d\n"
    "columns:\n"
    "  sex: {type: code, map: {M: M, F: F, X: _O, \"\": _U}}\n"
    "  age: {type: integer, min: 0, max: 120, missing: [\"\", \"00\", unknown], tokens: {NB: 0}}\n"
    "  region: {type: code}\n"
    "dimensions:\n"
    "  SEX: {from: sex}\n"
    "  AGE: {from: age, bands: bands.csv}\n"
    "  REGION: {from: region}\n"
    "  YEARS: {from: age}\n";

TestSuite(schema, .init = setup, .fini = teardown);

Test(schema, recodes_codes_bands_tokens_and_missing)
{
    schema *s;
    oc_error err;
    oc_field f[8];
    uint32_t codes[8];
    uint64_t w;
    sch_reason why;
    /* a line with padding: the row values below are string literals, which
     * are followed by other literals; use buffers with slack instead */
    static char v[6][16];
    const char *hdr[] = {"region", "age", "sex"};
    const char *vals[3];
    oc_row r;
    free(tu_write_str(dir, "bands.csv", "code,lo,hi,label\nY0T14,0,14,\nY15T29,15,29,\nY_GE30,30,,30+\n"));
    cr_assert_eq(load(base, &s, &err), OC_OK, "%s", err.msg);
    r = mkrow(f, 3, hdr);
    cr_assert_eq(schema_bind_header(s, &r, &err), OC_OK);
    strcpy(v[0], "R1");
    strcpy(v[1], "NB");
    strcpy(v[2], "F");
    vals[0] = v[0]; vals[1] = v[1]; vals[2] = v[2];
    r = mkrow(f, 3, vals);
    cr_assert_eq(recode1(s, &r, codes, &w, &why, &err), OC_OK, "%s", err.msg);
    cr_assert_eq(w, 1);
    cr_assert_str_eq(dim_code(&s->dims[0], codes[0], NULL), "F");
    cr_assert_str_eq(dim_code(&s->dims[1], codes[1], NULL), "Y0T14");
    cr_assert_str_eq(dim_code(&s->dims[2], codes[2], NULL), "R1");
    cr_assert_str_eq(dim_code(&s->dims[3], codes[3], NULL), "0");
    strcpy(v[1], "00");          /* a missing token that also looks like a number */
    strcpy(v[2], "");
    r = mkrow(f, 3, vals);
    cr_assert_eq(recode1(s, &r, codes, &w, &why, &err), OC_OK, "%s", err.msg);
    cr_assert_str_eq(dim_code(&s->dims[0], codes[0], NULL), "_U");
    cr_assert_str_eq(dim_code(&s->dims[1], codes[1], NULL), "_U");
    cr_assert_str_eq(dim_code(&s->dims[3], codes[3], NULL), "_U");
    strcpy(v[1], "120");
    r = mkrow(f, 3, vals);
    cr_assert_eq(recode1(s, &r, codes, &w, &why, &err), OC_OK, "%s", err.msg);
    cr_assert_str_eq(dim_code(&s->dims[1], codes[1], NULL), "Y_GE30");
    strcpy(v[1], "121");
    r = mkrow(f, 3, vals);
    cr_assert_eq(recode1(s, &r, codes, &w, &why, &err), OC_EDATA);
    cr_assert_eq(why, SCH_R_OUT_OF_RANGE);
    cr_assert_str_eq(err.column, "age");
    cr_assert_str_eq(err.msg, "out of range [0, 120] '121'");
    oc_error_clear(&err);
    strcpy(v[1], "4o");
    r = mkrow(f, 3, vals);
    cr_assert_eq(recode1(s, &r, codes, &w, &why, &err), OC_EDATA);
    cr_assert_eq(why, SCH_R_NOT_INTEGER);
    cr_assert_str_eq(err.msg, "invalid integer '4o'");
    oc_error_clear(&err);
    strcpy(v[1], "7");
    strcpy(v[2], "Q");
    r = mkrow(f, 3, vals);
    cr_assert_eq(recode1(s, &r, codes, &w, &why, &err), OC_EDATA);
    cr_assert_eq(why, SCH_R_UNKNOWN_CODE);
    cr_assert_str_eq(err.column, "sex");
    cr_assert_str_eq(err.msg, "unknown code 'Q'");
    oc_error_clear(&err);
    r = mkrow(f, 2, vals);
    cr_assert_eq(recode1(s, &r, codes, &w, &why, &err), OC_EDATA);
    cr_assert_eq(why, SCH_R_FIELD_COUNT);
    cr_assert_str_eq(err.msg, "expected 3 fields, got 2");
    schema_free(s);
}

Test(schema, header_must_hold_every_column)
{
    schema *s;
    oc_error err;
    oc_field f[4];
    const char *hdr[] = {"sex", "region", "other"};
    oc_row r;
    free(tu_write_str(dir, "bands.csv", "code,lo,hi\nA,0,\n"));
    cr_assert_eq(load(base, &s, &err), OC_OK, "%s", err.msg);
    r = mkrow(f, 3, hdr);
    cr_assert_eq(schema_bind_header(s, &r, &err), OC_EDATA);
    cr_assert_str_eq(err.column, "age");
    cr_assert_str_eq(err.msg, "column required by the schema is missing from the header");
    schema_free(s);
}

static void expect_config_error(const char *yaml, const char *bands, const char *file_suffix, uint64_t line,
                                uint64_t col, const char *msg)
{
    schema *s = NULL;
    oc_error err;
    size_t n = strlen(err.path);
    if (bands)
        free(tu_write_str(dir, "bands.csv", bands));
    cr_assert_eq(load(yaml, &s, &err), OC_ECONFIG, "expected a configuration error: %s", msg);
    n = strlen(err.path);
    cr_assert(n >= strlen(file_suffix) && strcmp(err.path + n - strlen(file_suffix), file_suffix) == 0,
              "path %s", err.path);
    cr_assert_eq(err.line, line, "line %llu for %s", (unsigned long long)err.line, err.msg);
    cr_assert_eq(err.col, col, "col %llu for %s", (unsigned long long)err.col, err.msg);
    cr_assert(strstr(err.msg, msg) != NULL, "got '%s', want '%s'", err.msg, msg);
    cr_assert_null(s);
}

Test(schema, configuration_errors_name_file_line_column)
{
    expect_config_error("dataset: d\ncolumns:\n  a: {type: code, mapp: {}}\n", NULL, "s.yaml", 3, 19,
                        "unknown key 'mapp'");
    expect_config_error("dataset: d\ncolumns:\n  a: {type: float}\n", NULL, "s.yaml", 3, 13,
                        "unknown column type 'float'");
    expect_config_error("dataset: d\ncolumns: [\n", NULL, "s.yaml", 3, 1, "invalid YAML");
    expect_config_error("dataset: d\ncolumns:\n  a: {type: code}\ndimensions:\n  A: {from: b}\n", NULL, "s.yaml",
                        5, 13, "no column named 'b'");
    expect_config_error("dataset: d\ncolumns:\n  a: {type: integer}\ndimensions:\n  A: {from: a, bands: bands.csv}\n",
                        "code,lo,hi\nX,0,10\nY,10,20\n", "bands.csv", 3, 0, "overlaps");
    expect_config_error("dataset: d\ncolumns:\n  a: {type: integer}\ndimensions:\n  A: {from: a, bands: bands.csv}\n",
                        "code,lo,hi\nX,0,10\nY,12,20\n", "bands.csv", 3, 0, "gap between bands: no band holds 11..11");
    expect_config_error("dataset: d\ncolumns:\n  a: {type: integer, min: 0, max: 99}\ndimensions:\n"
                        "  A: {from: a, bands: bands.csv}\n",
                        "code,lo,hi\nX,0,10\nY,11,20\n", "bands.csv", 3, 0, "bands end at 20");
    expect_config_error("dataset: d\ncolumns:\n  a: {type: code, codelist: nope.csv}\n", NULL, "nope.csv", 0, 0,
                        "cannot open");
    expect_config_error("dataset: d\ncolumns:\n  a: {type: code}\n  a: {type: code}\n", NULL, "s.yaml", 4, 3,
                        "duplicate key 'a'");
    expect_config_error("dataset: d\ncolumns:\n  a: &x {type: code}\n  b: *x\n", NULL, "s.yaml", 4, 6,
                        "aliases are not supported");
}

Test(schema, code_list_maps_and_orders_targets)
{
    schema *s;
    oc_error err;
    free(tu_write_str(dir, "nat.csv", "from,to,label\nTHEFT,0502,Theft\nBURG,0501,Burglary\nPICK,0502,\n"));
    cr_assert_eq(load("dataset: d\ncolumns:\n  o: {type: code, codelist: nat.csv}\n"
                      "dimensions:\n  ICCS: {from: o, hierarchy: iccs}\n", &s, &err), OC_OK, "%s", err.msg);
    cr_assert_eq(dim_ncodes(&s->dims[0]), 2);
    cr_assert_str_eq(dim_code(&s->dims[0], 0, NULL), "0502");
    cr_assert_str_eq(dim_label(&s->dims[0], 0), "Theft");
    cr_assert_str_eq(dim_code(&s->dims[0], 1, NULL), "0501");
    schema_free(s);
    free(tu_write_str(dir, "bad.csv", "from,to\nA,01\nB,1x\n"));
    cr_assert_eq(load("dataset: d\ncolumns:\n  o: {type: code, codelist: bad.csv}\n"
                      "dimensions:\n  ICCS: {from: o, hierarchy: iccs}\n", &s, &err), OC_ECONFIG);
    cr_assert(strstr(err.msg, "not an ICCS code") != NULL, "%s", err.msg);
}

Test(schema, iccs_parents)
{
    cr_assert_eq(iccs_parent_len("020221", 6), 5);
    cr_assert_eq(iccs_parent_len("02022", 5), 4);
    cr_assert_eq(iccs_parent_len("0202", 4), 2);
    cr_assert_eq(iccs_parent_len("02", 2), 0);
    cr_assert_eq(iccs_valid("020", 3), 0);
    cr_assert_eq(iccs_valid("02a1", 4), 0);
}

/* The watcher (ahead.h) finds a record's key in its raw line exactly where
 * the reader's fast path would split it: every field of each line, fields
 * longer than a word and across a sixteen-byte boundary, empty fields, a
 * line too short to have the field. */
Test(schema, line_field_splits_at_the_delimiter)
{
    static const char *const lines[] = {
        "k1,x,y",  "a,1234567890123,z",          "a,,z",         "0123456789abcdefghij,key-longer-than-8,",
        "a,b",     "a,b,key,d,e,f,g,h,i,j,k,l", "a",            ",,,",
        /* fields before, across and after a sixteen-byte boundary */
        "0123456789abcde,key,z", "0123456789abcdef,key,z", "0123456789abcdefghijklmnopqrstuvwxyz0123,k,z",
        "a,0123456789abcdefghijklmnopqrstuvwxyz", "a,0123456789abcd", "a,0123456789abc,", ",,,,,,,,,,,,,,,,,,,",
    };
    schema *s;
    oc_error err;
    size_t i, k;
    cr_assert_eq(load("dataset: t\n"
                      "columns:\n"
                      "  sex: {type: code, map: {F: F}}\n"
                      "dimensions:\n"
                      "  SEX: {from: sex}\n",
                      &s, &err),
                 OC_OK, "%s", err.msg);
    for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
        for (k = 0; k < 14; k++) {
            char line[128];
            const char *p, *a, *b;
            size_t n = 0;
            oc_field f = {NULL, 0};
            int got;
            memset(line, ',', sizeof line);   /* delimiters past the end must not count */
            memcpy(line, lines[i], strlen(lines[i]));
            /* field k by hand */
            for (a = lines[i]; n < k && (a = strchr(a, ',')) != NULL; n++)
                a++;
            got = schema_line_field(s->delim, line, strlen(lines[i]), k, &f);
            if (!a) {
                cr_assert_eq(got, 0, "line '%s' field %zu", lines[i], k);
                continue;
            }
            b = strchr(a, ',');
            p = line + (a - lines[i]);
            cr_assert_eq(got, 1, "line '%s' field %zu", lines[i], k);
            cr_assert(f.ptr == p && f.len == (b ? (size_t)(b - a) : strlen(a)), "line '%s' field %zu: '%.*s'",
                      lines[i], k, (int)f.len, f.ptr);
        }
    schema_free(s);
}

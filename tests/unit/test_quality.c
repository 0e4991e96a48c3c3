/* Unit tests for transform/quality: shares of unknowns per group, the
 * flag, rounding, small groups withheld, rejects by reason. */
#include "test_util.h"

#include <criterion/criterion.h>
#include <string.h>

#include "quality.h"

/* G (_T, a, b) x SEX (_T, F, M, _U) */
static oc_table *g_sex(void)
{
    static const char *const g[] = {"_T", "a", "b"}, *const sx[] = {"_T", "F", "M", "_U"};
    static const uint64_t v[] = {400, 180, 180, 40, 251, 110, 110, 31, 149, 70, 70, 9};
    oc_table *t = oc_calloc(1, sizeof *t);
    size_t i, n[2] = {3, 4};
    t->id = oc_strdup("QUALITY");
    t->ndims = 2;
    t->dims = oc_calloc(2, sizeof *t->dims);
    t->dims[0].id = oc_strdup("G");
    t->dims[1].id = oc_strdup("SEX");
    for (i = 0; i < 2; i++) {
        t->dims[i].n = n[i];
        t->dims[i].codes = oc_calloc(n[i], sizeof(char *));
        t->dims[i].labels = oc_calloc(n[i], sizeof(char *));
    }
    for (i = 0; i < 3; i++)
        t->dims[0].codes[i] = oc_strdup(g[i]);
    for (i = 0; i < 4; i++)
        t->dims[1].codes[i] = oc_strdup(sx[i]);
    t->ncells = 12;
    t->value = oc_calloc(12, sizeof *t->value);
    t->status = oc_calloc(12, 1);
    memcpy(t->value, v, sizeof v);
    t->totals = 1;
    return t;
}

Test(quality, shares_flags_small_groups_and_rejects)
{
    oc_table *t = g_sex();
    uint64_t reasons[SCH_R_COUNT_] = {0};
    dq_spec sp;
    oc_buf b;
    size_t rows;
    memset(&sp, 0, sizeof sp);
    sp.dataset = "victims";
    sp.ngroup = 1;
    sp.max_unknown = 10;
    sp.min_records = 0;   /* raised to DQ_MIN_RECORDS */
    sp.rows_read = 410;
    reasons[SCH_R_UNKNOWN_CODE] = 10;
    sp.by_reason = reasons;
    oc_buf_init(&b, 0);
    cr_assert_eq(dq_write(t, &sp, &b, &rows), OC_OK);
    cr_assert_str_eq(b.data, "DATASET,GROUP,RECORDS,MEASURE,PCT,FLAG,OBS_STATUS\n"
                             "victims,_T,400,UNKNOWN:SEX,10,,A\n"            /* 40/400 = 10 %: not above */
                             "victims,G=a,250,UNKNOWN:SEX,12,HIGH_UNKNOWN,A\n" /* 31/251, 251 -> 250 */
                             "victims,G=b,,UNKNOWN:SEX,,,Q\n"                  /* 149 records < 200 */
                             "victims,_T,410,REJECTED:unknown_code,2.4,,A\n");
    cr_assert_eq(rows, 4);
    oc_buf_fini(&b);
    table_free(t);
}

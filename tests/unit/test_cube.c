/* Unit tests for transform/cube: margins and ICCS levels against a brute
 * force count over the same records, filters, the threshold rule at its
 * boundaries, and the dense-to-hash switch. */
#include "test_util.h"

#include <criterion/criterion.h>

#include "cube.h"
#include "oc_mem.h"

static char *dir;
static void setup(void) { dir = tu_tmpdir(); }
static void teardown(void) { tu_rmdir(dir); }
TestSuite(cube, .init = setup, .fini = teardown);

static schema *load(const char *yaml)
{
    char *p = tu_write_str(dir, "s.yaml", yaml);
    schema *s = NULL;
    oc_error err;
    oc_error_clear(&err);
    cr_assert_eq(schema_load(p, &s, &err), OC_OK, "%s", err.msg);
    free(p);
    return s;
}

static uint64_t rng = 42;
static uint32_t next(uint32_t n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((rng >> 33) % n);
}

/* Brute force: the count of records whose code in every table dimension
 * matches the output code (or any code for "_T"; an ICCS ancestor matches
 * its descendants). */
static int matches(const char *out, const char *code, int iccs)
{
    if (!strcmp(out, "_T"))
        return 1;
    if (iccs)
        return strncmp(code, out, strlen(out)) == 0;
    return strcmp(out, code) == 0;
}

typedef struct recs {
    size_t    n, nd;
    uint32_t *codes;   /* n * nd */
    uint64_t *w;
} recs;

static void check_against_brute_force(const schema *s, const oc_table *t, const int *by, const recs *r)
{
    size_t pos[CUBE_MAX_DIMS] = {0}, c, i, k;
    for (c = 0; c < t->ncells; c++) {
        uint64_t want = 0;
        for (k = 0; k < r->n; k++) {
            int ok = 1;
            for (i = 0; i < t->ndims && ok; i++) {
                const sch_dim *d = &s->dims[by[i]];
                ok = matches(t->dims[i].codes[pos[i]], dim_code(d, r->codes[k * r->nd + by[i]], NULL), d->iccs);
            }
            if (ok)
                want += r->w[k];
        }
        cr_assert_eq(t->value[c], want, "cell %zu", c);
        for (i = t->ndims; i-- > 0;) {
            if (++pos[i] < t->dims[i].n)
                break;
            pos[i] = 0;
        }
    }
}

static const char yaml[] =
    "dataset: d\n"
    "columns:\n"
    "  sex: {type: code, map: {M: M, F: F, U: _U}}\n"
    "  off: {type: code, map: {a: '0101', b: '02011', c: '02012', d: '0501', e: '050211'}}\n"
    "  reg: {type: code}\n"
    "dimensions:\n"
    "  SEX: {from: sex}\n"
    "  ICCS: {from: off, hierarchy: iccs}\n"
    "  REG: {from: reg}\n";

static void random_records(schema *s, recs *r, size_t n, size_t nreg)
{
    size_t k;
    r->n = n;
    r->nd = s->ndims;
    r->codes = calloc(n * r->nd, sizeof *r->codes);
    r->w = calloc(n, sizeof *r->w);
    for (k = 0; k < nreg; k++) {   /* open dimension: codes appear as they come */
        char name[16];
        uint32_t idx;
        snprintf(name, sizeof name, "R%03zu", k);
        cr_assert_eq(oc_strmap_put(s->dims[2].codes, name, strlen(name), (uint32_t)k, NULL), OC_OK);
        cr_assert(dim_find(&s->dims[2], name, strlen(name), &idx));
    }
    for (k = 0; k < n; k++) {
        r->codes[k * r->nd + 0] = next(3);
        r->codes[k * r->nd + 1] = next(5);
        r->codes[k * r->nd + 2] = next((uint32_t)nreg);
        r->w[k] = 1 + next(3);
    }
}

Test(cube, margins_and_iccs_levels_match_brute_force)
{
    schema *s = load(yaml);
    recs r;
    cube_spec sp;
    cube *c;
    oc_table *t;
    oc_error err;
    tab_accounting acct;
    size_t k, i;
    int by[3] = {2, 1, 0};
    const char *iccs_order[] = {"_T", "01", "0101", "02", "0201", "02011", "02012", "05", "0501", "0502",
                                "05021", "050211"};
    random_records(s, &r, 3000, 37);
    memset(&sp, 0, sizeof sp);
    sp.nby = 3;
    memcpy(sp.by, by, sizeof by);
    sp.totals = 1;
    sp.id = oc_strdup("T");
    oc_error_clear(&err);
    cr_assert_eq(cube_new(s, &sp, &c, &err), OC_OK);
    for (k = 0; k < r.n; k++)
        cr_assert_eq(cube_add(c, &r.codes[k * r.nd], r.w[k], &err), OC_OK);
    memset(&acct, 0, sizeof acct);
    cr_assert_eq(cube_build(c, &acct, &t, &err), OC_OK);
    cr_assert_eq(t->dims[1].n, sizeof iccs_order / sizeof *iccs_order);
    for (i = 0; i < t->dims[1].n; i++)
        cr_assert_str_eq(t->dims[1].codes[i], iccs_order[i]);
    cr_assert_str_eq(t->dims[0].codes[0], "_T");
    cr_assert_str_eq(t->dims[0].codes[1], "R000");
    cr_assert_eq(t->ncells, 38 * 12 * 4);
    check_against_brute_force(s, t, by, &r);
    cr_assert_eq(t->acct.counted, r.n);
    table_free(t);
    cube_free(c);
    free(r.codes);
    free(r.w);
    schema_free(s);
}

/* Makes codes seen..lim-1 known to both open dimensions; returns lim. */
static size_t add_codes_up_to(schema *s, size_t seen, size_t lim)
{
    for (; seen < lim; seen++) {
        char name[16];
        snprintf(name, sizeof name, "a%04zu", seen);
        cr_assert_eq(oc_strmap_put(s->dims[0].codes, name, strlen(name), (uint32_t)seen, NULL), OC_OK);
        name[0] = 'b';
        cr_assert_eq(oc_strmap_put(s->dims[1].codes, name, strlen(name), (uint32_t)seen, NULL), OC_OK);
    }
    return lim;
}

Test(cube, dense_and_hash_modes_agree)
{
    /* Two open dimensions with 1500 codes each exceed the dense limit and
     * switch to the hash table part-way through the pass. */
    schema *s = load("dataset: d\ncolumns:\n  a: {type: code}\n  b: {type: code}\n"
                     "dimensions:\n  A: {from: a}\n  B: {from: b}\n");
    cube_spec sp;
    cube *c;
    oc_table *t;
    oc_error err;
    tab_accounting acct;
    recs r;
    size_t k;
    int by[2] = {0, 1};
    r.n = 20000;
    r.nd = 2;
    r.codes = calloc(r.n * 2, sizeof *r.codes);
    r.w = calloc(r.n, sizeof *r.w);
    for (k = 0; k < r.n; k++) {
        /* codes grow over the pass, as they would while reading */
        uint32_t lim = (uint32_t)(1 + k * 1500 / r.n);
        r.codes[2 * k] = next(lim);
        r.codes[2 * k + 1] = next(lim);
        r.w[k] = 1;
    }
    memset(&sp, 0, sizeof sp);
    sp.nby = 2;
    memcpy(sp.by, by, sizeof by);
    sp.totals = 1;
    oc_error_clear(&err);
    cr_assert_eq(cube_new(s, &sp, &c, &err), OC_OK);
    {
        size_t seen = 0;   /* codes become known while reading, as in a real pass */
        int was_dense = 0;
        for (k = 0; k < r.n; k++) {
            seen = add_codes_up_to(s, seen, (size_t)(1 + k * 1500 / r.n));
            cr_assert_eq(cube_add(c, &r.codes[2 * k], 1, &err), OC_OK);
            if (k == 100)
                was_dense = cube_is_dense(c);
        }
        add_codes_up_to(s, seen, 1500);
        cr_assert(was_dense, "the cube should start dense");
        cr_assert_not(cube_is_dense(c), "the cube should have left the dense mode");
    }
    memset(&acct, 0, sizeof acct);
    cr_assert_eq(cube_build(c, &acct, &t, &err), OC_OK);
    cr_assert_eq(t->value[0], r.n);
    /* an independent count: a plain 2-D array and its sums */
    {
        uint64_t *want = calloc(1501 * 1501, sizeof *want);
        size_t a, b;
        for (k = 0; k < r.n; k++) {
            size_t ia = r.codes[2 * k] + 1, ib = r.codes[2 * k + 1] + 1;
            want[ia * 1501 + ib]++;
            want[ia * 1501]++;
            want[ib]++;
            want[0]++;
        }
        for (a = 0; a < 1501; a++)
            for (b = 0; b < 1501; b++)
                cr_assert_eq(t->value[a * 1501 + b], want[a * 1501 + b], "cell %zu,%zu", a, b);
        free(want);
    }
    table_free(t);
    cube_free(c);
    free(r.codes);
    free(r.w);
    schema_free(s);
}

Test(cube, where_filters_and_accounting)
{
    schema *s = load(yaml);
    cube_spec sp;
    cube *c;
    oc_table *t;
    oc_error err;
    tab_accounting acct;
    uint32_t rec[4][3] = {{0, 1, 0}, {1, 2, 0}, {0, 3, 0}, {2, 4, 0}};  /* M 02011, F 02012, M 0501, U 050211 */
    size_t k;
    uint32_t idx;
    cr_assert_eq(oc_strmap_put(s->dims[2].codes, "R", 1, 0, NULL), OC_OK);
    cr_assert(dim_find(&s->dims[2], "R", 1, &idx));
    memset(&sp, 0, sizeof sp);
    sp.nby = 1;
    sp.by[0] = 1;
    sp.totals = 1;
    oc_error_clear(&err);
    cr_assert_eq(cube_spec_add_where(&sp, s, "ICCS=02,0501", &err), OC_OK);
    cr_assert_eq(cube_spec_add_where(&sp, s, "SEX=M,F", &err), OC_OK);
    {
        cube_spec bad;
        memset(&bad, 0, sizeof bad);
        cr_assert_eq(cube_spec_add_where(&bad, s, "SEX=Q", &err), OC_EUSAGE);
        cr_assert_str_eq(err.msg, "filter: dimension 'SEX' has no code 'Q'");
        cube_spec_fini(&bad);
    }
    oc_error_clear(&err);
    cr_assert_eq(cube_new(s, &sp, &c, &err), OC_OK);
    for (k = 0; k < 4; k++)
        cr_assert_eq(cube_add(c, rec[k], 1, &err), OC_OK);
    memset(&acct, 0, sizeof acct);
    acct.read = 4;
    cr_assert_eq(cube_build(c, &acct, &t, &err), OC_OK);
    cr_assert_eq(t->acct.counted, 3);
    cr_assert_eq(t->acct.filtered, 1);
    cr_assert_eq(t->acct.read, t->acct.counted + t->acct.filtered + t->acct.rejected);
    /* output codes: only what the filter keeps, with levels */
    {
        /* 05 is not kept: only 0501 was asked for, so its parent would
         * merely repeat it */
        const char *want[] = {"_T", "02", "0201", "02011", "02012", "0501"};
        uint64_t vals[] = {3, 2, 2, 1, 1, 1};
        cr_assert_eq(t->dims[0].n, 6);
        for (k = 0; k < 6; k++) {
            cr_assert_str_eq(t->dims[0].codes[k], want[k]);
            cr_assert_eq(t->value[k], vals[k], "%s", want[k]);
        }
    }
    table_free(t);
    cube_free(c);
    schema_free(s);
}

Test(cube, threshold_rule_boundaries)
{
    oc_table t;
    uint64_t v[] = {0, 1, 2, 3, 4};
    uint8_t st[5] = {0};   /* CELL_SOURCE cells would be left alone */
    memset(&t, 0, sizeof t);
    t.ncells = 5;
    t.value = v;
    t.status = st;
    t.min_count = 3;
    cr_assert_eq(table_protect_primary(&t), 2);
    cr_assert_eq(st[0], CELL_PUBLISHED);   /* zeros are published */
    cr_assert_eq(st[1], CELL_PRIMARY);
    cr_assert_eq(st[2], CELL_PRIMARY);     /* K-1 */
    cr_assert_eq(st[3], CELL_PUBLISHED);   /* K */
    cr_assert_eq(st[4], CELL_PUBLISHED);   /* K+1 */
    t.protect_zeros = 1;
    cr_assert_eq(table_protect_primary(&t), 3);
    cr_assert_eq(st[0], CELL_PRIMARY);
    t.min_count = 0;
    t.protect_zeros = 0;
    cr_assert_eq(table_protect_primary(&t), 0);
}

/* A cube by the schema's first dimension (sex), with totals; the region
 * "R" is known, so records M/F x offence 0 x region 0 can be added. */
static cube *sex_cube(schema *s, int64_t min_count)
{
    cube_spec sp;
    cube *c;
    oc_error err;
    uint32_t idx;
    cr_assert_eq(oc_strmap_put(s->dims[2].codes, "R", 1, 0, NULL), OC_OK);
    cr_assert(dim_find(&s->dims[2], "R", 1, &idx));
    memset(&sp, 0, sizeof sp);
    sp.nby = 1;
    sp.by[0] = 0;
    sp.totals = 1;
    sp.min_count = min_count;
    oc_error_clear(&err);
    cr_assert_eq(cube_new(s, &sp, &c, &err), OC_OK);
    return c;
}

/* A count suppressed at the source ("<5") makes its cell and every margin
 * above it CELL_SOURCE, holding only the exact part; other cells stay exact. */
Test(cube, source_suppressed_counts_mark_their_cells_and_margins)
{
    schema *s = load(yaml);
    cube *c = sex_cube(s, 3);
    oc_table *t = NULL;
    oc_error err;
    tab_accounting acct;
    uint32_t m[3] = {0, 0, 0}, f[3] = {1, 0, 0};
    size_t i, nsrc = 0;
    oc_error_clear(&err);
    cr_assert_eq(cube_add(c, m, 7, &err), OC_OK);
    cr_assert_eq(cube_add(c, f, 2, &err), OC_OK);
    cr_assert_eq(cube_add(c, f, SCH_WEIGHT_SUPPRESSED, &err), OC_OK);
    memset(&acct, 0, sizeof acct);
    cr_assert_eq(cube_build(c, &acct, &t, &err), OC_OK, "%s", err.msg);
    for (i = 0; i < t->ncells; i++) {
        const char *code = t->dims[0].codes[i];
        if (strcmp(code, "_T") == 0 || strcmp(code, "F") == 0) {
            cr_assert_eq(t->status[i], CELL_SOURCE, "%s", code);
            cr_assert_eq(t->value[i], strcmp(code, "_T") == 0 ? 9u : 2u, "%s", code);   /* exact parts */
            nsrc++;
        } else if (strcmp(code, "M") == 0) {
            cr_assert_eq(t->status[i], CELL_PUBLISHED);
            cr_assert_eq(t->value[i], 7u);
        }
    }
    cr_assert_eq(nsrc, 2);
    table_free(t);
    cube_free(c);
    schema_free(s);
}

Test(cube, counts_that_overflow_a_margin_are_an_error)
{
    schema *s = load(yaml);
    cube *c = sex_cube(s, 0);
    oc_table *t = NULL;
    oc_error err;
    tab_accounting acct;
    uint32_t a[3] = {0, 0, 0}, b[3] = {1, 0, 0};   /* M and F, same offence and region */
    oc_error_clear(&err);
    /* counts go up to 2^63 - 1 (the top bit flags source suppression) */
    cr_assert_eq(cube_add(c, a, (UINT64_MAX >> 2) + 1, &err), OC_OK);
    cr_assert_eq(cube_add(c, b, (UINT64_MAX >> 2) + 1, &err), OC_OK);   /* each cell fits, _T does not */
    memset(&acct, 0, sizeof acct);
    cr_assert_eq(cube_build(c, &acct, &t, &err), OC_EDATA);
    cr_assert_null(t);
    cr_assert(strstr(err.msg, "count overflow") != NULL, "%s", err.msg);
    cube_free(c);
    schema_free(s);
}

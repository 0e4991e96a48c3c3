/* Unit tests for export/: the table writers (CSV, SDMX-CSV 1.0 and 2.0,
 * JSON) on a hand-made table, and the atomic release. */
#include "test_util.h"

#include <criterion/criterion.h>
#include <sys/stat.h>

#include "oc_mem.h"
#include "html_report.h"
#include "release.h"
#include "table_writer.h"

/* A 2 x 2 table with margins: SEX {_T, M} x AGE {_T, "a,b"} (a code that
 * needs quoting), one primary and one secondary cell. */
static oc_table *small_table(void)
{
    static const char *const sex[] = {"_T", "M"}, *const age[] = {"_T", "a,b"};
    static const char *const sexl[] = {"Total", NULL}, *const agel[] = {"Total", "say \"hi\"\n"};
    oc_table *t = oc_calloc(1, sizeof *t);
    size_t i;
    t->id = oc_strdup("T1");
    t->dataset = oc_strdup("d");
    t->ndims = 2;
    t->dims = oc_calloc(2, sizeof *t->dims);
    t->dims[0].id = oc_strdup("SEX");
    t->dims[1].id = oc_strdup("AGE");
    for (i = 0; i < 2; i++) {
        t->dims[i].n = 2;
        t->dims[i].codes = oc_calloc(2, sizeof(char *));
        t->dims[i].labels = oc_calloc(2, sizeof(char *));
    }
    for (i = 0; i < 2; i++) {
        t->dims[0].codes[i] = oc_strdup(sex[i]);
        t->dims[1].codes[i] = oc_strdup(age[i]);
        t->dims[0].labels[i] = sexl[i] ? oc_strdup(sexl[i]) : NULL;
        t->dims[1].labels[i] = oc_strdup(agel[i]);
    }
    t->ncells = 4;
    t->value = oc_calloc(4, sizeof *t->value);
    t->status = oc_calloc(4, 1);
    t->value[0] = 12;
    t->value[1] = 2;
    t->value[2] = 7;
    t->value[3] = 2;
    t->status[1] = CELL_PRIMARY;
    t->status[3] = CELL_SECONDARY;
    t->totals = 1;
    t->min_count = 3;
    t->secondary = 1;
    t->acct.read = 14;
    t->acct.counted = 12;
    t->acct.filtered = 2;
    return t;
}

static char *write_to_string(const oc_table *t, tabw_format f, size_t *rows)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    tabw_options o = {"AG", "2.1", "rel-1"};
    cr_assert_not_null(m);
    *rows = tabw_write(m, t, f, &o);
    cr_assert_eq(fclose(m), 0);
    return buf;
}

Test(export, csv_contract_with_quoting_and_statuses)
{
    oc_table *t = small_table();
    size_t rows;
    char *s = write_to_string(t, TABW_CSV, &rows);
    cr_assert_eq(rows, 4);
    cr_assert_str_eq(s, "SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS\n"
                        "_T,_T,12,A,F\n"
                        "_T,\"a,b\",,Q,A\n"
                        "M,_T,7,A,F\n"
                        "M,\"a,b\",,Q,D\n");
    free(s);
    table_free(t);
}

Test(export, sdmx_csv_1_and_2)
{
    oc_table *t = small_table();
    size_t rows;
    char *s = write_to_string(t, TABW_SDMX10, &rows);
    cr_assert_str_eq(s, "DATAFLOW,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS\n"
                        "AG:T1(2.1),_T,_T,12,A,F\n"
                        "AG:T1(2.1),_T,\"a,b\",,Q,A\n"
                        "AG:T1(2.1),M,_T,7,A,F\n"
                        "AG:T1(2.1),M,\"a,b\",,Q,D\n");
    free(s);
    s = write_to_string(t, TABW_SDMX20, &rows);
    cr_assert_str_eq(s, "STRUCTURE,STRUCTURE_ID,ACTION,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS\n"
                        "dataflow,AG:T1(2.1),I,_T,_T,12,A,F\n"
                        "dataflow,AG:T1(2.1),I,_T,\"a,b\",,Q,A\n"
                        "dataflow,AG:T1(2.1),I,M,_T,7,A,F\n"
                        "dataflow,AG:T1(2.1),I,M,\"a,b\",,Q,D\n");
    free(s);
    table_free(t);
}

Test(export, json_escapes_and_never_shows_suppressed_values)
{
    oc_table *t = small_table();
    size_t rows;
    char *s = write_to_string(t, TABW_JSON, &rows);
    cr_assert(strstr(s, "{\"id\": \"a,b\", \"label\": \"say \\\"hi\\\"\\n\"}") != NULL, "%s", s);
    cr_assert(strstr(s, "\"release\": \"rel-1\"") != NULL);
    cr_assert(strstr(s, "\"rows\": {\"read\": 14, \"counted\": 12, \"filtered\": 2, \"rejected\": 0}") != NULL);
    cr_assert(strstr(s, "\"primary_cells\": 1, \"secondary_cells\": 1") != NULL);
    cr_assert(strstr(s, "{\"SEX\": \"_T\", \"AGE\": \"a,b\", \"OBS_VALUE\": null, \"OBS_STATUS\": \"Q\", "
                        "\"CONF_STATUS\": \"A\"}") != NULL, "%s", s);
    cr_assert(strstr(s, "\"OBS_VALUE\": 2") == NULL, "a suppressed value leaked");
    cr_assert(strstr(s, tabw_unprotected_note) == NULL, "secondary was applied here: no warning");
    free(s);
    t->secondary = 0;
    t->status[3] = CELL_PUBLISHED;
    s = write_to_string(t, TABW_JSON, &rows);
    cr_assert(strstr(s, tabw_unprotected_note) != NULL, "the unprotected warning is missing");
    free(s);
    table_free(t);
}

Test(export, formats_by_name)
{
    tabw_format f;
    cr_assert_eq(tabw_parse_format("sdmx-csv", &f), 0);
    cr_assert_eq(f, TABW_SDMX10);
    cr_assert_eq(tabw_parse_format("sdmx-csv-2.0", &f), 0);
    cr_assert_eq(f, TABW_SDMX20);
    cr_assert_eq(tabw_parse_format("xml", &f), -1);
    cr_assert_str_eq(tabw_extension(TABW_SDMX20), ".sdmx2.csv");
}

static int exists(const char *dir, const char *name)
{
    char p[512];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0;
}

Test(export, release_is_atomic_and_replaces_only_releases)
{
    char *dir = tu_tmpdir(), out[256], *mf;
    release *r;
    oc_error err;
    size_t len;
    snprintf(out, sizeof out, "%s/rel", dir);
    oc_error_clear(&err);
    cr_assert_eq(release_begin(out, "r1", 0, &r, &err), OC_OK);
    cr_assert_eq(release_add_file(r, "a.csv", "x\n", 2, 1, &err), OC_OK);
    cr_assert_eq(release_add_file(r, "a.csv", "y\n", 2, 1, &err), OC_ECONFIG);   /* name twice */
    oc_error_clear(&err);
    cr_assert_eq(release_add_file(r, "../evil", "y\n", 2, 1, &err), OC_ECONFIG);
    oc_error_clear(&err);
    cr_assert_not(exists(dir, "rel"), "visible before commit");
    cr_assert_eq(release_commit(r, "  \"ocstat_version\": \"test\"", &err), OC_OK);
    release_free(r);
    cr_assert(exists(out, "a.csv"));
    {
        char path[300], hex[OC_SHA256_HEX], want[160];
        oc_sha256 h;
        oc_sha256_init(&h);
        oc_sha256_update(&h, "x\n", 2);
        oc_sha256_hex(&h, hex);
        snprintf(path, sizeof path, "%s/manifest.json", out);
        cr_assert_eq(oc_read_file(path, 1 << 20, &mf, &len, &err), OC_OK);
        snprintf(want, sizeof want, "{\"name\": \"a.csv\", \"sha256\": \"%s\", \"bytes\": 2, \"rows\": 1}", hex);
        cr_assert(strstr(mf, want) != NULL, "%s", mf);
        {
            const char *head = "{\n  \"ocstat_version\": \"test\",\n  \"files\": [";
            cr_assert(strncmp(mf, head, strlen(head)) == 0, "%s", mf);
        }
    }
    free(mf);
    /* a second release replaces the first in one step */
    cr_assert_eq(release_begin(out, "r1", 0, &r, &err), OC_OK);
    cr_assert_eq(release_add_file(r, "b.csv", "z\n", 2, 1, &err), OC_OK);
    cr_assert_eq(release_commit(r, "  \"ocstat_version\": \"test\"", &err), OC_OK);
    release_free(r);
    cr_assert(exists(out, "b.csv"));
    cr_assert_not(exists(out, "a.csv"), "old files survived the swap");
    /* a folder that is not a release is refused and left alone */
    snprintf(out, sizeof out, "%s/home", dir);
    cr_assert_eq(mkdir(out, 0755), 0);
    free(tu_write_str(out, "notes.txt", "keep"));
    cr_assert_eq(release_begin(out, "r1", 0, &r, &err), OC_OK);
    cr_assert_eq(release_commit(r, "  \"ocstat_version\": \"test\"", &err), OC_EIO);
    cr_assert(strstr(err.msg, "refusing to replace") != NULL);
    release_free(r);
    cr_assert(exists(out, "notes.txt"));
    tu_rmdir(dir);
}

/* output.keep: versions named by release id and UTC time, `latest` moved
 * to the newest, the oldest beyond keep removed, a second version in the
 * same second gets a suffix; a flat release is not turned into versions. */
Test(export, versioned_releases_and_latest_link)
{
    char *dir = tu_tmpdir(), out[256], link[300], target[64];
    static const char *const epochs[] = {"1", "2", "3", "3"};
    release *r;
    oc_error err;
    size_t i;
    ssize_t n;
    snprintf(out, sizeof out, "%s/rel", dir);
    snprintf(link, sizeof link, "%s/latest", out);
    oc_error_clear(&err);
    for (i = 0; i < 4; i++) {
        char body[8];
        cr_assert_eq(setenv("SOURCE_DATE_EPOCH", epochs[i], 1), 0);
        snprintf(body, sizeof body, "%zu\n", i);
        cr_assert_eq(release_begin(out, "nibrs-dc", 2, &r, &err), OC_OK, "%s", err.msg);
        cr_assert_eq(release_add_file(r, "t.csv", body, strlen(body), 1, &err), OC_OK);
        cr_assert_eq(release_commit(r, "  \"ocstat_version\": \"test\"", &err), OC_OK, "%s", err.msg);
        release_free(r);
        n = readlink(link, target, sizeof target - 1);
        cr_assert(n > 0);
        target[n] = '\0';
        cr_assert_str_eq(target, i == 0 ? "nibrs-dc-19700101T000001Z"
                                 : i == 1 ? "nibrs-dc-19700101T000002Z"
                                 : i == 2 ? "nibrs-dc-19700101T000003Z"
                                          : "nibrs-dc-19700101T000003Z-2");
    }
    unsetenv("SOURCE_DATE_EPOCH");
    cr_assert(exists(link, "t.csv"));
    cr_assert(exists(out, "nibrs-dc-19700101T000003Z"));
    cr_assert_not(exists(out, "nibrs-dc-19700101T000002Z"), "beyond keep: removed");
    cr_assert_not(exists(out, "nibrs-dc-19700101T000001Z"), "beyond keep: removed");
    /* a release id that cannot name a folder */
    cr_assert_eq(release_begin(out, "../x", 2, &r, &err), OC_ECONFIG);
    /* a flat release folder is not turned into versions */
    oc_error_clear(&err);
    snprintf(out, sizeof out, "%s/flat", dir);
    cr_assert_eq(release_begin(out, "r1", 0, &r, &err), OC_OK);
    cr_assert_eq(release_commit(r, "  \"ocstat_version\": \"test\"", &err), OC_OK);
    release_free(r);
    cr_assert_eq(release_begin(out, "r1", 3, &r, &err), OC_EIO);
    cr_assert(strstr(err.msg, "without output.keep") != NULL, "%s", err.msg);
    tu_rmdir(dir);
}

/* The lock: a second holder is refused with OC_EBUSY naming the first's
 * process; released, it can be taken again; leftovers of killed runs go. */
Test(export, lock_excludes_a_second_run_and_clears_leftovers)
{
    char *dir = tu_tmpdir(), out[256], tmp[300], pid[32];
    int fd, fd2;
    oc_error err;
    snprintf(out, sizeof out, "%s/rel", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp-999999", out);
    cr_assert_eq(mkdir(tmp, 0755), 0);
    free(tu_write_str(tmp, "half.csv", "x"));
    cr_assert_eq(mkdir(out, 0755), 0);
    snprintf(tmp, sizeof tmp, "%s/.tmp-999998", out);
    cr_assert_eq(mkdir(tmp, 0755), 0);
    snprintf(tmp, sizeof tmp, "%s/.latest-999997", out);   /* a link not yet renamed to latest */
    cr_assert_eq(symlink("nowhere", tmp), 0);
    oc_error_clear(&err);
    cr_assert_eq(release_lock(out, &fd, &err), OC_OK, "%s", err.msg);
    {
        struct stat sb;
        cr_assert_neq(lstat(tmp, &sb), 0, "leftover link kept");
    }
    cr_assert_not(exists(dir, "rel.tmp-999999"), "leftover of a killed run kept");
    cr_assert_not(exists(out, ".tmp-999998"), "leftover of a killed run kept");
    cr_assert_eq(release_lock(out, &fd2, &err), OC_EBUSY);
    cr_assert_eq(fd2, -1);
    snprintf(pid, sizeof pid, "(process %ld)", (long)getpid());
    cr_assert(strstr(err.msg, pid) != NULL, "%s", err.msg);
    cr_assert_eq(oc_status_exit(err.code), 4);
    release_unlock(fd);
    oc_error_clear(&err);
    cr_assert_eq(release_lock(out, &fd2, &err), OC_OK, "%s", err.msg);
    release_unlock(fd2);
    tu_rmdir(dir);
}

/* A table too large for a page: the report gives a note pointing to its
 * CSV instead of the cells. */
/* A table id of dimensions A (n0 codes c0, c1, ...) and B (n1), all zero. */
static oc_table *grid_table(const char *id, size_t n0, size_t n1)
{
    oc_table *t = oc_calloc(1, sizeof *t);
    size_t i, d, n[2];
    n[0] = n0;
    n[1] = n1;
    t->id = oc_strdup(id);
    t->ndims = 2;
    t->dims = oc_calloc(2, sizeof *t->dims);
    for (d = 0; d < 2; d++) {
        t->dims[d].id = oc_strdup(d ? "B" : "A");
        t->dims[d].n = n[d];
        t->dims[d].codes = oc_calloc(n[d], sizeof(char *));
        t->dims[d].labels = oc_calloc(n[d], sizeof(char *));
        for (i = 0; i < n[d]; i++) {
            char c[32];
            snprintf(c, sizeof c, "c%zu", i);
            t->dims[d].codes[i] = oc_strdup(c);
        }
    }
    t->ncells = n0 * n1;
    t->value = oc_calloc(t->ncells, sizeof *t->value);
    t->status = oc_calloc(t->ncells, 1);
    return t;
}

Test(export, report_leaves_huge_tables_to_the_csv)
{
    oc_table *t = grid_table("BIG", 300, 200);
    const oc_table *tabs[1];
    html_meta m;
    oc_buf b;
    tabs[0] = t;
    memset(&m, 0, sizeof m);
    m.release = "r";
    oc_buf_init(&b, 0);
    cr_assert_eq(html_write(tabs, 1, &m, &b), OC_OK);
    cr_assert(strstr(b.data, "The table has 60000 cells, more than the report shows (50000); see BIG.csv."));
    cr_assert_null(strstr(b.data, "<table class=\"x\">"));
    cr_assert(strstr(b.data, "<svg"), "the chart is still drawn");
    oc_buf_fini(&b);
    table_free(t);
}

/* The report's note names the table's filter whole, however long (it was
 * cut at 512 bytes), escaped. */
Test(export, report_note_keeps_a_long_filter_whole)
{
    oc_table *t = grid_table("T", 2, 2);
    const oc_table *tabs[1];
    html_meta m;
    oc_buf b, want;
    size_t i;
    t->dataset = oc_strdup("ds");
    oc_buf_init(&want, 0);
    for (i = 0; i < 300; i++)
        cr_assert_eq(oc_buf_printf(&want, "%sOFFENCE=c%zu", i ? " or " : "", i), OC_OK);
    cr_assert_eq(oc_buf_printf(&want, " & SEX<>M"), OC_OK);   /* 3.9 KB, with a character to escape */
    t->where = oc_strdup(want.data);
    tabs[0] = t;
    memset(&m, 0, sizeof m);
    m.release = "r";
    oc_buf_init(&b, 0);
    cr_assert_eq(html_write(tabs, 1, &m, &b), OC_OK);
    oc_buf_reset(&want);
    cr_assert_eq(oc_buf_printf(&want, "Table T, dataset ds; records with "), OC_OK);
    for (i = 0; i < 300; i++)
        cr_assert_eq(oc_buf_printf(&want, "%sOFFENCE=c%zu", i ? " or " : "", i), OC_OK);
    cr_assert_eq(oc_buf_printf(&want, " &amp; SEX&lt;&gt;M. "), OC_OK);
    cr_assert(strstr(b.data, want.data), "the note lacks the whole filter");
    oc_buf_fini(&want);
    oc_buf_fini(&b);
    table_free(t);
}

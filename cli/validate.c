/*
 * validate.c - `ocstat validate`: reads every row, rejects included, and
 * prints a data-quality profile: rows read, counted, filtered and rejected
 * (by reason, with the first messages), and per dimension the count of
 * every code with its share, the unknown share (_U) singled out.
 * Exit 0 when no row was rejected, 1 otherwise (so scripts can gate on it).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cube.h"
#include "oc_mem.h"

static const char validate_help[] =
    "Usage: ocstat validate --schema DATASET.yaml [--where DIM=CODE,...]... INPUT...\n"
    "Read every row and print a data-quality profile: rows read, counted, filtered,\n"
    "rejected by reason (with the first messages), and per dimension the count and\n"
    "share of every code, unknown (_U) included.  No table is written.\n"
    "  --rejects FILE   also write the rejected rows to FILE (mode 0600)\n"
    "  --show N         print the first N reject messages (default 10)\n"
    "Exit status: 0 no rejects, 1 some rows rejected or bad configuration,\n"
    "2 usage, 3 system error.\n";

/* "12.3%" (one decimal, rounded half up, integer arithmetic: no locale),
 * right-aligned in `width` columns (0: no padding). */
static void share(FILE *out, uint64_t part, uint64_t whole, int width)
{
    char buf[32];
    if (whole == 0)
        snprintf(buf, sizeof buf, "-");
    else {
        uint64_t permille = (part * 2000 + whole) / (2 * whole);
        snprintf(buf, sizeof buf, "%" PRIu64 ".%" PRIu64 "%%", permille / 10, permille % 10);
    }
    fprintf(out, "%*s", width, buf);
}

int cmd_validate(int argc, char **argv)
{
    enum { O_SCHEMA = 300, O_WHERE, O_REJ, O_SHOW, O_HELP };
    static const struct option opts[] = {
        {"schema", required_argument, 0, O_SCHEMA}, {"where", required_argument, 0, O_WHERE},
        {"rejects", required_argument, 0, O_REJ},   {"show", required_argument, 0, O_SHOW},
        {"help", no_argument, 0, O_HELP},           {0, 0, 0, 0}};
    const char *schema_path = NULL, *rej_path = NULL, *wheres[64];
    size_t nwhere = 0, i, d, ninputs;
    int c, rc = 0;
    int64_t show = 10;
    reject_policy pol = {1, -1, -1.0, NULL, NULL, NULL, 10, 0, 0};
    schema *s = NULL;
    cube **cubes = NULL;
    oc_table **tabs = NULL;
    pass_input *inputs = NULL;
    pass_result res;
    oc_error err;

    oc_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_SCHEMA: schema_path = optarg; break;
        case O_WHERE:
            if (nwhere == 64)
                return cli_usage("validate", "too many --where options");
            wheres[nwhere++] = optarg;
            break;
        case O_REJ: rej_path = optarg; break;
        case O_SHOW:
            if (oc_parse_i64(optarg, strlen(optarg), &show) != 0 || show < 0 || show > 1000000)
                return cli_usage("validate", "--show needs a number, got '%s'", optarg);
            break;
        case O_HELP: fputs(validate_help, stdout); return 0;
        default: return cli_usage("validate", "invalid option");
        }
    }
    pol.show = (int)show;
    if (!schema_path)
        return cli_usage("validate", "--schema is required");
    if (optind >= argc)
        return cli_usage("validate", "no INPUT given (use - for standard input)");
    if (schema_load(schema_path, &s, &err) != OC_OK)
        return cli_fail(&err);
    ninputs = (size_t)(argc - optind);
    cubes = oc_calloc(s->ndims, sizeof *cubes);
    tabs = oc_calloc(s->ndims, sizeof *tabs);
    inputs = oc_calloc(ninputs, sizeof *inputs);
    if (!cubes || !tabs || !inputs) {
        oc_error_set(&err, OC_ENOMEM, "out of memory");
        rc = cli_fail(&err);
        goto done;
    }
    for (d = 0; d < s->ndims; d++) {
        cube_spec sp;
        memset(&sp, 0, sizeof sp);
        sp.nby = 1;
        sp.by[0] = (int)d;
        sp.id = oc_strdup(s->dims[d].id);
        for (i = 0; i < nwhere; i++)
            if (cube_spec_add_where(&sp, s, wheres[i], &err) != OC_OK) {
                cube_spec_fini(&sp);
                rc = err.code == OC_EUSAGE ? cli_usage("validate", "%s", err.msg) : cli_fail(&err);
                goto done;
            }
        if (!sp.id || cube_new(s, &sp, &cubes[d], &err) != OC_OK) {
            cube_spec_fini(&sp);
            if (!err.code)
                oc_error_set(&err, OC_ENOMEM, "out of memory");
            rc = cli_fail(&err);
            goto done;
        }
    }
    for (i = 0; i < ninputs; i++)
        inputs[i].path = argv[optind + (int)i];
    if (reject_policy_open(&pol, rej_path, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (pass_run(s, cubes, s->ndims, inputs, ninputs, PASS_HASH | (isatty(STDERR_FILENO) ? PASS_PROGRESS : 0), &pol,
                 &res, &err) != OC_OK ||
        reject_policy_close(&pol, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    for (d = 0; d < s->ndims; d++) {
        tab_accounting acct;
        memset(&acct, 0, sizeof acct);
        acct.read = res.read;
        acct.rejected = res.rejected;
        if (cube_build(cubes[d], &acct, &tabs[d], &err) != OC_OK) {
            rc = cli_fail(&err);
            goto done;
        }
    }
    printf("dataset: %s\nschema: %s\n", s->dataset, schema_path);
    for (i = 0; i < ninputs; i++)
        printf("input: %s (%s, %" PRIu64 " bytes, sha256 %s): %" PRIu64 " rows read, %" PRIu64
               " rejected\n",
               inputs[i].path, inputs[i].gzip ? "gzip" : "plain", inputs[i].raw_bytes, inputs[i].sha256,
               inputs[i].read, inputs[i].rejected);
    {
        uint64_t counted = s->ndims ? tabs[0]->acct.counted : res.read - res.rejected;
        uint64_t filtered = s->ndims ? tabs[0]->acct.filtered : 0;
        int r;
        printf("rows read:     %12" PRIu64 "\n", res.read);
        printf("rows counted:  %12" PRIu64 "\n", counted);
        printf("rows filtered: %12" PRIu64 "\n", filtered);
        printf("rows rejected: %12" PRIu64 "\n", res.rejected);
        for (r = 1; r < SCH_R_COUNT_; r++)
            if (res.by_reason[r])
                printf("  %-20s %10" PRIu64 "\n", schema_reason_name((sch_reason)r), res.by_reason[r]);
        if (res.total_rows)
            printf("rows that are totals: %5" PRIu64 " (checked against their parts, not counted; %" PRIu64
                   " disagree)\n", res.total_rows, res.total_mismatch);
    }
    for (d = 0; d < s->ndims; d++) {
        const oc_table *t = tabs[d];
        uint64_t total = 0, unknown = 0;
        size_t k;
        for (k = 0; k < t->ncells; k++)
            total += t->value[k];
        printf("\ndimension %s (from column %s, %zu codes)%s\n", t->dims[0].id, s->cols[s->dims[d].col].name,
               t->dims[0].n, s->count_name ? " [weighted by the count column]" : "");
        printf("  %-16s %12s %7s\n", "code", "count", "share");
        for (k = 0; k < t->ncells; k++) {
            printf("  %-16s %12" PRIu64 " ", t->dims[0].codes[k], t->value[k]);
            share(stdout, t->value[k], total, 7);
            putchar('\n');
            if (!strcmp(t->dims[0].codes[k], "_U"))
                unknown = t->value[k];
        }
        printf("  unknown (_U): %" PRIu64 " of %" PRIu64 " (", unknown, total);
        share(stdout, unknown, total, 0);
        printf(")\n");
    }
    if (fflush(stdout) != 0) {
        oc_error_set(&err, OC_EIO, "write error");
        rc = cli_fail(&err);
        goto done;
    }
    rc = res.rejected ? 1 : 0;
done:
    reject_policy_discard(&pol);
    for (d = 0; s && d < s->ndims; d++) {
        if (tabs)
            table_free(tabs[d]);
        if (cubes)
            cube_free(cubes[d]);
    }
    oc_free(tabs);
    oc_free(cubes);
    oc_free(inputs);
    schema_free(s);
    return rc;
}

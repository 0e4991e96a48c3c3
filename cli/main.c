/*
 * main.c - ocstat's entry point: dispatches to run, tabulate, validate, audit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cube.h"
#include "protect.h"
#include "oc_mem.h"
#include "release.h"
#include "table_writer.h"

static const char usage_text[] =
    "Usage: ocstat COMMAND [OPTION]...\n"
    "Turn crime records into privacy-protected statistical tables.\n"
    "\n"
    "Commands:\n"
    "  run PIPELINE.yaml [--out DIR] [--rejects FILE] [--max-rejects N|P%] [--dry-run] [--quiet]\n"
    "        build every table of a release and write it atomically with a manifest\n"
    "  tabulate --schema DATASET.yaml --by DIM[,DIM...] [--where DIM=CODE[,CODE...]]...\n"
    "        [--totals] [--min-count K] [--protect-zeros] [--no-secondary]\n"
    "        [--format csv|sdmx-csv|sdmx-csv-2.0|json]\n"
    "        [-o FILE] [--rejects FILE] [--max-rejects N|P%] INPUT...\n"
    "        print one protected table\n"
    "  validate --schema DATASET.yaml [--where DIM=CODE...] INPUT...\n"
    "        print a data-quality profile (rows, rejects by reason, codes per dimension)\n"
    "  audit TABLE.csv [--hierarchy DIM=FILE]... [--min-count K] [--report FILE] [--format csv|json]\n"
    "        audit the suppressed cells of a table (true values given) against an attacker\n"
    "\n"
    "INPUT is a file (plain or gzip, detected by content) or - for standard input.\n"
    "Exit status: 0 success, 1 bad data or configuration, 2 usage, 3 system error.\n"
    "`ocstat COMMAND --help` describes a command.\n";

int cli_fail(const oc_error *err)
{
    char msg[2048];
    oc_error_format(err, msg, sizeof msg);
    fprintf(stderr, "ocstat:%s%s\n", (err->path[0] || err->column[0]) ? "" : " ", msg);
    return oc_status_exit(err->code ? err->code : OC_EIO);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("ocstat: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'ocstat %s%s--help' for more information.\n", cmd ? cmd : "", cmd ? " " : "");
    return 2;
}

int cli_parse_max_rejects(const char *s, reject_policy *pol)
{
    size_t n = strlen(s);
    int64_t v;
    if (n > 1 && s[n - 1] == '%') {
        char *end;
        double p;
        errno = 0;
        p = strtod(s, &end);
        if (errno || end != s + n - 1 || !(p >= 0 && p <= 100))
            return -1;
        pol->max_pct = p;
        return 0;
    }
    if (oc_parse_i64(s, n, &v) != 0 || v < 0)
        return -1;
    pol->max_abs = v;
    return 0;
}

oc_status cli_emit(const char *path, const char *buf, size_t len, oc_error *err)
{
    if (path && strcmp(path, "-") != 0)
        return oc_write_file_atomic(path, buf, len, 0644, err);
    if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
        oc_error_set(err, OC_EIO, "write error: %s", strerror(errno));
        return OC_EIO;
    }
    return OC_OK;
}

void cli_reject_summary(const pass_result *res, const char *rejects_path)
{
    int r, first = 1;
    if (res->rejected == 0)
        return;
    fprintf(stderr, "ocstat: %llu %s rejected (", (unsigned long long)res->rejected,
            res->rejected == 1 ? "row" : "rows");
    for (r = 1; r < SCH_R_COUNT_; r++)
        if (res->by_reason[r]) {
            fprintf(stderr, "%s%s %llu", first ? "" : ", ", schema_reason_name((sch_reason)r),
                    (unsigned long long)res->by_reason[r]);
            first = 0;
        }
    fprintf(stderr, ")%s%s\n", rejects_path ? "; see " : "", rejects_path ? rejects_path : "");
}

/* ---------- tabulate ---------- */

static const char tabulate_help[] =
    "Usage: ocstat tabulate --schema DATASET.yaml --by DIM[,DIM...] [OPTION]... INPUT...\n"
    "Print one table (long form: one row per cell) in the output contract.\n"
    "\n"
    "  --schema FILE        the dataset schema (YAML)\n"
    "  --by DIM,...         dimensions of the table, in output order\n"
    "  --where DIM=CODE,... keep only records with one of these codes (repeatable;\n"
    "                       an ICCS code keeps its whole subtree)\n"
    "  --totals             add margins (_T) along every dimension and ICCS level\n"
    "  --min-count K        primary suppression: 1 <= count < K is suppressed\n"
    "  --protect-zeros      suppress zero cells as well\n"
    "  --no-secondary       primary suppression only: the table is marked unprotected\n"
    "  --group-rule DIM,... group (attribute) disclosure: a total whose units all\n"
    "                       fall in one category of DIM gets its empty categories\n"
    "                       protected (\"all\": every --by dimension; needs --totals)\n"
    "  --secondary-method M auto (default), gauss or hypercube: see README,\n"
    "                       \"Protection\"\n"
    "  --format F           csv (default), sdmx-csv (1.0), sdmx-csv-2.0, json\n"
    "  --agency ID          SDMX agency (default OCSTAT); --table-id ID (default TABLE)\n"
    "  -o, --output FILE    write to FILE (atomically) instead of standard output\n"
    "  --rejects FILE       write rejected rows to FILE (mode 0600) and go on\n"
    "  --max-rejects N|P%   stop when more than N rows (or P% of rows) are rejected\n"
    "  --quiet              no summary on standard error\n"
    "Without --rejects or --max-rejects the first rejected row stops the run (exit 1).\n"
    "With --totals and --min-count, secondary suppression protects every suppressed\n"
    "cell from recovery through the margins, and the table is audited: a table that\n"
    "fails its audit is not written (exit 1).\n";

enum { OPT_SCHEMA = 256, OPT_BY, OPT_WHERE, OPT_TOTALS, OPT_MIN, OPT_PZ, OPT_FORMAT, OPT_REJ,
       OPT_MAXREJ, OPT_QUIET, OPT_AGENCY, OPT_TABLEID, OPT_HELP, OPT_NOSEC, OPT_OUT, OPT_DRY, OPT_GROUP, OPT_METHOD };

static int parse_by(cube_spec *sp, const schema *s, const char *list, const char *cmd)
{
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char name[128];
        int d;
        if (len == 0 || len >= sizeof name)
            return cli_usage(cmd, "invalid --by list '%s'", list);
        memcpy(name, p, len);
        name[len] = '\0';
        d = schema_dim_index(s, name);
        if (d < 0)
            return cli_usage(cmd, "unknown dimension '%s' in --by (the schema has no such dimension)", name);
        if (sp->nby >= CUBE_MAX_DIMS)
            return cli_usage(cmd, "too many dimensions in --by (at most %d)", CUBE_MAX_DIMS);
        sp->by[sp->nby++] = d;
        p = comma ? comma + 1 : p + len;
    }
    if (sp->nby == 0)
        return cli_usage(cmd, "--by needs at least one dimension");
    return 0;
}

/* --group-rule DIM,... or "all": bits over the --by positions. */
static int parse_group(cube_spec *sp, const schema *s, const char *list)
{
    const char *p = list;
    if (!strcmp(list, "all")) {
        sp->group_dims = (uint32_t)((1ull << sp->nby) - 1);
        return 0;
    }
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char name[128];
        if (len == 0 || len >= sizeof name)
            return cli_usage("tabulate", "--group-rule needs DIM[,DIM...] or all, got '%s'", list);
        memcpy(name, p, len);
        name[len] = '\0';
        if (cube_spec_group_dim(sp, s, name) != 0)
            return cli_usage("tabulate", "--group-rule: '%s' is not one of the --by dimensions", name);
        p += len + (e ? 1 : 0);
    }
    return 0;
}

int cmd_tabulate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"schema", required_argument, 0, OPT_SCHEMA}, {"by", required_argument, 0, OPT_BY},
        {"where", required_argument, 0, OPT_WHERE},   {"totals", no_argument, 0, OPT_TOTALS},
        {"min-count", required_argument, 0, OPT_MIN}, {"protect-zeros", no_argument, 0, OPT_PZ},
        {"format", required_argument, 0, OPT_FORMAT}, {"output", required_argument, 0, 'o'},
        {"rejects", required_argument, 0, OPT_REJ},   {"max-rejects", required_argument, 0, OPT_MAXREJ},
        {"quiet", no_argument, 0, OPT_QUIET},         {"agency", required_argument, 0, OPT_AGENCY},
        {"table-id", required_argument, 0, OPT_TABLEID}, {"help", no_argument, 0, OPT_HELP},
        {"no-secondary", no_argument, 0, OPT_NOSEC}, {"group-rule", required_argument, 0, OPT_GROUP},
        {"secondary-method", required_argument, 0, OPT_METHOD},
        {0, 0, 0, 0}};
    const char *schema_path = NULL, *by = NULL, *out_path = NULL, *rej_path = NULL, *agency = "OCSTAT";
    const char *table_id = "TABLE", *group = NULL;
    int method = SDC_AUTO;
    const char *wheres[64];
    size_t nwhere = 0, i;
    int totals = 0, pz = 0, quiet = 0, nosec = 0, c, rc = 0;
    int64_t min_count = 0;
    tabw_format fmt = TABW_CSV;
    reject_policy pol = {0, -1, -1.0, NULL, NULL, NULL, 0, 0, 0};
    schema *s = NULL;
    cube *cb = NULL;
    cube_spec sp;
    pass_input *inputs = NULL;
    pass_result res;
    oc_table *t = NULL;
    oc_error err;
    char *obuf = NULL;
    size_t olen = 0;
    FILE *mem;

    memset(&sp, 0, sizeof sp);
    oc_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case OPT_SCHEMA: schema_path = optarg; break;
        case OPT_BY: by = optarg; break;
        case OPT_WHERE:
            if (nwhere == 64)
                return cli_usage("tabulate", "too many --where options");
            wheres[nwhere++] = optarg;
            break;
        case OPT_TOTALS: totals = 1; break;
        case OPT_MIN:
            if (oc_parse_i64(optarg, strlen(optarg), &min_count) != 0 || min_count < 1)
                return cli_usage("tabulate", "--min-count needs a positive integer, got '%s'", optarg);
            break;
        case OPT_PZ: pz = 1; break;
        case OPT_FORMAT:
            if (tabw_parse_format(optarg, &fmt) != 0)
                return cli_usage("tabulate", "unknown format '%s' (csv, sdmx-csv, sdmx-csv-2.0, json)", optarg);
            break;
        case 'o': out_path = optarg; break;
        case OPT_REJ: rej_path = optarg; pol.collect = 1; break;
        case OPT_MAXREJ:
            if (cli_parse_max_rejects(optarg, &pol) != 0)
                return cli_usage("tabulate", "--max-rejects needs N or P%%, got '%s'", optarg);
            pol.collect = 1;
            break;
        case OPT_QUIET: quiet = 1; break;
        case OPT_AGENCY: agency = optarg; break;
        case OPT_TABLEID: table_id = optarg; break;
        case OPT_NOSEC: nosec = 1; break;
        case OPT_GROUP: group = optarg; break;
        case OPT_METHOD:
            if ((method = protect_method_parse(optarg)) < 0)
                return cli_usage("tabulate", "--secondary-method must be auto, gauss or hypercube, got '%s'", optarg);
            break;
        case OPT_HELP: fputs(tabulate_help, stdout); return 0;
        default: return cli_usage("tabulate", "invalid option");
        }
    }
    if (!schema_path)
        return cli_usage("tabulate", "--schema is required");
    if (!by)
        return cli_usage("tabulate", "--by is required");
    if (optind >= argc)
        return cli_usage("tabulate", "no INPUT given (use - for standard input)");
    {
        int dash = 0;
        for (i = (size_t)optind; i < (size_t)argc; i++)
            dash += strcmp(argv[i], "-") == 0;
        if (dash > 1)
            return cli_usage("tabulate", "standard input (-) can be read only once");
    }
    if (schema_load(schema_path, &s, &err) != OC_OK)
        return cli_fail(&err);
    if ((rc = parse_by(&sp, s, by, "tabulate")) != 0)
        goto done;
    for (i = 0; i < nwhere; i++)
        if (cube_spec_add_where(&sp, s, wheres[i], &err) != OC_OK) {
            rc = err.code == OC_EUSAGE ? cli_usage("tabulate", "%s", err.msg) : cli_fail(&err);
            goto done;
        }
    sp.totals = totals;
    sp.min_count = min_count;
    sp.protect_zeros = pz;
    sp.method = method;
    if (group && (rc = parse_group(&sp, s, group)) != 0)
        goto done;
    if (!(sp.id = oc_strdup(table_id))) {
        oc_error_set(&err, OC_ENOMEM, "out of memory");
        rc = cli_fail(&err);
        goto done;
    }
    if (cube_new(s, &sp, &cb, &err) != OC_OK) {
        rc = err.code == OC_EUSAGE ? cli_usage("tabulate", "%s", err.msg) : cli_fail(&err);
        goto done;
    }
    inputs = oc_calloc((size_t)(argc - optind), sizeof *inputs);
    if (!inputs) {
        oc_error_set(&err, OC_ENOMEM, "out of memory");
        rc = cli_fail(&err);
        goto done;
    }
    for (i = 0; i < (size_t)(argc - optind); i++)
        inputs[i].path = argv[optind + (int)i];
    if (reject_policy_open(&pol, rej_path, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (pass_run(s, &cb, 1, inputs, (size_t)(argc - optind), (!quiet && isatty(STDERR_FILENO)) ? PASS_PROGRESS : 0,
                 &pol, &res, &err) == OC_OK) {
        oc_status pst = reject_policy_check(&pol, &err);
        (void)pst;   /* recorded in err */
    }
    if (reject_policy_close(&pol, &err) != OC_OK) {
        if (!quiet && pol.collect)
            cli_reject_summary(&res, rej_path);
        rc = cli_fail(&err);
        goto done;
    }
    {
        tab_accounting acct;
        memset(&acct, 0, sizeof acct);
        acct.read = res.read;
        acct.rejected = res.rejected;
        acct.totals = res.total_rows;
        acct.totals_disagree = res.total_mismatch;
        memcpy(acct.by_reason, res.by_reason, sizeof acct.by_reason);
        if (cube_build(cb, &acct, &t, &err) != OC_OK) {
            rc = cli_fail(&err);
            goto done;
        }
    }
    {
        protect_report rep;
        if (protect_table(t, !nosec, &rep, &err) != OC_OK) {
            rc = cli_fail(&err);
            goto done;
        }
    }
    mem = open_memstream(&obuf, &olen);
    if (!mem) {
        oc_error_sys(&err, "cannot allocate the output");
        rc = cli_fail(&err);
        goto done;
    }
    {
        tabw_options wo = {agency, "1.0", NULL};
        tabw_write(mem, t, fmt, &wo);
    }
    if (fclose(mem) != 0) {
        oc_error_set(&err, OC_ENOMEM, "out of memory writing the table");
        rc = cli_fail(&err);
        goto done;
    }
    if (cli_emit(out_path, obuf, olen, &err) != OC_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!quiet)
        cli_reject_summary(&res, rej_path);
done:
    reject_policy_discard(&pol);
    free(obuf);
    oc_free(inputs);
    table_free(t);
    cube_free(cb);
    cube_spec_fini(&sp);
    schema_free(s);
    return rc;
}

int main(int argc, char **argv)
{
    const char *cmd;
    if (argc < 2)
        return cli_usage(NULL, "missing command"), 2;
    cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("ocstat %s\n", OC_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "tabulate"))
        return cmd_tabulate(argc - 1, argv + 1);
    if (!strcmp(cmd, "validate"))
        return cmd_validate(argc - 1, argv + 1);
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "audit"))
        return cmd_audit(argc - 1, argv + 1);
    return cli_usage(NULL, "unknown command '%s'", cmd);
}

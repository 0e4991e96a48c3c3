/*
 * fuzz_analysis.c - libFuzzer target for transform/analysis.c (population
 * files, and every figure of a small protected table).
 *
 * Input (missing header bytes read as 0):
 *   byte 0  options  bit 0 change, bit 1 trend, bit 2 sex ratio,
 *                    bit 3 minors, bit 4 no population file
 *   byte 1  which cells of the table are suppressed (bit i: cell i*3 + 1)
 *   byte 2- the population file (CSV), written to a temporary file
 *
 * The table is YEAR (2020, 2021, 2022, _T) x SEX (_T, F, M) x AGE (_T,
 * Y0T17, Y_GE18) with totals.  Errors (a bad header, a bad number, a
 * repeated row) are expected and must name the file.  On success every
 * line has the header's field count, and no figure that uses a suppressed
 * cell has a value: its status is Q.  A crash, leak or abort() is a bug.
 */
#define _GNU_SOURCE   /* memmem */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "oc_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static oc_table *make_table(uint8_t hide)
{
    static const char *const yr[] = {"2020", "2021", "2022", "_T"}, *const sx[] = {"_T", "F", "M"},
                             *const ag[] = {"_T", "Y0T17", "Y_GE18"};
    static const char *const *codes[] = {yr, sx, ag};
    static const char *const ids[] = {"YEAR", "SEX", "AGE"};
    static const size_t n[] = {4, 3, 3};
    oc_table *t = oc_calloc(1, sizeof *t);
    size_t d, k, i;
    if (!t)
        abort();
    t->id = oc_strdup("F");
    t->ndims = 3;
    t->dims = oc_calloc(3, sizeof *t->dims);
    for (d = 0; d < 3; d++) {
        t->dims[d].id = oc_strdup(ids[d]);
        t->dims[d].n = n[d];
        t->dims[d].codes = oc_calloc(n[d], sizeof(char *));
        t->dims[d].labels = oc_calloc(n[d], sizeof(char *));
        t->dims[d].parent = oc_calloc(n[d], sizeof(int32_t));
        for (k = 0; k < n[d]; k++) {
            t->dims[d].codes[k] = oc_strdup(codes[d][k]);
            t->dims[d].parent[k] = strcmp(codes[d][k], "_T") == 0 ? -1 : (d == 0 ? 3 : 0);
        }
    }
    t->ncells = 36;
    t->value = oc_calloc(36, sizeof *t->value);
    t->status = oc_calloc(36, 1);
    for (i = 0; i < 36; i++)
        t->value[i] = (i * 7919) % 97;
    for (i = 0; i < 8; i++)
        if (hide & (1u << i))
            t->status[i * 3 + 1] = CELL_PRIMARY;
    t->totals = 1;
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/ocstat-fuzz-analysis-XXXXXX";
    uint8_t opt = size > 0 ? data[0] : 0, hide = size > 1 ? data[1] : 0;
    const uint8_t *p = size > 2 ? data + 2 : data;
    size_t n = size > 2 ? size - 2 : 0, rows = 0, fields0 = 0;
    oc_table *t = make_table(hide);
    an_spec sp;
    oc_buf b;
    oc_error err;
    oc_status st;
    int fd = mkstemp(path);
    if (fd < 0) {
        table_free(t);
        return 0;
    }
    if (n && write(fd, p, n) != (ssize_t)n) {
        close(fd);
        unlink(path);
        table_free(t);
        return 0;
    }
    close(fd);
    memset(&sp, 0, sizeof sp);
    sp.population = (opt & 16) ? NULL : path;
    sp.time_dim = (opt & 3) ? "YEAR" : NULL;
    sp.change = (opt & 1) != 0;
    sp.trend = (opt & 2) != 0;
    if (opt & 4) {
        sp.sex_dim = "SEX";
        sp.male = "M";
        sp.female = "F";
    }
    if (opt & 8) {
        sp.age_dim = "AGE";
        sp.minor[sp.nminor++] = "Y0T17";
    }
    oc_buf_init(&b, 0);
    oc_error_clear(&err);
    st = an_write(t, &sp, &b, &rows, &err);
    if (st != OC_OK) {
        if (st != OC_ECONFIG || (sp.population && !strstr(err.path, "ocstat-fuzz-analysis") && err.msg[0] == '\0'))
            abort();
    } else {
        const char *line = b.data, *e;
        for (; line && *line; line = e + 1) {
            size_t f = 1;
            const char *q;
            e = strchr(line, '\n');
            if (!e)
                abort();   /* every line ends */
            for (q = line; q < e; q++)
                f += *q == ',';   /* no codes with commas here */
            if (!fields0)
                fields0 = f;
            else if (f != fields0)
                abort();
            /* a figure whose comment says it uses a suppressed cell has no value */
            if (memmem(line, (size_t)(e - line), "suppressed cell", 15) &&
                !memmem(line, (size_t)(e - line), ",,,,,Q,", 7))
                abort();
        }
    }
    oc_buf_fini(&b);
    unlink(path);
    table_free(t);
    return 0;
}

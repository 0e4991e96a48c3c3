/* table_writer.c - see table_writer.h. */
#include "table_writer.h"

#include <inttypes.h>
#include <string.h>

#include "protect.h"   /* protect_method_name */

const char tabw_unprotected_note[] =
    "Secondary suppression has not been applied: totals and subtotals can reveal "
    "suppressed cells by subtraction.";

int tabw_parse_format(const char *name, tabw_format *f)
{
    if (!strcmp(name, "csv"))
        *f = TABW_CSV;
    else if (!strcmp(name, "sdmx-csv") || !strcmp(name, "sdmx-csv-1.0"))
        *f = TABW_SDMX10;
    else if (!strcmp(name, "sdmx-csv-2.0"))
        *f = TABW_SDMX20;
    else if (!strcmp(name, "json"))
        *f = TABW_JSON;
    else
        return -1;
    return 0;
}

const char *tabw_extension(tabw_format f)
{
    switch (f) {
    case TABW_CSV:    return ".csv";
    case TABW_SDMX10: return ".sdmx.csv";
    case TABW_SDMX20: return ".sdmx2.csv";
    case TABW_JSON:   return ".json";
    }
    return ".out";
}

static void csv_field(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    putc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', out);
        putc(*s, out);
    }
    putc('"', out);
}

static void json_str(FILE *out, const char *s)
{
    putc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            putc('\\', out);
            putc(c, out);
        } else if (c == '\n') {
            fputs("\\n", out);
        } else if (c == '\r') {
            fputs("\\r", out);
        } else if (c == '\t') {
            fputs("\\t", out);
        } else if (c < 0x20) {
            fprintf(out, "\\u%04x", c);
        } else {
            putc(c, out);
        }
    }
    putc('"', out);
}

static const char *obs_status(uint8_t st) { return st == CELL_PUBLISHED ? "A" : "Q"; }

static const char *conf_status(uint8_t st)
{
    switch (st) {
    case CELL_PRIMARY:   return "A";
    case CELL_SECONDARY: return "D";
    case CELL_SOURCE:    return "C";
    default:             return "F";
    }
}

/* Iterates the cells in row-major order, keeping the code position of each
 * dimension in pos[]. */
static void next_pos(const oc_table *t, size_t *pos)
{
    size_t i;
    for (i = t->ndims; i-- > 0;) {
        if (++pos[i] < t->dims[i].n)
            return;
        pos[i] = 0;
    }
}

static size_t write_flat(FILE *out, const oc_table *t, tabw_format f, const tabw_options *opt)
{
    size_t pos[64] = {0}, i, c;
    char flow[512];
    snprintf(flow, sizeof flow, "%s:%s(%s)", opt && opt->agency ? opt->agency : "OCSTAT", t->id,
             opt && opt->version ? opt->version : "1.0");
    if (f == TABW_SDMX10)
        fputs("DATAFLOW,", out);
    else if (f == TABW_SDMX20)
        fputs("STRUCTURE,STRUCTURE_ID,ACTION,", out);
    for (i = 0; i < t->ndims; i++) {
        csv_field(out, t->dims[i].id);
        putc(',', out);
    }
    fputs("OBS_VALUE,OBS_STATUS,CONF_STATUS\n", out);
    for (c = 0; c < t->ncells; c++) {
        if (f == TABW_SDMX10) {
            csv_field(out, flow);
            putc(',', out);
        } else if (f == TABW_SDMX20) {
            fputs("dataflow,", out);
            csv_field(out, flow);
            fputs(",I,", out);
        }
        for (i = 0; i < t->ndims; i++) {
            csv_field(out, t->dims[i].codes[pos[i]]);
            putc(',', out);
        }
        if (t->status[c] == CELL_PUBLISHED)
            fprintf(out, "%" PRIu64, t->value[c]);
        fprintf(out, ",%s,%s\n", obs_status(t->status[c]), conf_status(t->status[c]));
        next_pos(t, pos);
    }
    return t->ncells;
}

static size_t count_status(const oc_table *t, uint8_t st)
{
    size_t i, n = 0;
    for (i = 0; i < t->ncells; i++)
        n += t->status[i] == st;
    return n;
}

static size_t write_json(FILE *out, const oc_table *t, const tabw_options *opt)
{
    size_t pos[64] = {0}, i, j, c;
    fputs("{\n  \"id\": ", out);
    json_str(out, t->id);
    if (t->title) {
        fputs(",\n  \"title\": ", out);
        json_str(out, t->title);
    }
    fputs(",\n  \"dataset\": ", out);
    json_str(out, t->dataset);
    if (opt && opt->release) {
        fputs(",\n  \"release\": ", out);
        json_str(out, opt->release);
    }
    fputs(",\n  \"filter\": ", out);
    if (t->where)
        json_str(out, t->where);
    else
        fputs("null", out);
    fputs(",\n  \"dimensions\": [", out);
    for (i = 0; i < t->ndims; i++) {
        fputs(i ? ",\n    {\"id\": " : "\n    {\"id\": ", out);
        json_str(out, t->dims[i].id);
        fputs(", \"codes\": [", out);
        for (j = 0; j < t->dims[i].n; j++) {
            fputs(j ? ", {\"id\": " : "{\"id\": ", out);
            json_str(out, t->dims[i].codes[j]);
            if (t->dims[i].labels[j]) {
                fputs(", \"label\": ", out);
                json_str(out, t->dims[i].labels[j]);
            }
            putc('}', out);
        }
        fputs("]}", out);
    }
    fputs(t->ndims ? "\n  ],\n" : "],\n", out);
    fprintf(out, "  \"totals\": %s,\n", t->totals ? "true" : "false");
    fputs("  \"protection\": {", out);
    fprintf(out, "\"rule\": \"threshold\", \"min_count\": %" PRId64 ", \"protect_zeros\": %s, ",
            t->min_count, t->protect_zeros ? "true" : "false");
    fprintf(out, "\"secondary\": %s, \"primary_cells\": %zu, \"secondary_cells\": %zu",
            t->secondary ? "true" : "false", count_status(t, CELL_PRIMARY), count_status(t, CELL_SECONDARY));
    if (t->secondary)
        fprintf(out, ", \"method\": \"%s\"", protect_method_name(t->method));
    if (t->linked) {   /* protected together with these tables (ids: letters, digits, _-.) */
        const char *p;
        fputs(", \"linked\": [\"", out);
        for (p = t->linked; *p; p++)
            fputs(*p == ',' ? "\", \"" : (char[2]){*p, 0}, out);
        fputs("\"]", out);
    }
    if (t->group_dims) {
        size_t d;
        fputs(", \"group_rule\": {\"dimensions\": [", out);
        for (d = 0; d < t->ndims; d++)
            if (t->group_dims >> d & 1) {
                json_str(out, t->dims[d].id);
                if (t->group_dims >> (d + 1))
                    fputs(", ", out);
            }
        fprintf(out, "], \"totals_flagged\": %zu}", t->group_flagged);
    }
    if (!t->secondary && t->totals && (t->min_count > 0 || t->group_flagged > 0)) {
        fputs(", \"warning\": ", out);
        json_str(out, tabw_unprotected_note);
    }
    fputs("},\n", out);
    fprintf(out, "  \"rows\": {\"read\": %" PRIu64 ", \"counted\": %" PRIu64 ", \"filtered\": %" PRIu64
                 ", \"rejected\": %" PRIu64,
            t->acct.read, t->acct.counted, t->acct.filtered, t->acct.rejected);
    if (t->acct.totals)   /* only for inputs with total rows: other outputs stay as they were */
        fprintf(out, ", \"totals\": %" PRIu64 ", \"totals_disagreeing\": %" PRIu64, t->acct.totals,
                t->acct.totals_disagree);
    fputs("},\n", out);
    fprintf(out, "  \"cells\": [");
    for (c = 0; c < t->ncells; c++) {
        fputs(c ? ",\n    {" : "\n    {", out);
        for (i = 0; i < t->ndims; i++) {
            json_str(out, t->dims[i].id);
            fputs(": ", out);
            json_str(out, t->dims[i].codes[pos[i]]);
            fputs(", ", out);
        }
        fputs("\"OBS_VALUE\": ", out);
        if (t->status[c] == CELL_PUBLISHED)
            fprintf(out, "%" PRIu64, t->value[c]);
        else
            fputs("null", out);
        fprintf(out, ", \"OBS_STATUS\": \"%s\", \"CONF_STATUS\": \"%s\"}", obs_status(t->status[c]),
                conf_status(t->status[c]));
        next_pos(t, pos);
    }
    fputs(t->ncells ? "\n  ]\n}\n" : "]\n}\n", out);
    return t->ncells;
}

size_t tabw_write(FILE *out, const oc_table *t, tabw_format f, const tabw_options *opt)
{
    if (f == TABW_JSON)
        return write_json(out, t, opt);
    return write_flat(out, t, f, opt);
}

void tabw_protection_note(const oc_table *t, const char *symbol, char *buf, size_t cap)
{
    char sym[32] = "";
    if (symbol)
        snprintf(sym, sizeof sym, " (%s)", symbol);
    if (t->min_count > 1 && t->secondary)
        snprintf(buf, cap,
                 "Counts from 1 to %lld%s are suppressed%s; further cells are suppressed so that none can be "
                 "recovered from the totals.",
                 (long long)t->min_count - 1, t->protect_zeros ? " and zeros" : "", sym);
    else if (t->min_count > 1)
        snprintf(buf, cap, "Counts from 1 to %lld are suppressed%s. %s", (long long)t->min_count - 1, sym,
                 tabw_unprotected_note);
    else
        snprintf(buf, cap, "No disclosure control was applied to this table.");
}

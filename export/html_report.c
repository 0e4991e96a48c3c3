/* html_report.c - see html_report.h. */
#define _POSIX_C_SOURCE 200809L
#include "html_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "cube.h"   /* CUBE_MAX_DIMS */
#include "table_writer.h"

#define CHART_W 760
#define MAX_BARS 60      /* more codes than this: the chart shows the first ones */

static const char *const colors[] = {"#1f5f8b", "#d9822b", "#2a9d5c", "#8e44ad", "#b03a2e", "#5d6d7e"};

typedef struct w {
    oc_buf *b;
    int     st;
} w;

static void raw(w *o, const char *s)
{
    if (o->st == OC_OK && oc_buf_append(o->b, s, strlen(s)) != OC_OK)
        o->st = OC_ENOMEM;
}

#define fmt(o, ...)                                                                  \
    do {                                                                             \
        if ((o)->st == OC_OK && oc_buf_printf((o)->b, __VA_ARGS__) != OC_OK)          \
            (o)->st = OC_ENOMEM;                                                     \
    } while (0)

/* Text, escaped for XML and HTML. */
static void text(w *o, const char *s)
{
    for (; *s && o->st == OC_OK; s++)
        switch (*s) {
        case '&': raw(o, "&amp;"); break;
        case '<': raw(o, "&lt;"); break;
        case '>': raw(o, "&gt;"); break;
        case '"': raw(o, "&quot;"); break;
        case '\'': raw(o, "&#39;"); break;
        default:
            if (oc_buf_append(o->b, s, 1) != OC_OK)
                o->st = OC_ENOMEM;
        }
}

/* open, then s escaped, then close. */
static void el(w *o, const char *open, const char *s, const char *close)
{
    raw(o, open);
    text(o, s);
    raw(o, close);
}

static int is_special(const char *c) { return c[0] == '_'; }

static double nice_max(double m)
{
    double p, f[] = {1, 2, 2.5, 5, 10};
    size_t i;
    if (m <= 0)
        return 1;
    p = pow(10, floor(log10(m)));
    for (i = 0; i < 5; i++)
        if (f[i] * p >= m)
            return f[i] * p;
    return 10 * p;
}

/* Sets k to the slice the charts show: every dimension at its total, or
 * its first code when it has none (said in *note). */
static void slice(const oc_table *t, size_t *k, char *note, size_t cap)
{
    size_t d, at = 0;
    note[0] = '\0';
    for (d = 0; d < t->ndims; d++) {
        int tot = table_code_index(&t->dims[d], "_T", 2);
        k[d] = tot >= 0 ? (size_t)tot : 0;
        if (tot < 0 && at < cap)
            at += (size_t)snprintf(note + at, cap - at, "%s%s = %s", at ? ", " : "; ", t->dims[d].id,
                                   table_code_label(&t->dims[d], 0));
    }
}

static void svg_open(w *o, int height, const char *label, int id)
{
    fmt(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
           "aria-label=\"",
        CHART_W, height, CHART_W, height);
    text(o, label);
    fmt(o, "\"><title>");
    text(o, label);
    fmt(o, "</title><defs><pattern id=\"h%d\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
           "patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#888\" "
           "stroke-width=\"2\"/></pattern></defs>",
        id);
}

/* A suppressed bar: a hatched outline of fixed width, marked. */
static void hidden_bar(w *o, double x, double y, double bw, double bh, int id, uint8_t st, int right_text)
{
    fmt(o, "<rect class=\"sup\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"url(#h%d)\" "
           "stroke=\"#666\" stroke-dasharray=\"3,2\"/>",
        x, y, bw, bh, id);
    fmt(o, "<text class=\"mk\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>", right_text ? x + bw + 4 : x - 4,
        y + bh - 4, right_text ? "start" : "end", tabw_symbol(st));
}

/* The largest published value so far, with the cell's: what a chart's axis must reach. */
static void peak(const oc_table *t, size_t cell, double *mx)
{
    if (t->status[cell] == CELL_PUBLISHED && (double)t->value[cell] > *mx)
        *mx = (double)t->value[cell];
}

/* Horizontal bars of dimension d's codes (specials but _U left out; only
 * 2-digit codes for ICCS sections). */
static void bars(w *o, const oc_table *t, size_t d, size_t *k, int id, int iccs)
{
    size_t c, nb = 0, list[MAX_BARS];
    double mx = 0, nm;
    int h;
    for (c = 0; c < t->dims[d].n && nb < MAX_BARS; c++) {
        const char *code = t->dims[d].codes[c];
        if ((is_special(code) && strcmp(code, "_U") != 0) || (iccs && strlen(code) != 2))
            continue;
        list[nb++] = c;
        k[d] = c;
        peak(t, table_cell_at(t, k), &mx);
    }
    nm = nice_max(mx);
    h = 30 + (int)nb * 24;
    svg_open(o, h, t->title ? t->title : t->id, id);
    for (c = 0; c < 5; c++) {   /* grid and scale */
        double x = 240 + 440.0 * (double)c / 4;
        fmt(o, "<line x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>", x, x, h - 22);
        fmt(o, "<text class=\"ax\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>", x, h - 8,
            nm * (double)c / 4);
    }
    for (c = 0; c < nb; c++) {
        size_t cell;
        double y = 6 + 24.0 * (double)c;
        k[d] = list[c];
        cell = table_cell_at(t, k);
        fmt(o, "<text class=\"lb\" x=\"234\" y=\"%.1f\" text-anchor=\"end\">", y + 14);
        text(o, table_code_label(&t->dims[d], list[c]));
        raw(o, "</text>");
        if (t->status[cell] == CELL_PUBLISHED) {
            double bw = 440.0 * (double)t->value[cell] / nm;
            fmt(o, "<rect class=\"bar\" x=\"240\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>", y, bw,
                colors[0]);
            fmt(o, "<text class=\"v\" x=\"%.1f\" y=\"%.1f\">%llu</text>", 244 + bw, y + 14,
                (unsigned long long)t->value[cell]);
        } else {
            hidden_bar(o, 240, y, 40, 18, id, t->status[cell], 1);
        }
    }
    raw(o, "</svg>");
}

/* Males to the left, females to the right, age groups from the youngest
 * at the bottom. */
static void pyramid(w *o, const oc_table *t, size_t sd, size_t ad, size_t *k, int id)
{
    int km = table_code_index(&t->dims[sd], "M", 1), kf = table_code_index(&t->dims[sd], "F", 1);
    size_t c, na = 0, ages[MAX_BARS], s;
    double mx = 0, nm, cx = CHART_W / 2.0;
    int h;
    for (c = 0; c < t->dims[ad].n && na < MAX_BARS; c++)
        if (!is_special(t->dims[ad].codes[c]))
            ages[na++] = c;
    for (c = 0; c < na; c++)
        for (s = 0; s < 2; s++) {
            k[ad] = ages[c];
            k[sd] = (size_t)(s ? kf : km);
            peak(t, table_cell_at(t, k), &mx);
        }
    nm = nice_max(mx);
    h = 54 + (int)na * 22;
    svg_open(o, h, t->title ? t->title : t->id, id);
    fmt(o, "<text class=\"lb\" x=\"%.1f\" y=\"14\" text-anchor=\"end\">Males</text>", cx - 60);
    fmt(o, "<text class=\"lb\" x=\"%.1f\" y=\"14\">Females</text>", cx + 60);
    for (c = 0; c < na; c++) {
        double y = 24 + 22.0 * (double)(na - 1 - c);
        fmt(o, "<text class=\"lb\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", cx, y + 13);
        text(o, table_code_label(&t->dims[ad], ages[c]));
        raw(o, "</text>");
        for (s = 0; s < 2; s++) {
            size_t cell;
            double x0 = s ? cx + 55 : cx - 55, bw;
            k[ad] = ages[c];
            k[sd] = (size_t)(s ? kf : km);
            cell = table_cell_at(t, k);
            if (t->status[cell] != CELL_PUBLISHED) {
                hidden_bar(o, s ? x0 : x0 - 40, y, 40, 17, id, t->status[cell], s != 0);
                continue;
            }
            bw = (cx - 70) * (double)t->value[cell] / nm;
            fmt(o, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"17\" fill=\"%s\"/>",
                s ? x0 : x0 - bw, y, bw, colors[s]);
            fmt(o, "<text class=\"v\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%llu</text>", s ? x0 + bw + 3 : x0 - bw - 3,
                y + 13, s ? "start" : "end", (unsigned long long)t->value[cell]);
        }
    }
    fmt(o, "<text class=\"ax\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">scale: %.0f at full width</text>", cx, h - 6,
        nm);
    raw(o, "</svg>");
}

/* Lines over the periods of td, one per code of sd (or the total when sd
 * is -1); a suppressed point breaks its line and is marked on the axis. */
static void lines(w *o, const oc_table *t, size_t td, int sd, size_t *k, int id)
{
    size_t c, np = 0, per[MAX_BARS], ns = 0, ser[6], s;
    double mx = 0, nm, x0 = 60, x1 = CHART_W - 150, y0 = 230, y1 = 14;
    for (c = 0; c < t->dims[td].n && np < MAX_BARS; c++)
        if (!is_special(t->dims[td].codes[c]))
            per[np++] = c;
    if (sd >= 0) {
        for (c = 0; c < t->dims[sd].n && ns < 6; c++)
            if (!is_special(t->dims[sd].codes[c]) || !strcmp(t->dims[sd].codes[c], "_T"))
                ser[ns++] = c;
    } else {
        ser[ns++] = 0;
    }
    for (s = 0; s < ns; s++)
        for (c = 0; c < np; c++) {
            if (sd >= 0)
                k[sd] = ser[s];
            k[td] = per[c];
            peak(t, table_cell_at(t, k), &mx);
        }
    nm = nice_max(mx);
    svg_open(o, 260, t->title ? t->title : t->id, id);
    for (c = 0; c < 5; c++) {
        double y = y0 - (y0 - y1) * (double)c / 4;
        fmt(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", x0, y, x1, y);
        fmt(o, "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>", x0 - 4, y + 4,
            nm * (double)c / 4);
    }
    for (c = 0; c < np; c++) {
        double x = np > 1 ? x0 + (x1 - x0) * (double)c / (double)(np - 1) : (x0 + x1) / 2;
        fmt(o, "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, y0 + 16);
        text(o, t->dims[td].codes[per[c]]);
        raw(o, "</text>");
    }
    for (s = 0; s < ns; s++) {
        const char *col = colors[s % 6];
        int open = 0;
        double px = 0, py = 0;
        if (sd >= 0)
            k[sd] = ser[s];
        for (c = 0; c < np; c++) {
            size_t cell;
            double x = np > 1 ? x0 + (x1 - x0) * (double)c / (double)(np - 1) : (x0 + x1) / 2, y;
            k[td] = per[c];
            cell = table_cell_at(t, k);
            if (t->status[cell] != CELL_PUBLISHED) {
                fmt(o, "<text class=\"mk\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\">%s</text>", x,
                    y0 - 4 - 12.0 * (double)s, col, tabw_symbol(t->status[cell]));
                open = 0;
                continue;
            }
            y = y0 - (y0 - y1) * (double)t->value[cell] / nm;
            {   /* the exact 95 % Poisson interval of the count */
                double lo, hi;
                an_poisson_ci((double)t->value[cell], 0.95, &lo, &hi);
                fmt(o, "<line class=\"ci\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                       "stroke-opacity=\"0.5\"/>",
                    x, y0 - (y0 - y1) * (hi < nm ? hi : nm) / nm, x, y0 - (y0 - y1) * lo / nm, col);
            }
            if (open)
                fmt(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>", px,
                    py, x, y, col);
            fmt(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%llu</title></circle>", x, y, col,
                (unsigned long long)t->value[cell]);
            px = x;
            py = y;
            open = 1;
        }
        fmt(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"4\" fill=\"%s\"/>", x1 + 14, y1 + 18.0 * (double)s + 4,
            col);
        fmt(o, "<text class=\"lb\" x=\"%.1f\" y=\"%.1f\">", x1 + 30, y1 + 18.0 * (double)s + 10);
        text(o, sd >= 0 ? table_code_label(&t->dims[sd], ser[s]) : "Total");
        raw(o, "</text>");
    }
    raw(o, "</svg>");
}

static int is_time(const tab_dim *d)
{
    static const char *const ids[] = {"YEAR", "TIME_PERIOD", "PERIOD", "MONTH", "QUARTER", NULL};
    size_t i, c, real = 0;
    for (i = 0; ids[i]; i++)
        if (!strcmp(d->id, ids[i]))
            return 1;
    for (c = 0; c < d->n; c++) {
        char *e;
        if (is_special(d->codes[c]))
            continue;
        (void)strtod(d->codes[c], &e);
        if (*e)
            return 0;
        real++;
    }
    return real >= 2;
}

static void caption(w *o, const oc_table *t, const char *what, const char *note)
{
    el(o, "<figcaption>", what, ": counts");
    if (t->ndims > 1)
        raw(o, ", other dimensions at their totals");
    text(o, note);
    raw(o, ". Hatched [c]: suppressed to protect individuals; [u]: not exact (suppressed at the source). "
           "A suppressed value is never drawn.</figcaption></figure>\n");
}

static void chart(w *o, const oc_table *t, int id)
{
    size_t k0[CUBE_MAX_DIMS], k[CUBE_MAX_DIMS], d;   /* k: k0, the slice at the totals, as a chart leaves it */
    int sex = -1, age = -1, tim = -1, iccs = -1, small = -1;
    char note[512];
    slice(t, k0, note, sizeof note);
    memcpy(k, k0, t->ndims * sizeof *k);
    for (d = 0; d < t->ndims; d++) {
        const tab_dim *D = &t->dims[d];
        if (!strcmp(D->id, "SEX") && table_code_index(D, "M", 1) >= 0 && table_code_index(D, "F", 1) >= 0)
            sex = (int)d;
        else if (!strncmp(D->id, "AGE", 3) && age < 0)
            age = (int)d;
        else if (!strcmp(D->id, "ICCS"))
            iccs = (int)d;
        else if (tim < 0 && is_time(D))
            tim = (int)d;
    }
    /* every chart that fits, each on the slice at the totals */
    if (sex >= 0 && age >= 0) {
        raw(o, "<figure>");
        pyramid(o, t, (size_t)sex, (size_t)age, k, 3 * id);
        caption(o, t, "Population pyramid", note);
        memcpy(k, k0, t->ndims * sizeof *k);
    }
    if (tim >= 0) {
        for (d = 0; d < t->ndims; d++)
            if ((int)d != tim && t->dims[d].n <= 7 && small < 0)
                small = (int)d;
        raw(o, "<figure>");
        lines(o, t, (size_t)tim, small, k, 3 * id + 1);
        caption(o, t, "Over time, with exact 95 % Poisson intervals", note);
        memcpy(k, k0, t->ndims * sizeof *k);
    }
    if (iccs >= 0) {
        raw(o, "<figure>");
        bars(o, t, (size_t)iccs, k, 3 * id + 2, 1);
        caption(o, t, "By ICCS section", note);
    }
    if (sex < 0 && tim < 0 && iccs < 0) {
        raw(o, "<figure>");
        bars(o, t, 0, k, 3 * id, 0);
        caption(o, t, "By category", note);
    }
}

/* The table as a cross-tab: the last dimension across. */
static void crosstab(w *o, const oc_table *t)
{
    size_t nrow = t->ndims > 1 ? t->ndims - 1 : t->ndims, ncol = t->ndims > 1 ? t->dims[t->ndims - 1].n : 1;
    size_t nrows = ncol ? t->ncells / ncol : 0, i, d, c;
    if (t->ncells > HTML_MAX_CELLS) {   /* a page a browser can open: the data is in the CSV */
        fmt(o, "<p class=\"note big\">The table has %zu cells, more than the report shows (%u); see ", t->ncells,
            HTML_MAX_CELLS);
        text(o, t->id);
        raw(o, ".csv.</p>\n");
        return;
    }
    raw(o, "<table class=\"x\"><thead><tr>");
    for (d = 0; d < nrow; d++) {
        el(o, "<th scope=\"col\">", t->dims[d].id, "</th>");
    }
    for (c = 0; c < ncol; c++) {
        el(o, "<th scope=\"col\" class=\"n\">", t->ndims > 1 ? table_code_label(&t->dims[t->ndims - 1], c) : "Count",
           "</th>");
    }
    raw(o, "</tr></thead><tbody>\n");
    for (i = 0; i < nrows; i++) {
        size_t k[CUBE_MAX_DIMS];
        table_cell_pos(t, i * ncol, k);   /* the row's codes (and 0 in the last dimension) */
        raw(o, "<tr>");
        for (d = 0; d < nrow; d++) {
            el(o, "<th scope=\"row\">", table_code_label(&t->dims[d], k[d]), "</th>");
        }
        for (c = 0; c < ncol; c++) {
            size_t cell = i * ncol + c;
            if (t->status[cell] == CELL_PUBLISHED)
                fmt(o, "<td class=\"n\">%llu</td>", (unsigned long long)t->value[cell]);
            else
                fmt(o, "<td class=\"c\">%s</td>", tabw_symbol(t->status[cell]));
        }
        raw(o, "</tr>\n");
    }
    raw(o, "</tbody></table>\n");
}

/* CSV text as an HTML table (the header row as headings). */
static void csv_table(w *o, const char *csv)
{
    const char *p = csv;
    char cell[1024];
    int k, row = 0, start = 1;
    raw(o, "<table class=\"x\">");
    while ((k = oc_csv_field(&p, cell, sizeof cell)) != 0) {
        if (start)
            raw(o, row ? "<tr>" : "<thead><tr>");
        raw(o, row ? "<td>" : "<th scope=\"col\">");
        text(o, cell);
        raw(o, row ? "</td>" : "</th>");
        start = k == 1;
        if (start) {
            raw(o, row ? "</tr>\n" : "</tr></thead><tbody>\n");
            row++;
        }
    }
    raw(o, row ? "</tbody></table>\n" : "</table>\n");
}

static const char css[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;max-width:980px;"
    "color:#222;padding:0 1em}h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}"
    "table.x{border-collapse:collapse;margin:.6em 0;font-size:13px}table.x th,table.x td{border:1px solid #ccc;"
    "padding:2px 7px}table.x td.n,table.x th.n{text-align:right}td.c{text-align:right;color:#666;"
    "background:repeating-linear-gradient(45deg,#fff,#fff 3px,#e4e4e4 3px,#e4e4e4 5px)}figure{margin:1em 0}"
    "figcaption{font-size:13px;color:#555}svg text{font:12px system-ui,sans-serif}svg text.ax{fill:#666;"
    "font-size:11px}svg text.mk{fill:#444;font-style:italic}dl{display:grid;grid-template-columns:max-content auto;"
    "gap:2px 14px}dt{font-weight:600}dd{margin:0;word-break:break-all}.note{color:#555;font-size:13px}";

oc_status html_write(const oc_table *const *tables, size_t n, const html_meta *m, oc_buf *out)
{
    w o;
    size_t i;
    o.b = out;
    o.st = OC_OK;
    raw(&o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>");
    text(&o, m->release);
    raw(&o, "</title><style>");
    raw(&o, css);
    el(&o, "</style></head><body>\n<h1>", m->release, "</h1>\n<dl>");
    for (i = 0; i < m->nlines; i++) {
        el(&o, "<dt>", m->lines[2 * i], "</dt><dd>");
        el(&o, "", m->lines[2 * i + 1], "</dd>");
    }
    raw(&o, "</dl>\n<p class=\"note\">Symbols: <b>[c]</b> confidential, suppressed so that no individual can be "
            "identified (counts below the threshold, and further cells chosen so that none can be recovered from "
            "the totals); <b>[u]</b> not exact, includes a count the source itself suppressed. Total: the sum over "
            "all codes of a dimension.</p>\n<ul>");
    for (i = 0; i < n; i++) {
        fmt(&o, "<li><a href=\"#t%zu\">", i);
        text(&o, tables[i]->title ? tables[i]->title : tables[i]->id);
        raw(&o, "</a></li>");
    }
    raw(&o, "</ul>\n");
    for (i = 0; i < n; i++) {
        const oc_table *t = tables[i];
        char line[512];
        fmt(&o, "<section id=\"t%zu\"><h2>", i);
        text(&o, t->title ? t->title : t->id);
        raw(&o, "</h2><p class=\"note\">");
        text(&o, "Table ");   /* piece by piece: a filter has no length limit */
        text(&o, t->id);
        text(&o, ", dataset ");
        text(&o, t->dataset ? t->dataset : "?");
        if (t->where) {
            text(&o, "; records with ");
            text(&o, t->where);
        }
        text(&o, ". ");
        tabw_protection_note(t, NULL, line, sizeof line);
        text(&o, line);
        raw(&o, "</p>\n");
        if (t->ndims <= CUBE_MAX_DIMS && t->ndims > 0)
            chart(&o, t, (int)i);
        crosstab(&o, t);
        raw(&o, "</section>\n");
    }
    for (i = 0; i < m->nextra; i++) {
        el(&o, "<section><h2>", m->extra[2 * i], "</h2>\n");
        csv_table(&o, m->extra[2 * i + 1]);
        raw(&o, "</section>\n");
    }
    el(&o, "<p class=\"note\">Configuration SHA-256 ", m->config_sha ? m->config_sha : "",
       "</p>\n</body></html>\n");
    return o.st == OC_OK ? OC_OK : OC_ENOMEM;
}

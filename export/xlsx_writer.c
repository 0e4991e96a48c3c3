/* xlsx_writer.c - see xlsx_writer.h. */
#define _POSIX_C_SOURCE 200809L
#include "xlsx_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "cube.h"
#include "protect.h"
#include "table_writer.h"

#define MAX_ROWS 1048576u
#define MAX_COLS 16384u
#define SHEET_NAME_MAX 31

typedef struct fmts {
    lxw_format *title, *note, *head, *head_num, *code, *num, *sym, *bold;
} fmts;

static const char legend_c[] = "confidential: suppressed so that no individual can be identified (counts "
                               "below the threshold, and further cells chosen so that none can be "
                               "recovered from the totals)";
static const char legend_u[] = "not exact: includes a count that the source itself suppressed (e.g. \"<5\")";

static double clamp_width(size_t n, double lo, double hi)
{
    double w = (double)n + 2;
    return w < lo ? lo : w > hi ? hi : w;
}

static void write_value(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const oc_table *t, size_t i, const fmts *f)
{
    if (t->status[i] == CELL_PUBLISHED)
        worksheet_write_number(ws, r, c, (double)t->value[i], f->num);
    else
        worksheet_write_string(ws, r, c, tabw_symbol(t->status[i]), f->sym);
}

/* One table: cross-tab, or one row per cell when too wide or too long. */
static oc_status table_sheet(lxw_workbook *wb, const oc_table *t, const char *name, const fmts *f, oc_error *err)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    size_t nrow_dims = t->ndims > 1 ? t->ndims - 1 : t->ndims, ncol = 1, nrows, i, k, d, pos[CUBE_MAX_DIMS];
    const tab_dim *cd = t->ndims > 1 ? &t->dims[t->ndims - 1] : NULL;
    lxw_row_t r = 0, head;
    char line[1024];
    int cross;
    if (!ws)
        return oc_error_set(err, OC_EIO, "cannot add the sheet '%s' to the workbook", name);
    if (cd)
        ncol = cd->n;
    nrows = ncol ? t->ncells / ncol : 0;
    cross = nrow_dims + ncol <= MAX_COLS && nrows + 16 <= MAX_ROWS;
    if (!cross) {   /* one row per cell */
        nrow_dims = t->ndims;
        ncol = 1;
        nrows = t->ncells;
        cd = NULL;
        if (nrows + 16 > MAX_ROWS) {   /* not even one row per cell: a note, the data is in the CSV */
            worksheet_write_string(ws, 0, 0, t->title ? t->title : t->id, f->title);
            snprintf(line, sizeof line, "Table %s has %zu cells, more than a sheet holds; see %s.csv.", t->id,
                     t->ncells, t->id);
            worksheet_write_string(ws, 1, 0, line, f->note);
            return OC_OK;
        }
    }
    worksheet_write_string(ws, r++, 0, t->title ? t->title : t->id, f->title);
    {   /* a filter has no length limit: the note is built to its size */
        oc_buf note;
        oc_buf_init(&note, 0);
        if (oc_buf_printf(&note, "Table %s, dataset %s%s%s.", t->id, t->dataset ? t->dataset : "?",
                          t->where ? "; only records with " : "", t->where ? t->where : "") != OC_OK) {
            oc_buf_fini(&note);
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        }
        worksheet_write_string(ws, r++, 0, note.data, f->note);
        oc_buf_fini(&note);
    }
    tabw_protection_note(t, TABW_CONFIDENTIAL, line, sizeof line);
    worksheet_write_string(ws, r++, 0, line, f->note);
    r++;
    if (cd)   /* the column dimension's id above its codes */
        worksheet_write_string(ws, r, (lxw_col_t)nrow_dims, cd->id, f->bold);
    r++;
    head = r;
    for (d = 0; d < nrow_dims; d++) {
        size_t w = strlen(t->dims[d].id);
        worksheet_write_string(ws, head, (lxw_col_t)d, t->dims[d].id, f->head);
        for (k = 0; k < t->dims[d].n; k++)
            w = strlen(table_code_label(&t->dims[d], k)) > w ? strlen(table_code_label(&t->dims[d], k)) : w;
        worksheet_set_column(ws, (lxw_col_t)d, (lxw_col_t)d, clamp_width(w, 8, 48), NULL);
    }
    for (k = 0; k < ncol; k++) {
        const char *lab = cd ? table_code_label(cd, k) : "Count";
        worksheet_write_string(ws, head, (lxw_col_t)(nrow_dims + k), lab, f->head_num);
        worksheet_set_column(ws, (lxw_col_t)(nrow_dims + k), (lxw_col_t)(nrow_dims + k),
                             clamp_width(strlen(lab), 9, 30), NULL);
    }
    r++;
    for (i = 0; i < nrows; i++, r++) {
        table_cell_pos(t, i * ncol, pos);   /* the row's codes (and 0 in the column dimension) */
        for (d = 0; d < nrow_dims; d++)
            worksheet_write_string(ws, r, (lxw_col_t)d, table_code_label(&t->dims[d], pos[d]), f->code);
        for (k = 0; k < ncol; k++)
            write_value(ws, r, (lxw_col_t)(nrow_dims + k), t, i * ncol + k, f);
    }
    r++;
    worksheet_write_string(ws, r, 0, TABW_CONFIDENTIAL, f->sym);
    worksheet_write_string(ws, r++, 1, legend_c, f->note);
    worksheet_write_string(ws, r, 0, TABW_NOT_EXACT, f->sym);
    worksheet_write_string(ws, r++, 1, legend_u, f->note);
    worksheet_freeze_panes(ws, (lxw_row_t)(head + 1), (lxw_col_t)nrow_dims);
    return OC_OK;
}

static void count_status(const oc_table *t, size_t *prim, size_t *sec, size_t *src)
{
    size_t i;
    *prim = *sec = *src = 0;
    for (i = 0; i < t->ncells; i++) {
        *prim += t->status[i] == CELL_PRIMARY;
        *sec += t->status[i] == CELL_SECONDARY;
        *src += t->status[i] == CELL_SOURCE;
    }
}

static oc_status meta_sheet(lxw_workbook *wb, const oc_table *const *tables, size_t n, const xlsx_meta *meta,
                            const fmts *f, oc_error *err)
{
    static const char *const cols[] = {
        "Table", "Title", "Dataset", "Filters", "Dimensions", "Cells", "Threshold (min count)",
        "Zeros protected", "Secondary suppression", "Method", "Protected together with",
        "Protection levels (upper, lower)", "Suppressed (primary)", "Suppressed (secondary)",
        "Not exact (source)", "Rows read", "Rows counted", "Rows filtered", "Rows rejected"};
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Metadata");
    lxw_row_t r = 0;
    size_t i, c, d;
    char buf[1024];
    if (!ws)
        return oc_error_set(err, OC_EIO, "cannot add the Metadata sheet to the workbook");
    worksheet_set_column(ws, 0, 0, 28, NULL);
    worksheet_set_column(ws, 1, (lxw_col_t)(sizeof cols / sizeof cols[0] - 1), 22, NULL);
    worksheet_write_string(ws, r++, 0, meta->title ? meta->title : "Release", f->title);
    for (i = 0; i < meta->nlines; i++, r++) {
        worksheet_write_string(ws, r, 0, meta->lines[2 * i], f->bold);
        worksheet_write_string(ws, r, 1, meta->lines[2 * i + 1], NULL);
    }
    r++;
    for (c = 0; c < sizeof cols / sizeof cols[0]; c++)
        worksheet_write_string(ws, r, (lxw_col_t)c, cols[c], f->head);
    r++;
    for (i = 0; i < n; i++, r++) {
        const oc_table *t = tables[i];
        size_t prim, sec, src, at = 0;
        count_status(t, &prim, &sec, &src);
        worksheet_write_string(ws, r, 0, t->id, NULL);
        worksheet_write_string(ws, r, 1, t->title ? t->title : "", NULL);
        worksheet_write_string(ws, r, 2, t->dataset ? t->dataset : "", NULL);
        worksheet_write_string(ws, r, 3, t->where ? t->where : "", NULL);
        buf[0] = '\0';
        for (d = 0; d < t->ndims && at < sizeof buf; d++)
            at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", d ? " x " : "", t->dims[d].id);
        worksheet_write_string(ws, r, 4, buf, NULL);
        worksheet_write_number(ws, r, 5, (double)t->ncells, f->num);
        worksheet_write_number(ws, r, 6, (double)t->min_count, f->num);
        worksheet_write_string(ws, r, 7, t->protect_zeros ? "yes" : "no", NULL);
        worksheet_write_string(ws, r, 8, t->secondary ? "yes" : "no (unprotected)", NULL);
        worksheet_write_string(ws, r, 9, protect_method_name(t->method), NULL);
        worksheet_write_string(ws, r, 10, t->linked ? t->linked : "", NULL);
        snprintf(buf, sizeof buf, "%g + %g%%, %g + %g%%", t->upl, t->upl_pct, t->lpl, t->lpl_pct);
        worksheet_write_string(ws, r, 11, buf, NULL);
        worksheet_write_number(ws, r, 12, (double)prim, f->num);
        worksheet_write_number(ws, r, 13, (double)sec, f->num);
        worksheet_write_number(ws, r, 14, (double)src, f->num);
        worksheet_write_number(ws, r, 15, (double)t->acct.read, f->num);
        worksheet_write_number(ws, r, 16, (double)t->acct.counted, f->num);
        worksheet_write_number(ws, r, 17, (double)t->acct.filtered, f->num);
        worksheet_write_number(ws, r, 18, (double)t->acct.rejected, f->num);
    }
    r++;
    worksheet_write_string(ws, r++, 0, "Symbols", f->bold);
    worksheet_write_string(ws, r, 0, TABW_CONFIDENTIAL, f->sym);
    worksheet_write_string(ws, r++, 1, legend_c, NULL);
    worksheet_write_string(ws, r, 0, TABW_NOT_EXACT, f->sym);
    worksheet_write_string(ws, r++, 1, legend_u, NULL);
    worksheet_write_string(ws, r, 0, "Total", f->sym);
    worksheet_write_string(ws, r++, 1, "the sum over all codes of a dimension (code _T)", NULL);
    return OC_OK;
}

/* A plain sheet from CSV text: the header bold, numeric fields as numbers. */
static oc_status csv_sheet(lxw_workbook *wb, const char *name, const char *csv, const fmts *f, oc_error *err)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    lxw_row_t r = 0;
    lxw_col_t c = 0;
    const char *p = csv;
    char cell[1024];
    int k;
    if (!ws)
        return oc_error_set(err, OC_EIO, "cannot add the sheet '%s' to the workbook", name);
    worksheet_set_column(ws, 0, 12, 16, NULL);
    while ((k = oc_csv_field(&p, cell, sizeof cell)) != 0) {
        char *e;
        double v = strtod(cell, &e);
        if (r == 0)
            worksheet_write_string(ws, r, c, cell, f->head);
        else if (cell[0] && !*e && cell[0] != '+' && !(cell[0] == '0' && cell[1] && cell[1] != '.'))
            worksheet_write_number(ws, r, c, v, NULL);
        else if (cell[0])
            worksheet_write_string(ws, r, c, cell, NULL);
        if (k == 1) {
            r++;
            c = 0;
        } else {
            c++;
        }
    }
    return OC_OK;
}

/* A sheet name from a table id or a heading: at most 31 characters, none
 * of []:*?/\, unlike the n names given before and "Metadata" (a suffix ~2,
 * ~3 ... when needed). */
static void sheet_name(const char *id, char (*before)[SHEET_NAME_MAX + 1], size_t n, char *out)
{
    size_t j, k;
    char base[SHEET_NAME_MAX + 1];
    snprintf(base, sizeof base, "%s", id);
    for (j = 0; base[j]; j++)
        if (strchr("[]:*?/\\", base[j]))
            base[j] = '_';
    for (k = 1;; k++) {
        if (k == 1)
            snprintf(out, SHEET_NAME_MAX + 1, "%s", base);
        else
            snprintf(out, SHEET_NAME_MAX + 1, "%.*s~%zu", SHEET_NAME_MAX - 4, base, k);
        for (j = 0; j < n && strcmp(before[j], out) != 0; j++)
            ;
        if (j == n && strcmp(out, "Metadata") != 0)
            return;
    }
}

oc_status xlsx_write(const oc_table *const *tables, size_t n, const xlsx_meta *meta, oc_buf *out, oc_error *err)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    lxw_workbook_options opt;
    lxw_doc_properties props;
    lxw_workbook *wb;
    lxw_error e;
    fmts f;
    size_t i;
    oc_status st = OC_OK;
    int fd;
    char *bytes = NULL, title[256], comments[64];
    char (*names)[SHEET_NAME_MAX + 1] = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/ocstat-xlsx-XXXXXX", dir && *dir ? dir : "/tmp");
    if ((fd = mkstemp(path)) < 0) {
        oc_error_at(err, path, 0, 0);
        return oc_error_sys(err, "cannot create a temporary file for the workbook");
    }
    close(fd);
    memset(&opt, 0, sizeof opt);
    opt.constant_memory = 1;   /* rows go to disk as they are written: memory stays small */
    if (!(wb = workbook_new_opt(path, &opt))) {
        unlink(path);
        return oc_error_set(err, OC_ENOMEM, "out of memory (workbook)");
    }
    memset(&props, 0, sizeof props);
    snprintf(title, sizeof title, "%s", meta->title ? meta->title : "");
    snprintf(comments, sizeof comments, "Written by ocstat %s", OC_VERSION);
    props.title = title;   /* not const in older libxlsxwriter */
    props.comments = comments;
    props.created = meta->created > 0 ? meta->created : 1;
    workbook_set_properties(wb, &props);
    f.title = workbook_add_format(wb);
    format_set_bold(f.title);
    format_set_font_size(f.title, 13);
    f.note = workbook_add_format(wb);
    format_set_italic(f.note);
    f.bold = workbook_add_format(wb);
    format_set_bold(f.bold);
    f.head = workbook_add_format(wb);
    format_set_bold(f.head);
    format_set_bottom(f.head, LXW_BORDER_THIN);
    f.head_num = workbook_add_format(wb);
    format_set_bold(f.head_num);
    format_set_bottom(f.head_num, LXW_BORDER_THIN);
    format_set_align(f.head_num, LXW_ALIGN_RIGHT);
    f.code = workbook_add_format(wb);
    f.num = workbook_add_format(wb);
    format_set_num_format(f.num, "#,##0");
    f.sym = workbook_add_format(wb);
    format_set_align(f.sym, LXW_ALIGN_RIGHT);
    if (!(names = oc_calloc(n + meta->nextra + 1, sizeof *names)))
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
    for (i = 0; i < n && st == OC_OK; i++) {
        sheet_name(tables[i]->id, names, i, names[i]);
        st = table_sheet(wb, tables[i], names[i], &f, err);
    }
    if (st == OC_OK)
        st = meta_sheet(wb, tables, n, meta, &f, err);
    for (i = 0; i < meta->nextra && st == OC_OK; i++) {
        sheet_name(meta->extra[2 * i], names, n + i, names[n + i]);
        st = csv_sheet(wb, names[n + i], meta->extra[2 * i + 1], &f, err);
    }
    oc_free(names);
    e = workbook_close(wb);   /* writes the file; frees wb in every case */
    if (st == OC_OK && e != LXW_NO_ERROR)
        st = oc_error_set(err, OC_EIO, "cannot write the workbook: %s", lxw_strerror(e));
    if (st == OC_OK && (st = oc_read_file(path, (size_t)1 << 31, &bytes, &len, err)) == OC_OK) {
        st = oc_buf_append(out, bytes, len);
        if (st != OC_OK)
            st = oc_error_set(err, OC_ENOMEM, "out of memory");
    }
    oc_free(bytes);
    unlink(path);
    return st;
}

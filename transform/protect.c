/* protect.c - see protect.h. */
#define _POSIX_C_SOURCE 200809L
#include "protect.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "hypercube.h"
#include "oc_mem.h"
#include "sdc_model.h"

#define MAX_REPAIR_ROUNDS 25
#define AUTO_GAUSS_3D     1500   /* interior cells: larger 3-D tables get moves */
#define PORTFOLIO_CELLS   200000 /* 4-D tables up to this many cells try both searches
                                  * (50x15x3x9: 7,620 secondaries instead of 8,253, in
                                  * 1.0 s); on 5-D tables branch and bound did not win */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void cheapest_in(const oc_table *t, const sdc_model *m, size_t r, size_t *best)
{
    size_t k;
    for (k = m->off[r]; k < m->off[r + 1]; k++) {
        size_t c = m->idx[k];
        if (t->status[c] != CELL_PUBLISHED || t->value[c] == 0)
            continue;
        if (*best == SIZE_MAX || t->value[c] < t->value[*best] || (t->value[c] == t->value[*best] && c < *best))
            *best = c;
    }
}

/* The cheapest published non-empty cell in a relation with `cell`, else in
 * a relation of one of its suppressed neighbours; SIZE_MAX if none. */
static size_t repair_cell(const oc_table *t, const sdc_model *m, size_t cell)
{
    size_t best = SIZE_MAX, i, k, j;
    for (i = m->coff[cell]; i < m->coff[cell + 1]; i++)
        cheapest_in(t, m, m->crel[i], &best);
    for (i = m->coff[cell]; i < m->coff[cell + 1] && best == SIZE_MAX; i++)
        for (k = m->off[m->crel[i]]; k < m->off[m->crel[i] + 1]; k++) {
            size_t c = m->idx[k];
            if (t->status[c] == CELL_PUBLISHED || c == cell)
                continue;
            for (j = m->coff[c]; j < m->coff[c + 1]; j++)
                cheapest_in(t, m, m->crel[j], &best);
        }
    return best;
}

/* ---- integer moves --------------------------------------------------------
 *
 * A cell that whole numbers pin down (its LP interval is narrower than one
 * unit) is repaired with a move that is integral by construction: +1 on
 * the cell, -1 on a partner along one dimension and another along a
 * second, +1 on the opposite corner, and the same on every margin those
 * four interior cells add into.  Every cell the move changes is kept
 * suppressed; if the move is feasible from the true table (no cell leaves
 * its bounds, empty cells untouched, the singleton `avoid` unchanged),
 * the attacker's interval of the cell holds two whole numbers.  Among the
 * moves through the cell the one that suppresses the least count is
 * taken (first in table order on ties). */

#define MAXCH 4096
#define BOX_AFTER 3   /* repair rounds before integral moves are used */

typedef struct chg { size_t cell; int delta; } chg;

/* leaf[d][code]: the code has no children (one array per dimension, in
 * one block; NULL when out of memory). */
static unsigned char **leaf_flags(const oc_table *t)
{
    size_t d, i, total = 0;
    unsigned char **leaf, *p;
    for (d = 0; d < t->ndims; d++)
        total += t->dims[d].n;
    leaf = oc_malloc(t->ndims * sizeof *leaf + (total ? total : 1));
    if (!leaf)
        return NULL;
    p = (unsigned char *)(leaf + t->ndims);
    for (d = 0; d < t->ndims; d++) {
        leaf[d] = p;
        memset(p, 1, t->dims[d].n);
        for (i = 0; i < t->dims[d].n; i++)
            if (t->dims[d].parent[i] >= 0)
                p[t->dims[d].parent[i]] = 0;
        p += t->dims[d].n;
    }
    return leaf;
}

/* Adds sign * (the interior cell at pos) to every cell containing it. */
static int add_atom(const oc_table *t, const size_t *pos, int sign, chg *ch, size_t *nch)
{
    size_t k[32], d, nd = t->ndims;
    for (d = 0; d < nd; d++)
        k[d] = pos[d];
    for (;;) {
        size_t cell = table_cell_at(t, k), i;
        for (i = 0; i < *nch && ch[i].cell != cell; i++)
            ;
        if (i == *nch) {
            if (*nch == MAXCH)
                return -1;
            ch[i].cell = cell;
            ch[i].delta = 0;
            (*nch)++;
        }
        ch[i].delta += sign;
        for (d = nd; d-- > 0;) {
            int32_t p = t->dims[d].parent[k[d]];
            if (p >= 0) {
                k[d] = (size_t)p;
                break;
            }
            k[d] = pos[d];
        }
        if (d == (size_t)-1)
            return 0;
    }
}

/* Cost of the move (count newly suppressed), or -1 if it is not usable. */
static int64_t move_cost(const oc_table *t, const chg *ch, size_t nch, size_t avoid, int lb1)
{
    size_t i;
    int up = 1, down = 1;
    int64_t cost = 0;
    for (i = 0; i < nch; i++) {
        int64_t v = (int64_t)t->value[ch[i].cell], lb;
        if (ch[i].delta == 0)
            continue;
        if (v == 0 || ch[i].cell == avoid)
            return -1;
        lb = lb1 ? 1 : 0;
        if (v + ch[i].delta < lb)
            up = 0;
        if (v - ch[i].delta < lb)
            down = 0;
        if (t->status[ch[i].cell] == CELL_PUBLISHED)
            cost += v;
    }
    return up || down ? cost : -1;
}

/* Finds the cheapest integral move through interior cell `cell` and sets
 * keep[] on the cells it changes.  Returns 1 if that kept a cell that was
 * not kept already. */
static int box_repair(const oc_table *t, unsigned char *const *leaf, size_t cell, size_t avoid, int lb1,
                      unsigned char *keep)
{
    size_t nd = t->ndims, pos[32], d1, d2, a, b, d, i;
    size_t best_pos[4][32] = {{0}};
    int64_t best = -1;
    chg *ch;
    if (nd < 2 || nd > 32)
        return 0;
    table_cell_pos(t, cell, pos);
    for (d = 0; d < nd; d++)
        if (!leaf[d][pos[d]])
            return 0;
    ch = oc_malloc(MAXCH * sizeof *ch);
    if (!ch)
        return 0;
    for (d1 = 0; d1 < nd; d1++)
        for (d2 = d1 + 1; d2 < nd; d2++)
            for (a = 0; a < t->dims[d1].n; a++) {
                if (a == pos[d1] || !leaf[d1][a])
                    continue;
                for (b = 0; b < t->dims[d2].n; b++) {
                    size_t p[4][32], nch = 0, q;
                    int64_t cost;
                    int ok = 1;
                    if (b == pos[d2] || !leaf[d2][b])
                        continue;
                    for (q = 0; q < 4; q++) {
                        memcpy(p[q], pos, nd * sizeof *pos);
                        if (q & 1)
                            p[q][d1] = a;
                        if (q & 2)
                            p[q][d2] = b;
                    }
                    for (q = 0; q < 4 && ok; q++)
                        ok = t->value[table_cell_at(t, p[q])] != 0;
                    for (q = 0; q < 4 && ok; q++)
                        ok = add_atom(t, p[q], (q == 0 || q == 3) ? 1 : -1, ch, &nch) == 0;
                    if (!ok || (cost = move_cost(t, ch, nch, avoid, lb1)) < 0)
                        continue;
                    if (best < 0 || cost < best) {
                        best = cost;
                        memcpy(best_pos, p, sizeof p);
                    }
                }
            }
    if (best >= 0) {
        size_t nch = 0, q;
        for (q = 0; q < 4; q++)
            (void)add_atom(t, best_pos[q], (q == 0 || q == 3) ? 1 : -1, ch, &nch);
        best = -1;
        for (i = 0; i < nch; i++)
            if (ch[i].delta != 0 && !keep[ch[i].cell]) {
                keep[ch[i].cell] = 1;
                best = 0;   /* something new is kept */
            }
    }
    oc_free(ch);
    return best >= 0;
}

int protect_method_parse(const char *name)
{
    if (!strcmp(name, "auto"))
        return SDC_AUTO;
    if (!strcmp(name, "gauss"))
        return SDC_GAUSS;
    if (!strcmp(name, "hypercube"))
        return SDC_HYPERCUBE;
    return -1;
}

const char *protect_method_name(int method)
{
    return method == SDC_GAUSS ? "gauss" : method == SDC_HYPERCUBE ? "hypercube" : "auto";
}

/* The method "auto" picks (measured with bench/sdc_bench): the Gaussian
 * pass in one and two dimensions and on small 3-D tables, where it
 * suppresses fewer cells; moves from four dimensions on and on larger 3-D
 * tables, where the Gaussian pass's basis grows dense and its patterns need
 * many integer programs and repair rounds (a 4-D table of 2,400 cells: 44-48 %
 * suppressed in 7-170 s, or failed, against 40-43 % in 0.01 s). */
static int method_of(const oc_table *t)
{
    size_t d, inner = 1;
    for (d = 0; d < t->ncells; d++)   /* only moves know cells the attacker does not see */
        if (cell_unknown(t->status[d]))
            return SDC_HYPERCUBE;
    if (t->method != SDC_AUTO)
        return t->method;
    if (t->ndims <= 2)
        return SDC_GAUSS;
    if (t->ndims >= 4)
        return SDC_HYPERCUBE;
    for (d = 0; d < t->ndims; d++)
        inner *= t->dims[d].n;
    return inner <= AUTO_GAUSS_3D ? SDC_GAUSS : SDC_HYPERCUBE;
}

/* Names the first disclosed cell of res in err (OC_EAUDIT). */
static oc_status audit_failure(const oc_table *t, const audit_result *res, oc_error *err)
{
    const audit_cell *a = NULL;
    oc_buf where;
    oc_status st;
    size_t i;
    for (i = 0; i < res->n && !a; i++)
        if (res->cells[i].disclosed)
            a = &res->cells[i];
    if (!a)
        return oc_error_set(err, OC_EAUDIT, "table %s fails its audit", t->id ? t->id : "?");
    oc_buf_init(&where, 0);
    if (table_cell_name(t, a->cell, ",", &where) != OC_OK) {
        oc_buf_fini(&where);
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    }
    st = oc_error_set(err, OC_EAUDIT,
                      "table %s fails its audit: %zu suppressed cell(s) can be recovered, e.g. %s "
                      "(%s, interval [%g, %g])",
                      t->id ? t->id : "?", res->disclosed, where.data, audit_reason_name(a->verdict), a->lo, a->hi);
    oc_buf_fini(&where);
    return st;
}

/* One audit of the current pattern, the moves mv as witnesses. */
static oc_status audit_round(const oc_table *t, const sdc_model *m, audit_opts *o, const hc_moves *mv,
                             audit_result *res, protect_report *rep, oc_error *err)
{
    double t0 = now();
    oc_status st;
    o->moves = mv;
    audit_result_fini(res);
    st = audit_table(t, m, o, res, err);
    rep->secs_audit += now() - t0;
    if (st == OC_OK) {
        rep->audited = res->n;
        rep->components = res->components;
        rep->largest = res->largest;
    }
    return st;
}

/* Moves for t both ways (local search; branch and bound everywhere), the
 * pattern with fewer suppressed cells kept (the first on ties), and the
 * way it was found in *thorough. */
static oc_status both_searches(oc_table *t, const hc_need *hn, hc_moves *mv, int *thorough, oc_error *err)
{
    unsigned char *s0 = oc_malloc(t->ncells ? t->ncells : 1), *s1 = oc_malloc(t->ncells ? t->ncells : 1);
    hc_moves mv2;
    size_t c, n1 = 0, n2 = 0;
    oc_status st;
    hc_moves_init(&mv2);
    if (!s0 || !s1) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(s0, t->status, t->ncells);
    if ((st = hc_protect(t, hn, NULL, 0, 0, mv, err)) != OC_OK)
        goto out;
    memcpy(s1, t->status, t->ncells);
    memcpy(t->status, s0, t->ncells);
    if ((st = hc_protect(t, hn, NULL, 0, 1, &mv2, err)) != OC_OK)
        goto out;
    for (c = 0; c < t->ncells; c++) {
        n1 += s1[c] != CELL_PUBLISHED;
        n2 += t->status[c] != CELL_PUBLISHED;
    }
    *thorough = n2 < n1;
    if (*thorough) {
        hc_moves tmp = *mv;
        *mv = mv2;
        mv2 = tmp;
    } else {
        memcpy(t->status, s1, t->ncells);
    }
out:
    hc_moves_fini(&mv2);
    oc_free(s0);
    oc_free(s1);
    return st;
}

/* The hypercube method: every cell to protect gets its moves; the audit
 * checks them and solves LPs only for what they leave open; a cell still
 * failing is added to the cells to protect (with the cheapest related
 * cell) and moves are searched again. */
static oc_status protect_moves(oc_table *t, const sdc_model *m, const audit_opts *o0, protect_report *rep,
                               oc_error *err)
{
    hc_moves mv;
    hc_need hn;
    audit_opts o = *o0;
    audit_result res;
    size_t *extra = NULL, nextra = 0, round, i;
    oc_status st;
    double t0;
    int thorough = 0;
    hc_moves_init(&mv);
    memset(&res, 0, sizeof res);
    audit_hc_need(&o, &hn);
    extra = oc_malloc((t->ncells ? t->ncells : 1) * sizeof *extra);
    if (!extra)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    for (round = 0;; round++) {
        size_t before = nextra;
        t0 = now();
        if (round == 0 && t->ndims == 4 && t->ncells <= PORTFOLIO_CELLS)
            st = both_searches(t, &hn, &mv, &thorough, err);
        else
            st = hc_protect(t, &hn, extra, nextra, thorough, &mv, err);
        if (st != OC_OK)
            goto out;
        t->secondary = 1;
        rep->secs_suppress += now() - t0;
        if ((st = audit_round(t, m, &o, &mv, &res, rep, err)) != OC_OK)
            goto out;
        if (res.disclosed == 0)
            break;
        for (i = 0; i < res.n && round < MAX_REPAIR_ROUNDS; i++) {
            size_t r;
            if (!res.cells[i].disclosed)
                continue;
            r = repair_cell(t, m, res.cells[i].cell);
            if (r != SIZE_MAX) {
                size_t k;
                for (k = 0; k < nextra && extra[k] != r; k++)
                    ;
                if (k == nextra)
                    extra[nextra++] = r;
            }
        }
        if (nextra == before) {
            st = audit_failure(t, &res, err);
            goto out;
        }
        rep->repairs = nextra;
    }
out:
    for (i = 0; i < t->ncells; i++)
        rep->sup.secondary += t->status[i] == CELL_SECONDARY;
    audit_result_fini(&res);
    hc_moves_fini(&mv);
    oc_free(extra);
    return st;
}

oc_status protect_table(oc_table *t, int secondary, protect_report *rep, oc_error *err)
{
    sdc_model *m = NULL;
    audit_opts o;
    audit_result res;
    size_t *extra = NULL, nextra = 0, round, c;
    unsigned char *is_extra = NULL, *keep = NULL, **leaf = NULL;
    oc_status st;
    double t0;
    hc_moves mv;
    hc_need hn;
    int auto_ = 0;

    hc_moves_init(&mv);

    memset(rep, 0, sizeof *rep);
    memset(&res, 0, sizeof res);
    if (!secondary || !t->totals || (t->min_count <= 0 && t->group_flagged == 0)) {
        t->secondary = 0;
        return OC_OK;
    }
    if ((st = sdc_model_build(t, &m, err)) != OC_OK)
        return st;
    extra = oc_malloc((t->ncells ? t->ncells : 1) * sizeof *extra);
    is_extra = oc_calloc(t->ncells ? t->ncells : 1, 1);
    keep = oc_calloc(t->ncells ? t->ncells : 1, 1);
    leaf = leaf_flags(t);
    if (!extra || !is_extra || !keep || !leaf) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    audit_opts_default(&o, t);
    o.intervals = 0;   /* verdicts are enough here */
    audit_hc_need(&o, &hn);
    if (method_of(t) == SDC_HYPERCUBE) {
        for (c = 0; c < t->ncells; c++)
            if (t->status[c] == CELL_SECONDARY)
                t->status[c] = CELL_PUBLISHED;
        st = protect_moves(t, m, &o, rep, err);
        t->method = SDC_HYPERCUBE;
        goto out;
    }
    auto_ = t->method == SDC_AUTO;
    t->method = SDC_GAUSS;
    for (round = 0;; round++) {
        size_t i, added = 0;
        t0 = now();
        for (c = 0; c < t->ncells; c++)
            if (t->status[c] == CELL_SECONDARY)
                t->status[c] = CELL_PUBLISHED;
        if ((st = suppress_secondary(t, extra, nextra, keep, &rep->sup, err)) != OC_OK)
            goto out;
        t->secondary = 1;
        rep->secs_suppress += now() - t0;
        t0 = now();
        hc_moves_fini(&mv);
        st = hc_certify(t, &hn, &mv, err);
        rep->secs_audit += now() - t0;
        if (st != OC_OK || (st = audit_round(t, m, &o, &mv, &res, rep, err)) != OC_OK)
            goto out;
        if (res.disclosed == 0)
            break;
        if (round < MAX_REPAIR_ROUNDS)
            for (i = 0; i < res.n; i++) {
                size_t r;
                if (!res.cells[i].disclosed)
                    continue;
                /* after a few rounds of cheap repairs, an integral move
                 * through a cell that is still exact (or exact for a
                 * singleton's unit) */
                if (round >= BOX_AFTER && res.cells[i].verdict != AUDIT_LEVEL &&
                    box_repair(t, leaf, res.cells[i].cell,
                               res.cells[i].verdict == AUDIT_SINGLETON ? res.cells[i].by : SIZE_MAX,
                               !t->protect_zeros, keep)) {
                    added++;
                    continue;
                }
                r = repair_cell(t, m, res.cells[i].cell);
                if (r != SIZE_MAX && !is_extra[r]) {
                    is_extra[r] = 1;
                    extra[nextra++] = r;
                    added++;
                }
            }
        if (added == 0) {
            st = audit_failure(t, &res, err);
            goto out;
        }
        rep->repairs = nextra;
    }
out:
    if (st == OC_EAUDIT && auto_) {
        /* "auto" chose the Gaussian pass and its repairs ran out: moves */
        oc_error_clear(err);
        for (c = 0; c < t->ncells; c++)
            if (t->status[c] == CELL_SECONDARY)
                t->status[c] = CELL_PUBLISHED;
        rep->sup.secondary = 0;
        rep->repairs = 0;
        st = protect_moves(t, m, &o, rep, err);
        t->method = SDC_HYPERCUBE;
    }
    audit_result_fini(&res);
    hc_moves_fini(&mv);
    sdc_model_free(m);
    oc_free(extra);
    oc_free(is_extra);
    oc_free(keep);
    oc_free(leaf);
    return st;
}

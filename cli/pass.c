/* pass.c - see pass.h. */
#define _POSIX_C_SOURCE 200809L
#include "pass.h"

#include <pthread.h>
#include <stdatomic.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ahead.h"
#include "csv_reader.h"
#include "oc_mem.h"
#include "oc_source.h"

/* A total row of the input and the sum of the rows below it. */
typedef struct tot_entry {
    uint64_t reported, parts;   /* parts: exact part; flags below */
    uint64_t line;
    size_t   input;
    int      has_report, report_unknown, parts_unknown;
} tot_entry;

/* With two or more tables, a second thread counts: the reading thread
 * recodes records into blocks of coded records, the counting thread adds
 * them to every table's cube.  Counts are sums, so the tables are the same
 * whatever the timing. */
#define CB_RECS  2048   /* coded records per block */
#define CB_SLOTS 8      /* blocks in flight */

typedef struct cblock {
    size_t       n;
    const char  *path;     /* the input the records come from (messages) */
    uint32_t    *codes;    /* CB_RECS x ndims */
    uint64_t    *w;        /* CB_RECS */
    uint64_t    *line;     /* CB_RECS */
} cblock;

typedef struct counter {
    pthread_t       th;
    pthread_mutex_t mu;
    pthread_cond_t  cv;       /* a block was queued, taken, or the end came */
    cblock          blk[CB_SLOTS];
    size_t          head, queued;   /* oldest queued block; blocks queued */
    size_t          fill;     /* the block the reader fills (not queued) */
    int             done, started;
    oc_status       st;       /* the first cube_add failure (the counting thread's) */
    oc_error        err;
    atomic_int      failed;   /* st is set: the reader stops */
    cube          **cubes;
    size_t          ncubes, ndims;
} counter;

static void *count_main(void *arg)
{
    counter *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        cblock *b;
        size_t r, i;
        while (q->queued == 0 && !q->done)
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->queued == 0)
            break;
        b = &q->blk[q->head];
        pthread_mutex_unlock(&q->mu);
        for (r = 0; r < b->n && q->st == OC_OK; r++)
            for (i = 0; i < q->ncubes; i++) {
                oc_status st = cube_add(q->cubes[i], b->codes + r * q->ndims, b->w[r], &q->err);
                if (st != OC_OK) {
                    oc_error_at(&q->err, b->path, b->line[r], 0);
                    q->st = st;
                    atomic_store(&q->failed, 1);
                    break;
                }
            }
        pthread_mutex_lock(&q->mu);
        b->n = 0;
        q->head = (q->head + 1) % CB_SLOTS;
        q->queued--;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* Queues the block being filled and waits for a free one to fill. */
static void counter_push(counter *q)
{
    pthread_mutex_lock(&q->mu);
    q->queued++;
    pthread_cond_broadcast(&q->cv);
    while (q->queued == CB_SLOTS)
        pthread_cond_wait(&q->cv, &q->mu);
    q->fill = (q->head + q->queued) % CB_SLOTS;
    pthread_mutex_unlock(&q->mu);
}

static oc_status counter_start(counter *q, cube **cubes, size_t ncubes, size_t ndims, oc_error *err)
{
    size_t i;
    memset(q, 0, sizeof *q);
    atomic_init(&q->failed, 0);
    q->cubes = cubes;
    q->ncubes = ncubes;
    q->ndims = ndims ? ndims : 1;
    oc_error_clear(&q->err);
    for (i = 0; i < CB_SLOTS; i++)
        if (!(q->blk[i].codes = oc_malloc(CB_RECS * q->ndims * sizeof *q->blk[i].codes)) ||
            !(q->blk[i].w = oc_malloc(CB_RECS * sizeof *q->blk[i].w)) ||
            !(q->blk[i].line = oc_malloc(CB_RECS * sizeof *q->blk[i].line)))
            return oc_error_set(err, OC_ENOMEM, "out of memory");
    if (pthread_mutex_init(&q->mu, NULL) != 0)
        return oc_error_set(err, OC_ENOMEM, "cannot create a mutex");
    if (pthread_cond_init(&q->cv, NULL) != 0) {
        pthread_mutex_destroy(&q->mu);
        return oc_error_set(err, OC_ENOMEM, "cannot create a condition variable");
    }
    if (pthread_create(&q->th, NULL, count_main, q) != 0) {
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
        return oc_error_set(err, OC_ENOMEM, "cannot start the counting thread");
    }
    q->started = 1;
    return OC_OK;
}

/* Counts what is left, stops the thread and frees the blocks.  Returns
 * the first counting failure, if any, with its error in err. */
static oc_status counter_finish(counter *q, oc_error *err)
{
    size_t i;
    oc_status st = OC_OK;
    if (q->started) {
        pthread_mutex_lock(&q->mu);
        if (q->blk[q->fill].n)
            q->queued++;
        q->done = 1;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        pthread_join(q->th, NULL);
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
        if (q->st != OC_OK) {
            *err = q->err;
            st = q->st;
        }
    }
    for (i = 0; i < CB_SLOTS; i++) {
        oc_free(q->blk[i].codes);
        oc_free(q->blk[i].w);
        oc_free(q->blk[i].line);
    }
    return st;
}

struct ctx {
    schema        *s;
    cube         **cubes;
    size_t         ncubes;
    pass_input    *in;
    reject_policy *pol;
    pass_result   *res;
    int            bound;     /* header seen for this input */
    oc_error       rerr;      /* reject reason of the current record */
    int            progress;  /* print a progress line */
    int            shown;     /* a progress line is on the screen */
    /* total rows (schema total_dims): keyed by the code vector, _T as SCH_CODE_TOTAL */
    oc_strmap     *tot_keys;
    tot_entry     *tot;
    size_t         ntot, tot_cap;
    size_t         k;         /* current input */
    counter       *cnt;       /* the counting thread, or NULL: count here */
    ahead         *ahead;     /* lookups resolved ahead for the current input, or NULL */
};


static tot_entry *tot_get(struct ctx *c, const uint32_t *codes)
{
    const char *key = (const char *)codes;
    size_t len = c->s->ndims * sizeof *codes;
    uint32_t i;
    if (oc_strmap_get(c->tot_keys, key, len, &i))
        return &c->tot[i];
    if (c->ntot == c->tot_cap) {
        size_t cap = c->tot_cap ? c->tot_cap * 2 : 64;
        tot_entry *n = oc_realloc(c->tot, cap * sizeof *n);
        if (!n)
            return NULL;
        c->tot = n;
        c->tot_cap = cap;
    }
    if (c->ntot >= UINT32_MAX - 1 || oc_strmap_put(c->tot_keys, key, len, (uint32_t)c->ntot, NULL) != OC_OK)
        return NULL;
    memset(&c->tot[c->ntot], 0, sizeof c->tot[c->ntot]);
    return &c->tot[c->ntot++];
}

/* A total row is kept (*is_total set); any other row adds to every total
 * above it. */
static oc_status tot_add(struct ctx *c, const oc_row *row, const uint32_t *codes, uint64_t w, int *is_total,
                         oc_error *err)
{
    const schema *s = c->s;
    uint32_t key[SCH_MAX_DIMS];
    size_t d, j;
    unsigned mask;
    tot_entry *e;
    for (d = 0; d < s->ndims && codes[d] != SCH_CODE_TOTAL; d++)
        ;
    if ((*is_total = d < s->ndims)) {
        c->res->total_rows++;
        if (!(e = tot_get(c, codes)))
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        if (e->has_report && (e->reported != (w & ~SCH_WEIGHT_SUPPRESSED) ||
                              e->report_unknown != ((w & SCH_WEIGHT_SUPPRESSED) != 0))) {
            oc_error_at(err, c->in->path, row->line, 0);
            return oc_error_set(err, OC_EDATA, "the same total is given twice with different values (first on line %llu)",
                                (unsigned long long)e->line);
        }
        e->has_report = 1;
        e->reported = w & ~SCH_WEIGHT_SUPPRESSED;
        e->report_unknown = (w & SCH_WEIGHT_SUPPRESSED) != 0;
        e->line = row->line;
        e->input = c->k;
        return OC_OK;
    }
    for (mask = 1; mask < (1u << s->ntotal_dims); mask++) {
        memcpy(key, codes, s->ndims * sizeof *key);
        for (j = 0; j < s->ntotal_dims; j++)
            if (mask & (1u << j))
                key[s->total_dims[j]] = SCH_CODE_TOTAL;
        if (!(e = tot_get(c, key)))
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        e->parts += w & ~SCH_WEIGHT_SUPPRESSED;
        e->parts_unknown |= (w & SCH_WEIGHT_SUPPRESSED) != 0;
    }
    return OC_OK;
}

/* Reports every total row that is not the sum of its parts. */
static void tot_report(struct ctx *c, const pass_input *inputs)
{
    size_t i, d, shown = 0;
    for (i = 0; i < c->ntot; i++) {
        const tot_entry *e = &c->tot[i];
        const uint32_t *codes;
        size_t len;
        int bad;
        if (!e->has_report || e->report_unknown)
            continue;
        /* a part suppressed at the source is at least 1 */
        bad = e->parts_unknown ? e->reported <= e->parts : e->reported != e->parts;
        if (!bad)
            continue;
        c->res->total_mismatch++;
        if (shown++ >= 20)
            continue;
        codes = (const uint32_t *)(const void *)oc_strmap_key(c->tot_keys, i, &len);
        fprintf(stderr, "ocstat:%s:%llu: warning: the total row (", inputs[e->input].path,
                (unsigned long long)e->line);
        for (d = 0; d < c->s->ndims; d++) {
            size_t n;
            const char *code = codes[d] == SCH_CODE_TOTAL ? "_T" : dim_code(&c->s->dims[d], codes[d], &n);
            fprintf(stderr, "%s%s=%s", d ? "," : "", c->s->dims[d].id, code);
        }
        fprintf(stderr, ") says %llu; its parts add up to %s%llu\n", (unsigned long long)e->reported,
                e->parts_unknown ? "more than " : "", (unsigned long long)e->parts);
    }
    if (c->res->total_rows)
        fprintf(stderr, "ocstat: %llu total rows checked against their parts, not counted: %llu disagree\n",
                (unsigned long long)c->res->total_rows, (unsigned long long)c->res->total_mismatch);
}

static void csv_quote(FILE *f, const char *p, size_t n)
{
    size_t i;
    int q = 0;
    for (i = 0; i < n; i++)
        if (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r')
            q = 1;
    if (!q) {
        fwrite(p, 1, n, f);
        return;
    }
    putc('"', f);
    for (i = 0; i < n; i++) {
        if (p[i] == '"')
            putc('"', f);
        putc(p[i], f);
    }
    putc('"', f);
}

static oc_status on_reject(struct ctx *c, const oc_row *row, sch_reason why, oc_error *rerr,
                           oc_error *err)
{
    reject_policy *pol = c->pol;
    c->res->rejected++;
    c->res->by_reason[why]++;
    c->in->rejected++;
    pol->total++;
    if (!pol->collect) {
        *err = *rerr;
        oc_error_at(err, c->in->path, row->line, 0);
        return err->code;
    }
    if (pol->show > 0) {
        char msg[1024];
        oc_error_at(rerr, c->in->path, row->line, 0);
        oc_error_format(rerr, msg, sizeof msg);
        fprintf(stderr, "ocstat:%s\n", msg);
        pol->show--;
    }
    if (pol->out) {
        csv_quote(pol->out, c->s->dataset, strlen(c->s->dataset));
        putc(',', pol->out);
        csv_quote(pol->out, c->in->path, strlen(c->in->path));
        fprintf(pol->out, ",%llu,", (unsigned long long)row->line);
        csv_quote(pol->out, rerr->column, strlen(rerr->column));
        fprintf(pol->out, ",%s,", schema_reason_name(why));
        csv_quote(pol->out, rerr->msg, strlen(rerr->msg));
        putc(',', pol->out);
        csv_quote(pol->out, row->raw, row->raw_len);
        putc('\n', pol->out);
    }
    if (pol->max_abs >= 0 && pol->total > (uint64_t)pol->max_abs) {
        oc_error_at(err, c->in->path, row->line, 0);
        return oc_error_set(err, OC_EDATA, "more than %lld rejected %s; stopping",
                            (long long)pol->max_abs, pol->max_abs == 1 ? "row" : "rows");
    }
    return OC_OK;
}

static oc_status count_row(struct ctx *c, const oc_row *row, oc_error *err);

static oc_status on_row(void *vc, const oc_row *row, oc_error *err)
{
    struct ctx *c = vc;
    oc_status st;
    if (!c->bound && c->s->header) {
        c->bound = 1;
        st = schema_bind_header(c->s, row, err);
        if (st != OC_OK)
            oc_error_at(err, c->in->path, row->line, 0);
        else
            ahead_start(c->ahead);
        return st;
    }
    if (!c->bound) {   /* no header: the first record fixes the field count */
        c->bound = 1;
        if (row->nfields < c->s->nfields) {
            oc_error_at(err, c->in->path, row->line, 0);
            return oc_error_set(err, OC_EDATA, "expected at least %zu fields, got %zu", c->s->nfields,
                                row->nfields);
        }
        c->s->nfields = row->nfields;
        ahead_start(c->ahead);
    }
    c->s->hint = c->ahead && row->end_off ? ahead_hits(c->ahead, row->end_off) : NULL;
    st = count_row(c, row, err);
    c->s->hint = NULL;
    return st;
}

static oc_status count_row(struct ctx *c, const oc_row *row, oc_error *err)
{
    uint64_t w;
    sch_reason why;
    size_t i, k, n;
    const uint32_t *codes;
    oc_status st;
    c->res->read++;
    c->in->read++;
    c->pol->read++;
    if (c->progress && (c->in->read & ((1u << 20) - 1)) == 0) {
        fprintf(stderr, "\rocstat: %s: %llu rows read", c->in->path, (unsigned long long)c->in->read);
        c->shown = 1;
    }
    if (c->rerr.code != OC_OK)          /* cleared only after a reject: it is large */
        oc_error_clear(&c->rerr);
    st = schema_recode(c->s, row, &codes, &n, &w, &why, &c->rerr);
    if (st == OC_EDATA)
        return on_reject(c, row, why, &c->rerr, err);
    if (st != OC_OK) {
        *err = c->rerr;
        return st;
    }
    if (c->s->ntotal_dims) {
        int total = 0, one;
        for (k = 0; k < n; k++) {
            if ((st = tot_add(c, row, codes + k * c->s->ndims, w, &one, err)) != OC_OK)
                return st;
            total |= one;
        }
        if (total)
            return OC_OK;   /* a total row: checked, not counted */
    }
    if (c->cnt) {   /* to the counting thread */
        counter *q = c->cnt;
        for (k = 0; k < n; k++, codes += c->s->ndims) {
            cblock *b = &q->blk[q->fill];
            if (atomic_load(&q->failed))   /* it failed: stop reading (its message wins) */
                return oc_error_set(err, OC_EDATA, "counting failed");
            memcpy(b->codes + b->n * q->ndims, codes, c->s->ndims * sizeof *codes);
            b->w[b->n] = w;
            b->line[b->n] = row->line;
            if (b->n == 0)
                b->path = c->in->path;   /* a block never spans inputs: pushed at each input's end */
            if (++b->n == CB_RECS)
                counter_push(q);
        }
        return OC_OK;
    }
    for (k = 0; k < n; k++, codes += c->s->ndims)
        for (i = 0; i < c->ncubes; i++) {
            st = cube_add(c->cubes[i], codes, w, err);
            if (st != OC_OK) {
                oc_error_at(err, c->in->path, row->line, 0);
                return st;
            }
        }
    return OC_OK;
}

oc_status pass_run(schema *s, cube **cubes, size_t ncubes, pass_input *inputs, size_t ninputs, unsigned flags,
                   reject_policy *pol, pass_result *res, oc_error *err)
{
    struct ctx c;
    counter cnt;
    size_t k;
    int use_ahead;   /* resolve lookups ahead: a lookup larger than the cache */
    oc_status st = OC_OK;
    csvr_options opt;
    memset(&c, 0, sizeof c);
    oc_error_clear(&c.rerr);
    memset(res, 0, sizeof *res);
    c.s = s;
    c.cubes = cubes;
    c.ncubes = ncubes;
    c.pol = pol;
    c.res = res;
    c.progress = (flags & PASS_PROGRESS) != 0;
    /* OCSTAT_LOOKUP_PREFETCH=0/1 forces the choice (tests, tuning); keys are
     * found in the input as read (not converted from another encoding) */
    use_ahead = s->nlookups && !s->encoding &&
                (getenv("OCSTAT_LOOKUP_PREFETCH") ? atoi(getenv("OCSTAT_LOOKUP_PREFETCH")) != 0
                                                  : schema_ahead_pays(s));
    if (s->ntotal_dims && !(c.tot_keys = oc_strmap_new()))
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    if (ncubes >= 2 && !(getenv("OCSTAT_COUNT_THREAD") && atoi(getenv("OCSTAT_COUNT_THREAD")) == 0)) {
        if (counter_start(&cnt, cubes, ncubes, s->ndims, err) != OC_OK) {
            (void)counter_finish(&cnt, err);   /* the thread never started: err stays */
            oc_strmap_free(c.tot_keys);
            return err->code;
        }
        c.cnt = &cnt;
    }
    csvr_options_default(&opt);
    opt.delim = s->delim;
    opt.quote = s->quote;
    opt.encoding = s->encoding;
    opt.skip_lines = s->skip;
    for (k = 0; k < ninputs && st == OC_OK; k++) {
        oc_source *src = NULL;
        csvr *r;
        c.in = &inputs[k];
        c.k = k;
        c.bound = 0;
        c.ahead = use_ahead ? ahead_new(s) : NULL;   /* NULL: out of memory, or not for s */
        st = src_open_watched(inputs[k].path, (flags & PASS_HASH) ? OC_SRC_HASH : 0, c.ahead ? ahead_watch : NULL,
                              c.ahead, &src, err);
        if (st != OC_OK) {
            ahead_free(c.ahead);
            break;
        }
        r = csvr_new(&opt, inputs[k].path, on_row, &c);
        if (!r) {
            src_close(src);
            ahead_free(c.ahead);
            st = oc_error_set(err, OC_ENOMEM, "out of memory");
            break;
        }
        st = csvr_read_source(r, src, err);
        if (c.cnt && cnt.blk[cnt.fill].n)
            counter_push(&cnt);
        if (st == OC_OK && !c.bound && s->header) {
            oc_error_at(err, inputs[k].path, 0, 0);
            st = oc_error_set(err, OC_EDATA, "empty input: no header line");
        }
        src_stop(src);   /* stopped early: the reading thread owns the counters until it stops */
        inputs[k].raw_bytes = src_raw_bytes(src);
        inputs[k].bytes = src_bytes(src);
        inputs[k].gzip = src_is_gzip(src);
        if (st == OC_OK)
            src_sha256(src, inputs[k].sha256);
        csvr_free(r);
        src_close(src);
        ahead_free(c.ahead);
        c.ahead = NULL;
        if (c.shown) {
            fprintf(stderr, "\rocstat: %s: %llu rows read\n", inputs[k].path, (unsigned long long)inputs[k].read);
            c.shown = 0;
        }
    }
    if (c.cnt) {
        oc_error e2;
        oc_error_clear(&e2);
        if (counter_finish(&cnt, &e2) != OC_OK) {
            *err = e2;   /* a counting failure explains a stop it caused */
            st = e2.code;
        }
    }
    if (st == OC_OK && s->ntotal_dims)
        tot_report(&c, inputs);
    oc_strmap_free(c.tot_keys);
    oc_free(c.tot);
    return st;
}

oc_status reject_policy_check(const reject_policy *pol, oc_error *err)
{
    if (pol->max_pct >= 0 && pol->read > 0 &&
        (double)pol->total * 100.0 > pol->max_pct * (double)pol->read)
        return oc_error_set(err, OC_EDATA, "%llu of %llu rows rejected, more than the %g%% allowed",
                            (unsigned long long)pol->total, (unsigned long long)pol->read, pol->max_pct);
    return OC_OK;
}

oc_status reject_policy_open(reject_policy *pol, const char *path, oc_error *err)
{
    size_t n;
    int fd;
    if (!path)
        return OC_OK;
    n = strlen(path);
    pol->path = path;
    pol->tmp = oc_malloc(n + 32);
    if (!pol->tmp)
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    snprintf(pol->tmp, n + 32, "%s.tmp-%ld", path, (long)getpid());
    fd = open(pol->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0 || !(pol->out = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        oc_error_at(err, path, 0, 0);
        oc_error_sys(err, "cannot create the rejects file");
        reject_policy_discard(pol);
        return err->code;
    }
    fputs("dataset,input,line,column,reason,message,raw\n", pol->out);
    return OC_OK;
}

oc_status reject_policy_close(reject_policy *pol, oc_error *err)
{
    oc_error e;
    int bad;
    if (!pol->out)
        return err->code;
    oc_error_clear(&e);
    bad = fflush(pol->out) != 0 || ferror(pol->out) || fsync(fileno(pol->out)) != 0;
    if (fclose(pol->out) != 0)
        bad = 1;
    pol->out = NULL;
    if (bad || rename(pol->tmp, pol->path) != 0) {
        oc_error_at(&e, pol->path, 0, 0);
        oc_error_sys(&e, bad ? "write error" : "cannot rename into place");
        reject_policy_discard(pol);
        if (err->code == OC_OK)
            *err = e;
        return err->code;
    }
    oc_free(pol->tmp);
    pol->tmp = NULL;
    return err->code;
}

void reject_policy_discard(reject_policy *pol)
{
    if (pol->out) {
        fclose(pol->out);
        pol->out = NULL;
    }
    if (pol->tmp) {
        unlink(pol->tmp);
        oc_free(pol->tmp);
        pol->tmp = NULL;
    }
}

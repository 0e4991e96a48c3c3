/* ahead.c - see ahead.h.
 *
 * The watcher (the source's thread) and the parser (the caller's thread)
 * share a ring of result arrays and nothing else.  The watcher fills the
 * array at its tail when that array is free, then publishes it (release);
 * the parser reads the array at its head once published (acquire) and
 * frees it when its records have gone past it.  Neither ever waits for the
 * other: a watcher that finds no free array leaves that block unresolved,
 * a parser that finds no published array gets no hint. */
#include "ahead.h"

#include <stdatomic.h>
#include <string.h>

#include "lookup.h"
#include "oc_mem.h"

#define AHEAD_NRES      8        /* result arrays: the source's blocks in flight and a few more */
#define AHEAD_MAX_LINES 65536    /* lines resolved per block; the rest are not */
#define AHEAD_MAX_CARRY 65536    /* a longer line cut by a block's end is not resolved */
#define PIPE            16       /* lines in flight in the watcher: an index slot is loaded
                                  * PIPE lines before it is read */
#define PARSER_LAG      8        /* the parser loads the rows of the line this far ahead */
#define AHEAD_MAX_KEYS  8        /* lookups on input columns; with more, nothing is resolved */

/* ahead_watch hashes keys a word at a time, up to OC_ROW_PAD bytes past a
 * line's end: the source gives 64 readable bytes after a block
 * (src_open_watched), the carry OC_ROW_PAD. */
_Static_assert(OC_ROW_PAD <= 64, "a block's readable slack holds a padded key");

/* The two threads write different cache lines: a GAP between the parts
 * each writes (whatever the alignment), or every write would move a line
 * from one core to the other. */
#define GAP 64

typedef struct res {
    atomic_int full;     /* published by the watcher, not yet freed by the parser */
    uint64_t   lo, hi;   /* the lines that end in (lo, hi] */
    size_t     n;
    uint32_t  *end;      /* AHEAD_MAX_LINES: each line's end - lo */
    sch_hit   *hit;      /* AHEAD_MAX_LINES x nlookups */
    char       gap[GAP];
} res;

struct pending {
    uint64_t h[AHEAD_MAX_KEYS];   /* the hashes of the line's keys */
    char     k[AHEAD_MAX_KEYS];   /* 0: the line has too few fields for that key */
    uint64_t end;
};

struct ahead {
    /* read by both, written by ahead_new and ahead_start only (the watcher
     * reads nothing of the schema, whose lookups the parser writes) */
    size_t        nlk;                /* s->nlookups */
    size_t        nuse;               /* lookups on input columns */
    size_t        use[AHEAD_MAX_KEYS]; /* their indices */
    const lk_table *tab[AHEAD_MAX_KEYS];
    int           on_field[AHEAD_MAX_KEYS]; /* -1: the header has no such column */
    char          delim;
    const schema *s;
    char          gap0[GAP];
    atomic_int    ready;              /* written once, by the parser */
    char          gap1[GAP];
    /* the parser's */
    size_t        head, cur;          /* array and line it is at */
    char          gap2[GAP];
    /* the watcher's */
    size_t        tail;
    int           open;               /* the array at tail is being filled (not yet published) */
    size_t        skipped;            /* blocks left unresolved (ahead_skipped) */
    uint64_t      covered;            /* lines ending at or before it have had their array */
    char         *carry;              /* a line cut by the last block's end (AHEAD_MAX_CARRY + OC_ROW_PAD) */
    size_t        carry_len;
    int           carry_ok;           /* carry holds the line from its start */
    struct pending pipe[PIPE];
    size_t        npipe;
    char          gap3[GAP];
    res           r[AHEAD_NRES];
};

ahead *ahead_new(const schema *s)
{
    ahead *a;
    size_t i, nuse = 0;
    for (i = 0; i < s->nlookups; i++)
        if (s->lookups[i].parent < 0)
            nuse++;
    if (nuse == 0 || nuse > AHEAD_MAX_KEYS || !(a = oc_calloc(1, sizeof *a)))
        return NULL;
    a->s = s;
    a->nlk = s->nlookups;
    for (i = 0; i < s->nlookups; i++)
        if (s->lookups[i].parent < 0)
            a->use[a->nuse++] = i;
    atomic_init(&a->ready, 0);
    a->carry = oc_calloc(AHEAD_MAX_CARRY + OC_ROW_PAD, 1);
    a->carry_ok = 1;   /* the input starts with a line */
    for (i = 0; i < AHEAD_NRES; i++) {
        atomic_init(&a->r[i].full, 0);
        a->r[i].end = oc_malloc(AHEAD_MAX_LINES * sizeof *a->r[i].end);
        a->r[i].hit = oc_malloc(AHEAD_MAX_LINES * a->nlk * sizeof *a->r[i].hit);
        if (!a->r[i].end || !a->r[i].hit)
            break;
    }
    if (i < AHEAD_NRES || !a->carry) {
        ahead_free(a);
        return NULL;
    }
    return a;
}

void ahead_free(ahead *a)
{
    size_t i;
    if (!a)
        return;
    for (i = 0; i < AHEAD_NRES; i++) {
        oc_free(a->r[i].end);
        oc_free(a->r[i].hit);
    }
    oc_free(a->carry);
    oc_free(a);
}

void ahead_start(ahead *a)
{
    size_t j;
    if (!a)
        return;
    for (j = 0; j < a->nuse; j++) {
        a->tab[j] = a->s->lookups[a->use[j]].tab;
        a->on_field[j] = a->s->lookups[a->use[j]].on_field;
    }
    a->delim = a->s->delim;
    atomic_store_explicit(&a->ready, 1, memory_order_release);
}

/* ---------- the watcher ---------- */

/* The rows of the oldest line in the pipe, into R: those of the first key
 * with its hash's tag, its index slot loaded by now.  The row itself is
 * not read here (the parser compares the key), so a line costs the
 * watcher one memory load. */
static void pipe_find(ahead *a, res *R, const struct pending *p)
{
    size_t j;
    sch_hit *hit = R->hit + R->n * a->nlk;
    int any = 0;
    memset(hit, 0, a->nlk * sizeof *hit);
    for (j = 0; j < a->nuse; j++) {
        uint32_t first = 0;
        if (p->k[j] && (hit[a->use[j]].n = (uint32_t)lk_find_tag(a->tab[j], p->h[j], &first)) != 0) {
            hit[a->use[j]].first = first;
            any = 1;
        }
    }
    if (any)   /* a line without a candidate needs no entry: no hint says as much */
        R->end[R->n++] = (uint32_t)(p->end - R->lo);
}

/* Adds the line p[0..len) (without its line end; OC_ROW_PAD readable bytes
 * after it) that ends at input offset end: its index slots are loaded now
 * and read PIPE lines later. */
static void pipe_push(ahead *a, res *R, const char *p, size_t len, uint64_t end)
{
    struct pending *q = &a->pipe[a->npipe % PIPE];
    size_t j;
    if (a->npipe >= PIPE)
        pipe_find(a, R, q);
    if (len > 0 && p[len - 1] == '\r')
        len--;
    for (j = 0; j < a->nuse; j++) {
        oc_field k;
        q->k[j] = 0;
        if (a->on_field[j] < 0 || !schema_line_field(a->delim, p, len, (size_t)a->on_field[j], &k))
            continue;
        q->k[j] = 1;
        q->h[j] = lk_hash_padded(k.ptr, k.len);
        lk_prefetch_slot(a->tab[j], q->h[j]);
    }
    q->end = end;
    a->npipe++;
}

static void pipe_drain(ahead *a, res *R)
{
    size_t i = a->npipe > PIPE ? a->npipe - PIPE : 0;
    for (; i < a->npipe; i++)
        pipe_find(a, R, &a->pipe[i % PIPE]);
    a->npipe = 0;
}

/* Publishes R (lines ending in (R->lo, hi]). */
static void publish(ahead *a, res *R, uint64_t hi)
{
    R->hi = hi;
    a->covered = hi;
    a->open = 0;
    atomic_store_explicit(&R->full, 1, memory_order_release);
    a->tail = (a->tail + 1) % AHEAD_NRES;
}

void ahead_watch(void *ctx, const char *p, size_t n, uint64_t off)
{
    ahead *a = ctx;
    res *R = &a->r[a->tail];
    const char *q = p, *end = p + n, *last = end, *nl;
    if (!a->open) {
        if (!atomic_load_explicit(&a->ready, memory_order_acquire) ||
            atomic_load_explicit(&R->full, memory_order_acquire)) {
            /* not resolved: the line cut by this block's end is not either;
             * the next array starts after this block */
            a->carry_len = 0;
            a->carry_ok = 0;
            a->covered = off + n;
            a->skipped++;
            return;
        }
        R->lo = a->covered;
        R->n = 0;
        a->open = 1;
    }
    if (n == 0) {   /* the end: a last line without a line end */
        if (a->carry_ok && a->carry_len) {
            memset(a->carry + a->carry_len, 0, OC_ROW_PAD);
            pipe_push(a, R, a->carry, a->carry_len, off);
        }
        pipe_drain(a, R);
        publish(a, R, off);
        a->carry_len = 0;
        return;
    }
    while (last > p && last[-1] != '\n')
        last--;
    if (last == p) {   /* no line ends here: the cut line goes on */
        if (a->carry_ok && a->carry_len + n <= AHEAD_MAX_CARRY) {
            memcpy(a->carry + a->carry_len, p, n);
            a->carry_len += n;
        } else {
            a->carry_ok = 0;
        }
        return;
    }
    nl = memchr(q, '\n', n);
    if (a->carry_ok && a->carry_len + (size_t)(nl - q) <= AHEAD_MAX_CARRY) {
        memcpy(a->carry + a->carry_len, q, (size_t)(nl - q));
        memset(a->carry + a->carry_len + (nl - q), 0, OC_ROW_PAD);
        pipe_push(a, R, a->carry, a->carry_len + (size_t)(nl - q), off + (uint64_t)(nl + 1 - p));
    }
    /* the lines after the first line end, up to the last; past
     * AHEAD_MAX_LINES they have no entry (and no hint) */
    for (q = nl + 1; q < last && R->n + (a->npipe < PIPE ? a->npipe : PIPE) < AHEAD_MAX_LINES; q = nl + 1) {
        nl = memchr(q, '\n', (size_t)(last - q));
        pipe_push(a, R, q, (size_t)(nl - q), off + (uint64_t)(nl + 1 - p));
    }
    if (q < last)
        a->skipped++;   /* lines past the array's size */
    pipe_drain(a, R);
    a->carry_ok = (size_t)(end - last) <= AHEAD_MAX_CARRY;
    a->carry_len = a->carry_ok ? (size_t)(end - last) : 0;
    memcpy(a->carry, last, a->carry_len);
    /* an array with no line yet stays open for the next block (a run of
     * blank lines or of lines without a known key takes no array), unless
     * its lines' ends would no longer fit 32 bits past its start */
    if (R->n > 0 || off + n - R->lo > (1u << 30))
        publish(a, R, off + (uint64_t)(last - p));
}

size_t ahead_skipped(const ahead *a) { return a->skipped; }

/* ---------- the parser ---------- */

const sch_hit *ahead_hits(ahead *a, uint64_t end_off)
{
    res *R = &a->r[a->head];
    const sch_hit *f;
    size_t i = a->cur, j;
    uint32_t rel;
    for (;;) {
        if (!atomic_load_explicit(&R->full, memory_order_acquire))
            return NULL;
        if (end_off <= R->hi)
            break;
        atomic_store_explicit(&R->full, 0, memory_order_release);   /* past it: free it */
        a->head = (a->head + 1) % AHEAD_NRES;
        R = &a->r[a->head];
        i = a->cur = 0;
    }
    if (end_off <= R->lo) {
        a->cur = i;
        return NULL;
    }
    rel = (uint32_t)(end_off - R->lo);
    while (i < R->n && R->end[i] < rel)
        i++;
    a->cur = i;
    if (i == R->n || R->end[i] != rel)
        return NULL;
    if (i + PARSER_LAG < R->n) {   /* the rows of a record to come start loading */
        f = R->hit + (i + PARSER_LAG) * a->nlk;
        for (j = 0; j < a->nuse; j++)
            if (f[a->use[j]].n)
                lk_prefetch_row(a->tab[j], f[a->use[j]].first);
    }
    return R->hit + i * a->nlk;
}

/*
 * oc_source.c - file/stdin reader with transparent gzip (zlib).
 *
 * The first read fills the raw buffer and looks at the magic bytes.  Gzip
 * members are inflated with inflate() in gzip mode (windowBits 16+15); at
 * Z_STREAM_END the inflater is reset so a following member continues the
 * stream.  Anything after a member that is not another member is an error,
 * as is running out of input inside a member ("truncated").
 *
 * Inflating costs about as much as parsing, so for gzip input a producer
 * thread inflates into a small ring of blocks while the caller parses the
 * previous ones: on two cores the two stages overlap.  Plain input that is
 * hashed (OC_SRC_HASH) is read and hashed by that thread too, as is input
 * with a watcher (src_open_watched), which that thread shows each block
 * before the caller gets it.  The ring is fixed (NBLK x BLK bytes), so
 * memory stays bounded.  Errors found by the producer travel with their
 * block and reach the caller in order.
 */
#define _POSIX_C_SOURCE 200809L
#include "oc_source.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "oc_mem.h"

#define RAW_CAP (256u * 1024u)
#define NBLK 4
#define BLK  (1u << 20)
#define BLK_PAD 64   /* readable bytes after a block, for a watcher (OC_ROW_PAD) */

struct blk {
    unsigned char *data;     /* owned, BLK + BLK_PAD bytes */
    size_t         len;      /* 0 with st == OC_OK: end of input */
    int            full;
    oc_status      st;
    oc_error       err;
};

struct oc_source {
    char          *path;     /* owned */
    int            fd;
    int            close_fd;
    int            gzip;
    int            eof;      /* raw input exhausted */
    int            in_member;/* gzip: inside a member */
    int            done;
    unsigned char *raw;      /* owned, RAW_CAP */
    size_t         raw_pos, raw_len;
    uint64_t       raw_total;    /* bytes read from fd */
    uint64_t       out_total;
    int            hash;
    oc_sha256      sha;
    z_stream       z;
    int            z_init;
    /* producer thread (gzip, hashed or watched input) */
    int             threaded, joined, stop;
    pthread_t       th;
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    struct blk      blk[NBLK];
    size_t          head, pos;   /* consumer: block and offset */
    src_watch_fn    watch;       /* or NULL; called by the producer */
    void           *watch_ctx;
};

static oc_status read_direct(oc_source *s, unsigned char *buf, size_t cap, size_t *n, oc_error *err);

/* Copies up to cap bytes from src[*pos..len) to dst, advancing *pos. */
static size_t copy_out(void *dst, size_t cap, const unsigned char *src, size_t *pos, size_t len)
{
    size_t k = len - *pos < cap ? len - *pos : cap;
    memcpy(dst, src + *pos, k);
    *pos += k;
    return k;
}

static void *producer(void *arg)
{
    oc_source *s = arg;
    size_t tail = 0;
    uint64_t off = 0;   /* decoded bytes before block tail */
    for (;;) {
        struct blk *b = &s->blk[tail];
        size_t got = 0, n;
        oc_status st = OC_OK;
        int stop;
        pthread_mutex_lock(&s->mu);
        while (b->full && !s->stop)
            pthread_cond_wait(&s->cv, &s->mu);
        stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        oc_error_clear(&b->err);
        do {
            st = read_direct(s, b->data + got, BLK - got, &n, &b->err);
            got += n;
        } while (st == OC_OK && n > 0 && got < BLK);
        if (s->watch && st == OC_OK)
            s->watch(s->watch_ctx, (const char *)b->data, got, off);   /* got 0: the end */
        off += got;
        pthread_mutex_lock(&s->mu);
        b->len = got;
        b->st = st;
        b->full = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        if (st != OC_OK || got == 0)
            break;
        tail = (tail + 1) % NBLK;
    }
    return NULL;
}

static void stop_thread(oc_source *s)
{
    if (!s->threaded || s->joined)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->th, NULL);
    s->joined = 1;
}

static oc_status start_thread(oc_source *s)
{
    size_t i;
    for (i = 0; i < NBLK; i++)
        if (!(s->blk[i].data = oc_calloc(BLK + BLK_PAD, 1)))
            return OC_ENOMEM;
    if (pthread_mutex_init(&s->mu, NULL) != 0)
        return OC_ENOMEM;
    if (pthread_cond_init(&s->cv, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        return OC_ENOMEM;
    }
    if (pthread_create(&s->th, NULL, producer, s) != 0) {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        return OC_OK;   /* no thread: read in the caller's thread instead */
    }
    s->threaded = 1;
    return OC_OK;
}

/* Consumer side of the ring. */
static oc_status read_ring(oc_source *s, unsigned char *buf, size_t cap, size_t *n, oc_error *err)
{
    struct blk *b = &s->blk[s->head];
    *n = 0;
    pthread_mutex_lock(&s->mu);
    while (!b->full)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    if (b->st != OC_OK) {
        stop_thread(s);
        if (err && err->code == OC_OK)
            *err = b->err;
        return b->st;
    }
    if (b->len == 0) {
        stop_thread(s);   /* end of input: the producer is done (hash, counters) */
        return OC_OK;
    }
    *n = copy_out(buf, cap, b->data, &s->pos, b->len);
    if (s->pos == b->len) {
        pthread_mutex_lock(&s->mu);
        b->full = 0;
        s->pos = 0;
        s->head = (s->head + 1) % NBLK;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    return OC_OK;
}

static ssize_t read_fd(int fd, void *buf, size_t cap)
{
    ssize_t r;
    do
        r = read(fd, buf, cap);
    while (r < 0 && errno == EINTR);
    return r;
}

static oc_status fill(oc_source *s, oc_error *err)
{
    ssize_t r;
    if (s->raw_pos < s->raw_len || s->eof)
        return OC_OK;
    r = read_fd(s->fd, s->raw, RAW_CAP);
    if (r < 0) {
        oc_error_at(err, s->path, 0, 0);
        return oc_error_sys(err, "read error");
    }
    s->raw_pos = 0;
    s->raw_len = (size_t)r;
    if (r == 0)
        s->eof = 1;
    s->raw_total += (uint64_t)r;
    if (s->hash && r > 0)
        oc_sha256_update(&s->sha, s->raw, (size_t)r);
    return OC_OK;
}

oc_status src_open(const char *path, unsigned flags, oc_source **out, oc_error *err)
{
    return src_open_watched(path, flags, NULL, NULL, out, err);
}

oc_status src_open_watched(const char *path, unsigned flags, src_watch_fn watch, void *ctx, oc_source **out,
                           oc_error *err)
{
    oc_source *s = oc_calloc(1, sizeof *s);
    oc_status st;
    *out = NULL;
    if (!s || !(s->path = oc_strdup(path)) || !(s->raw = oc_malloc(RAW_CAP))) {
        src_close(s);
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    }
    s->watch = watch;
    s->watch_ctx = ctx;
    s->hash = (flags & OC_SRC_HASH) != 0;
    if (s->hash)
        oc_sha256_init(&s->sha);
    if (strcmp(path, "-") == 0) {
        s->fd = STDIN_FILENO;
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) {
            oc_error_at(err, path, 0, 0);
            st = oc_error_sys(err, "cannot open");
            src_close(s);
            return st;
        }
        s->close_fd = 1;
    }
    st = fill(s, err);
    /* A directory opens but cannot be read: fill() reports EISDIR. */
    if (st != OC_OK) {
        src_close(s);
        return st;
    }
    /* Need two bytes to decide; a one-byte first read is possible on a pipe. */
    while (!s->eof && s->raw_len < 2) {
        ssize_t r = read_fd(s->fd, s->raw + s->raw_len, RAW_CAP - s->raw_len);
        if (r < 0) {
            oc_error_at(err, path, 0, 0);
            st = oc_error_sys(err, "read error");
            src_close(s);
            return st;
        }
        if (r == 0)
            s->eof = 1;
        if (s->hash && r > 0)
            oc_sha256_update(&s->sha, s->raw + s->raw_len, (size_t)r);
        s->raw_len += (size_t)r;
        s->raw_total += (uint64_t)r;
    }
    if (s->raw_len >= 2 && s->raw[0] == 0x1f && s->raw[1] == 0x8b) {
        s->gzip = 1;
        memset(&s->z, 0, sizeof s->z);
        if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
            src_close(s);
            return oc_error_set(err, OC_ENOMEM, "out of memory");
        }
        s->z_init = 1;
        s->in_member = 1;
    }
    /* gzip is inflated, hashed input hashed, watched input watched, by a
     * thread while the caller parses.  The thread fills whole blocks: for
     * plain input from a pipe or a terminal that would hold back what has
     * come, and a stop would wait for more, so such input is not watched. */
    if (s->watch && !s->gzip && !s->hash) {
        struct stat sb;
        if (fstat(s->fd, &sb) != 0 || !S_ISREG(sb.st_mode))
            s->watch = NULL;
    }
    if ((s->gzip || s->hash || s->watch) && start_thread(s) != OC_OK) {
        src_close(s);
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    }
    *out = s;
    return OC_OK;
}

static oc_status read_plain(oc_source *s, unsigned char *buf, size_t cap, size_t *n, oc_error *err)
{
    oc_status st;
    if (s->raw_pos == s->raw_len && !s->eof && cap >= RAW_CAP) {
        /* nothing buffered: read straight into the caller's buffer */
        ssize_t r = read_fd(s->fd, buf, cap);
        if (r < 0) {
            oc_error_at(err, s->path, 0, 0);
            return oc_error_sys(err, "read error");
        }
        if (r == 0)
            s->eof = 1;
        s->raw_total += (uint64_t)r;
        if (s->hash && r > 0)
            oc_sha256_update(&s->sha, buf, (size_t)r);
        *n = (size_t)r;
        return OC_OK;
    }
    st = fill(s, err);
    if (st != OC_OK)
        return st;
    *n = copy_out(buf, cap, s->raw, &s->raw_pos, s->raw_len);
    return OC_OK;
}

static oc_status read_gzip(oc_source *s, unsigned char *buf, size_t cap, size_t *n, oc_error *err)
{
    *n = 0;
    while (*n == 0 && !s->done) {
        int zr;
        oc_status st = fill(s, err);
        if (st != OC_OK)
            return st;
        if (!s->in_member) {
            /* Between members: only another member may follow. */
            if (s->raw_pos == s->raw_len && s->eof) {
                s->done = 1;
                break;
            }
            if (s->raw[s->raw_pos] != 0x1f) {
                oc_error_at(err, s->path, 0, 0);
                return oc_error_set(err, OC_EDATA, "unexpected data after gzip member at byte %llu",
                                    (unsigned long long)(s->raw_total - (s->raw_len - s->raw_pos) + 1));
            }
            if (inflateReset(&s->z) != Z_OK)
                return oc_error_set(err, OC_ENOMEM, "inflate reset failed");
            s->in_member = 1;
        }
        if (s->raw_pos == s->raw_len && s->eof) {
            oc_error_at(err, s->path, 0, 0);
            return oc_error_set(err, OC_EDATA, "truncated gzip stream at byte %llu",
                                (unsigned long long)s->raw_total);
        }
        s->z.next_in = s->raw + s->raw_pos;
        s->z.avail_in = (uInt)(s->raw_len - s->raw_pos);
        s->z.next_out = buf;
        s->z.avail_out = (uInt)cap;
        zr = inflate(&s->z, Z_NO_FLUSH);
        s->raw_pos = s->raw_len - s->z.avail_in;
        *n = cap - s->z.avail_out;
        if (zr == Z_STREAM_END) {
            s->in_member = 0;
        } else if (zr == Z_BUF_ERROR && s->z.avail_in == 0) {
            /* needs more input: loop */
        } else if (zr != Z_OK) {
            oc_error_at(err, s->path, 0, 0);
            if (zr == Z_MEM_ERROR)
                return oc_error_set(err, OC_ENOMEM, "out of memory");
            return oc_error_set(err, OC_EDATA, "corrupt gzip data at byte %llu: %s",
                                (unsigned long long)(s->raw_total - (s->raw_len - s->raw_pos)),
                                s->z.msg ? s->z.msg : "inflate error");
        }
    }
    return OC_OK;
}

/* The bytes of the input as they come (no thread): inflated if gzip. */
static oc_status read_direct(oc_source *s, unsigned char *buf, size_t cap, size_t *n, oc_error *err)
{
    return s->gzip ? read_gzip(s, buf, cap, n, err) : read_plain(s, buf, cap, n, err);
}

oc_status src_read(oc_source *s, void *buf, size_t cap, size_t *n, oc_error *err)
{
    oc_status st;
    if (cap > (1u << 30))
        cap = 1u << 30;
    if (s->threaded)
        st = read_ring(s, buf, cap, n, err);
    else
        st = read_direct(s, buf, cap, n, err);
    if (st == OC_OK)
        s->out_total += *n;
    return st;
}

void src_stop(oc_source *s)
{
    if (s && s->threaded)
        stop_thread(s);
}

void src_close(oc_source *s)
{
    size_t i;
    if (!s)
        return;
    if (s->threaded) {
        stop_thread(s);
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
    }
    for (i = 0; i < NBLK; i++)
        oc_free(s->blk[i].data);
    if (s->z_init)
        inflateEnd(&s->z);
    if (s->close_fd)
        close(s->fd);
    oc_free(s->raw);
    oc_free(s->path);
    oc_free(s);
}

int src_is_gzip(const oc_source *s) { return s->gzip; }
/* The counters and the hash belong to the producer until it has stopped
 * (end of input, an error, or src_close). */
uint64_t src_raw_bytes(const oc_source *s) { return s->raw_total; }
uint64_t src_bytes(const oc_source *s) { return s->out_total; }

void src_sha256(oc_source *s, char out[OC_SHA256_HEX])
{
    if (s->hash)
        oc_sha256_hex(&s->sha, out);
    else
        out[0] = '\0';
}

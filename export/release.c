/* release.c - see release.h. */
#define _GNU_SOURCE   /* renameat2, RENAME_EXCHANGE; nftw */
#include "release.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct relfile {
    char    *name;           /* owned */
    char     sha[OC_SHA256_HEX];
    uint64_t bytes, rows;
};

struct release {
    char           *out;     /* owned */
    char           *tmp;     /* owned */
    char           *id;      /* owned: the release id (versioned folders) */
    unsigned        keep;    /* versions kept; 0: out is the release itself */
    char           *final;   /* owned: where the release went, once committed */
    int             committed;
    struct relfile *files;   /* owned */
    size_t          nfiles;
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* out without trailing slashes, owned; NULL when out of memory */
static char *trim_dir(const char *out_dir)
{
    char *o = oc_strdup(out_dir);
    size_t n;
    if (!o)
        return NULL;
    n = strlen(o);
    while (n > 1 && o[n - 1] == '/')
        o[--n] = '\0';
    return o;
}

/* Removes the temporary folders runs that were killed left in dir: names
 * starting with prefix followed by a process number.  Called with the lock
 * held, so no live run owns one. */
static void rm_leftovers(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = strlen(prefix);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, n) == 0 && e->d_name[n] >= '0' && e->d_name[n] <= '9' &&
            strspn(e->d_name + n, "0123456789") == strlen(e->d_name + n)) {
            char path[PATH_MAX];
            if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < sizeof path)
                rm_tree(path);
        }
    closedir(d);
}

oc_status release_lock(const char *out_dir, int *fd, oc_error *err)
{
    char *o = trim_dir(out_dir), *lock = NULL, *slash, *parent = NULL, pid[32];
    oc_status st = OC_OK;
    int f = -1;
    *fd = -1;
    if (!o || !(lock = oc_malloc(strlen(o) + 8)) || !(parent = oc_strdup(o))) {
        st = oc_error_set(err, OC_ENOMEM, "out of memory");
        goto out;
    }
    sprintf(lock, "%s.lock", o);
    f = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) {
        oc_error_at(err, lock, 0, 0);
        st = oc_error_sys(err, "cannot open the lock file");
        goto out;
    }
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        char held[32] = "";
        ssize_t k = errno == EWOULDBLOCK ? pread(f, held, sizeof held - 1, 0) : -1;
        oc_error_at(err, lock, 0, 0);
        if (k < 0) {
            st = oc_error_sys(err, "cannot take the lock");
            goto out;
        }
        held[k] = '\0';
        held[strcspn(held, "\n")] = '\0';
        st = oc_error_set(err, OC_EBUSY, "another ocstat run (process %s) is writing %s; not started",
                          held[0] ? held : "?", o);
        goto out;
    }
    /* ours: say who holds it (for the message above), clear what killed runs left */
    snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) != 0 || pwrite(f, pid, strlen(pid), 0) < 0) {
        oc_error_at(err, lock, 0, 0);
        st = oc_error_sys(err, "cannot write the lock file");
        goto out;
    }
    {   /* temporary folders of the output itself, next to it */
        const char *dir = ".", *base = parent;
        char pre[PATH_MAX];
        if ((slash = strrchr(parent, '/')) != NULL) {
            *slash = '\0';
            dir = slash == parent ? "/" : parent;
            base = slash + 1;
        }
        snprintf(pre, sizeof pre, "%s.tmp-", base);
        rm_leftovers(dir, pre);
    }
    rm_leftovers(o, ".tmp-");
    rm_leftovers(o, ".latest-");
    *fd = f;
    f = -1;
out:
    if (f >= 0)
        close(f);
    oc_free(o);
    oc_free(lock);
    oc_free(parent);
    return st;
}

void release_unlock(int fd)
{
    if (fd >= 0)
        close(fd);   /* the lock goes with the descriptor */
}

/* Is dir a folder of versions (never a release itself)?  1 yes or new,
 * 0 no. */
static int versions_root(const char *dir)
{
    char path[PATH_MAX];
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return 1;
    if (!S_ISDIR(sb.st_mode))
        return 0;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    return stat(path, &sb) != 0;
}

static int id_ok(const char *id)
{
    return id[0] && id[0] != '.' && strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
                                          strlen(id);
}

oc_status release_begin(const char *out_dir, const char *id, unsigned keep, release **out, oc_error *err)
{
    release *r = oc_calloc(1, sizeof *r);
    size_t n;
    *out = NULL;
    if (!r || !(r->out = trim_dir(out_dir)) || !(r->id = oc_strdup(id)))
        goto nomem;
    r->keep = keep;
    n = strlen(r->out);
    r->tmp = oc_malloc(n + 32);
    if (!r->tmp)
        goto nomem;
    if (keep) {
        if (!id_ok(id)) {
            release_free(r);
            return oc_error_set(err, OC_ECONFIG,
                                "release id '%s' cannot name a folder (letters, digits, '_', '.', '-')", id);
        }
        if (!versions_root(r->out)) {
            oc_error_at(err, r->out, 0, 0);
            release_free(r);
            return oc_error_set(err, OC_EIO, "holds a release written without output.keep; refusing to "
                                             "turn it into a folder of versions (choose another folder)");
        }
        if (mkdir(r->out, 0755) != 0 && errno != EEXIST) {
            oc_error_at(err, r->out, 0, 0);
            oc_error_sys(err, "cannot create the releases folder");
            release_free(r);
            return err->code;
        }
        snprintf(r->tmp, n + 32, "%s/.tmp-%ld", r->out, (long)getpid());
    } else {
        snprintf(r->tmp, n + 32, "%s.tmp-%ld", r->out, (long)getpid());
    }
    rm_tree(r->tmp);   /* a leftover of a killed run with the same pid */
    if (mkdir(r->tmp, 0755) != 0) {
        oc_error_at(err, r->tmp, 0, 0);
        oc_error_sys(err, "cannot create the release folder");
        oc_free(r->tmp);
        r->tmp = NULL;
        release_free(r);
        return err->code;
    }
    *out = r;
    return OC_OK;
nomem:
    release_free(r);
    return oc_error_set(err, OC_ENOMEM, "out of memory");
}

static oc_status write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return OC_EIO;
        }
        buf += w;
        len -= (size_t)w;
    }
    return OC_OK;
}

static oc_status write_path(const char *path, const char *buf, size_t len, unsigned mode, oc_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        oc_error_at(err, path, 0, 0);
        return oc_error_sys(err, "cannot create");
    }
    if (fchmod(fd, (mode_t)mode) != 0 || write_all(fd, buf, len) != OC_OK || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        errno = e;
        oc_error_at(err, path, 0, 0);
        return oc_error_sys(err, "write error");
    }
    if (close(fd) != 0) {
        unlink(path);
        oc_error_at(err, path, 0, 0);
        return oc_error_sys(err, "write error");
    }
    return OC_OK;
}

oc_status oc_write_file_atomic(const char *path, const char *buf, size_t len, unsigned mode, oc_error *err)
{
    struct stat sb;
    char *real = NULL, *tmp;
    const char *target = path;
    size_t n;
    oc_status st;
    /* A symbolic link is followed (its target is replaced, not the link);
     * a device, FIFO or socket cannot be replaced atomically and is
     * written in place. */
    if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
        real = realpath(path, NULL);
        if (real)
            target = real;
    }
    if (stat(target, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        int fd = open(target, O_WRONLY | O_TRUNC | O_CLOEXEC);
        st = OC_OK;
        if (fd < 0 || write_all(fd, buf, len) != OC_OK) {
            oc_error_at(err, path, 0, 0);
            st = oc_error_sys(err, fd < 0 ? "cannot open" : "write error");
        }
        if (fd >= 0 && close(fd) != 0 && st == OC_OK) {
            oc_error_at(err, path, 0, 0);
            st = oc_error_sys(err, "write error");
        }
        free(real);
        return st;
    }
    n = strlen(target);
    tmp = oc_malloc(n + 32);
    if (!tmp) {
        free(real);
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    }
    snprintf(tmp, n + 32, "%s.tmp-%ld", target, (long)getpid());
    {
        oc_error local;   /* messages name the file the user gave, not the temporary */
        oc_error_clear(&local);
        oc_error_at(&local, path, 0, 0);
        st = write_path(tmp, buf, len, mode, &local);
        if (st == OC_OK && rename(tmp, target) != 0) {
            unlink(tmp);
            st = oc_error_sys(&local, "cannot rename into place");
        }
        if (st != OC_OK && err && err->code == OC_OK)
            *err = local;
    }
    oc_free(tmp);
    free(real);
    return st;
}

oc_status release_add_file(release *r, const char *name, const char *buf, size_t len, uint64_t rows,
                           oc_error *err)
{
    struct relfile *nf;
    char *path;
    oc_sha256 h;
    oc_status st;
    size_t i;
    if (strchr(name, '/') || !strcmp(name, "manifest.json") || name[0] == '.' || name[0] == '\0')
        return oc_error_set(err, OC_ECONFIG, "invalid output file name '%s'", name);
    for (i = 0; i < r->nfiles; i++)
        if (!strcmp(r->files[i].name, name))
            return oc_error_set(err, OC_ECONFIG, "two outputs would be named '%s'", name);
    path = oc_malloc(strlen(r->tmp) + strlen(name) + 2);
    nf = oc_realloc(r->files, (r->nfiles + 1) * sizeof *nf);
    if (!path || !nf) {
        oc_free(path);
        if (nf)
            r->files = nf;
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    }
    r->files = nf;
    sprintf(path, "%s/%s", r->tmp, name);
    st = write_path(path, buf, len, 0644, err);
    oc_free(path);
    if (st != OC_OK)
        return st;
    nf = &r->files[r->nfiles];
    if (!(nf->name = oc_strdup(name)))
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    oc_sha256_init(&h);
    oc_sha256_update(&h, buf, len);
    oc_sha256_hex(&h, nf->sha);
    nf->bytes = len;
    nf->rows = rows;
    r->nfiles++;
    return OC_OK;
}

oc_status oc_json_str(oc_buf *b, const char *s)
{
    if (oc_buf_append(b, "\"", 1) != OC_OK)
        return OC_ENOMEM;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        oc_status st;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            st = oc_buf_append(b, e, 2);
        } else if (c < 0x20) {
            st = oc_buf_printf(b, "\\u%04x", c);
        } else {
            st = oc_buf_append(b, s, 1);
        }
        if (st != OC_OK)
            return OC_ENOMEM;
    }
    return oc_buf_append(b, "\"", 1) == OC_OK ? OC_OK : OC_ENOMEM;
}


/* May an existing `out` be replaced?  Empty, or holding an ocstat manifest. */
static int replaceable(const char *out)
{
    DIR *d = opendir(out);
    struct dirent *e;
    int empty = 1, manifest = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        empty = 0;
        if (!strcmp(e->d_name, "manifest.json"))
            manifest = 1;
    }
    closedir(d);
    if (manifest) {
        char path[4096], head[256] = {0};
        FILE *f;
        snprintf(path, sizeof path, "%s/manifest.json", out);
        f = fopen(path, "r");
        if (!f)
            return 0;
        if (fread(head, 1, sizeof head - 1, f) == 0)
            head[0] = '\0';
        fclose(f);
        return strstr(head, "\"ocstat_version\"") != NULL;
    }
    return empty;
}

static void sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes the oldest versions of the release beyond r->keep (never the one
 * just written): folders "<id>-<stamp>" that hold a manifest.json. */
static void prune(const release *r, const char *newest)
{
    DIR *d = opendir(r->out);
    struct dirent *e;
    char **names = NULL, path[PATH_MAX];
    size_t n = 0, cap = 0, i, idlen = strlen(r->id);
    struct stat sb;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, r->id, idlen) != 0 || e->d_name[idlen] != '-' || !strcmp(e->d_name, newest))
            continue;
        if ((size_t)snprintf(path, sizeof path, "%s/%s/manifest.json", r->out, e->d_name) >= sizeof path ||
            stat(path, &sb) != 0)
            continue;
        if (n == cap) {
            char **nn = oc_realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        if (!(names[n] = oc_strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof *names, cmp_str);
    for (i = 0; i < n; i++) {
        if (i + r->keep <= n) {   /* the new one and the keep - 1 latest others stay */
            /* out of the way in one step first: a run killed while removing
             * it leaves a .tmp- folder, which the next run removes */
            char gone[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", r->out, names[i]);
            snprintf(gone, sizeof gone, "%s/.tmp-%ld", r->out, (long)getpid());
            if (rename(path, gone) == 0)
                rm_tree(gone);
        }
        oc_free(names[i]);
    }
    oc_free(names);
}

int release_source_date(time_t *t)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (!sde || !*sde || strspn(sde, "0123456789") != strlen(sde))
        return 0;
    *t = (time_t)strtoll(sde, NULL, 10);
    return 1;
}

/* Versioned layout: the folder becomes OUT/<id>-<UTC time>, then OUT/latest
 * is switched to it (a new link renamed over the old: atomic), then old
 * versions beyond keep are removed. */
static oc_status commit_version(release *r, oc_error *err)
{
    char stamp[32], name[256], path[PATH_MAX], link[PATH_MAX], latest[PATH_MAX];
    time_t t;
    struct tm tm;
    struct stat sb;
    unsigned k;
    if (!release_source_date(&t))   /* reproducible runs and tests */
        t = time(NULL);
    if (!gmtime_r(&t, &tm) || !strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm))
        return oc_error_set(err, OC_EIO, "cannot format the release time");
    for (k = 1;; k++) {
        if (k == 1)
            snprintf(name, sizeof name, "%s-%s", r->id, stamp);
        else
            snprintf(name, sizeof name, "%s-%s-%u", r->id, stamp, k);
        if ((size_t)snprintf(path, sizeof path, "%s/%s", r->out, name) >= sizeof path)
            return oc_error_set(err, OC_EIO, "release folder name too long");
        if (lstat(path, &sb) != 0)
            break;
    }
    if (rename(r->tmp, path) != 0) {
        oc_error_at(err, path, 0, 0);
        return oc_error_sys(err, "cannot rename the release into place");
    }
    if (!(r->final = oc_strdup(path)))
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    snprintf(link, sizeof link, "%s/.latest-%ld", r->out, (long)getpid());
    snprintf(latest, sizeof latest, "%s/latest", r->out);
    (void)unlink(link);
    if (symlink(name, link) != 0 || rename(link, latest) != 0) {
        oc_error_at(err, latest, 0, 0);
        oc_error_sys(err, "cannot point the latest link at the new release");
        (void)unlink(link);
        return err->code;
    }
    sync_dir(r->out);
    r->committed = 1;
    prune(r, name);
    return OC_OK;
}

const char *release_path(const release *r) { return r->final ? r->final : r->out; }

oc_status release_commit(release *r, const char *head, oc_error *err)
{
    oc_buf b;
    size_t i;
    oc_status st;
    char *mpath;
    struct stat sb;
    oc_buf_init(&b, 0);
    if (oc_buf_printf(&b, "{\n%s,\n  \"files\": [", head) != OC_OK)
        goto nomem;
    for (i = 0; i < r->nfiles; i++) {
        if (oc_buf_append(&b, i ? ",\n    {\"name\": " : "\n    {\"name\": ", i ? 15 : 14) != OC_OK ||
            oc_json_str(&b, r->files[i].name) != OC_OK ||
            oc_buf_printf(&b, ", \"sha256\": \"%s\", \"bytes\": %llu, \"rows\": %llu}", r->files[i].sha,
                          (unsigned long long)r->files[i].bytes, (unsigned long long)r->files[i].rows) != OC_OK)
            goto nomem;
    }
    if (oc_buf_printf(&b, "%s]\n}\n", r->nfiles ? "\n  " : "") != OC_OK)
        goto nomem;
    mpath = oc_malloc(strlen(r->tmp) + 16);
    if (!mpath)
        goto nomem;
    sprintf(mpath, "%s/manifest.json", r->tmp);
    st = write_path(mpath, b.data, b.len, 0644, err);
    oc_free(mpath);
    oc_buf_fini(&b);
    if (st != OC_OK)
        return st;
    sync_dir(r->tmp);
    if (r->keep)
        return commit_version(r, err);
    if (stat(r->out, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode) || !replaceable(r->out)) {
            oc_error_at(err, r->out, 0, 0);
            return oc_error_set(err, OC_EIO, "exists and is not an ocstat release; refusing to replace it");
        }
        if (renameat2(AT_FDCWD, r->tmp, AT_FDCWD, r->out, RENAME_EXCHANGE) != 0) {
            oc_error_at(err, r->out, 0, 0);
            return oc_error_sys(err, "cannot swap the new release into place");
        }
        /* r->tmp now holds the previous release; release_free removes it */
    } else if (rename(r->tmp, r->out) != 0) {
        oc_error_at(err, r->out, 0, 0);
        return oc_error_sys(err, "cannot rename the release into place");
    }
    r->committed = 1;
    return OC_OK;
nomem:
    oc_buf_fini(&b);
    return oc_error_set(err, OC_ENOMEM, "out of memory");
}

void release_free(release *r)
{
    size_t i;
    if (!r)
        return;
    if (r->tmp) {
        struct stat sb;
        if (stat(r->tmp, &sb) == 0)
            rm_tree(r->tmp);
    }
    for (i = 0; i < r->nfiles; i++)
        oc_free(r->files[i].name);
    oc_free(r->files);
    oc_free(r->tmp);
    oc_free(r->out);
    oc_free(r->id);
    oc_free(r->final);
    oc_free(r);
}

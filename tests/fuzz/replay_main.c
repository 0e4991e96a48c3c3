/*
 * replay_main.c - runs a libFuzzer target over saved inputs without
 * libFuzzer (like zstd's regression_driver), so the seed corpora and saved
 * crash reproducers are replayed by ctest with any compiler.
 *
 *   replay_csv_reader tests/fuzz/corpus/csv_reader [more files or dirs...]
 *
 * Each argument is a file or a directory; a directory's regular files are
 * replayed in name order (names starting with '.' are skipped, one level
 * only).  Every input is copied into a buffer of exactly its size, so a
 * sanitizer build catches reads past the end.  The target signals a bug by
 * crashing or aborting; the driver prints "replayed N inputs" and exits 0
 * when every input ran.  It sets OC_FUZZ_REPLAY=1 in the environment so a
 * target can run checks too slow for fuzzing.  An argument that cannot be read, or no input at
 * all, exits 1 so a wrong path cannot make the test pass vacuously.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int verbose;

/* 0 ok, -1 error (message printed). */
static int replay_file(const char *path, unsigned long *count)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL, *exact;
    size_t len = 0, cap = 0;
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t got;
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 65536;
            unsigned char *nb = realloc(buf, nc);
            if (!nb) {
                fprintf(stderr, "replay: %s: out of memory\n", path);
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
            cap = nc;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "replay: %s: read error\n", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    /* exactly-sized copy: an overread is visible to ASan */
    exact = malloc(len ? len : 1);
    if (!exact) {
        fprintf(stderr, "replay: %s: out of memory\n", path);
        free(buf);
        return -1;
    }
    if (len)
        memcpy(exact, buf, len);
    free(buf);
    if (verbose)
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    (*count)++;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, unsigned long *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn) {
                rc = -1;
                break;
            }
            names = nn;
            cap = nc;
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!names[n]) {
            rc = -1;
            break;
        }
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (rc != 0)
        fprintf(stderr, "replay: %s: out of memory\n", dir);
    if (n > 1)
        qsort(names, n, sizeof *names, by_name);
    for (i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && replay_file(names[i], count) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned long count = 0;
    int i, rc = 0;
    const char *v = getenv("REPLAY_VERBOSE");
    verbose = v && v[0] && strcmp(v, "0") != 0;
    /* tells a target it runs under this driver: it may then do the slow,
     * exhaustive checks it skips while fuzzing (fuzz_schema's "#!oom *") */
    setenv("OC_FUZZ_REPLAY", "1", 1);
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            rc = 1;
            continue;
        }
        if (S_ISDIR(st.st_mode) ? replay_dir(argv[i], &count) != 0 : replay_file(argv[i], &count) != 0)
            rc = 1;
    }
    printf("replayed %lu inputs\n", count);
    if (count == 0) {
        fprintf(stderr, "replay: no inputs found\n");
        rc = 1;
    }
    return rc;
}

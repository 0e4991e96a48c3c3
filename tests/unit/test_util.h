/* test_util.h - small helpers shared by the unit tests (temp files). */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh temporary folder; the returned string is static per call site. */
static inline char *tu_tmpdir(void)
{
    char *d = malloc(64);
    strcpy(d, "/tmp/ocstat-test-XXXXXX");
    if (!mkdtemp(d)) {
        free(d);
        return NULL;
    }
    return d;
}

/* Writes data to dir/name; returns the malloc'd path. */
static inline char *tu_write(const char *dir, const char *name, const void *data, size_t len)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    FILE *f;
    sprintf(p, "%s/%s", dir, name);
    f = fopen(p, "wb");
    if (!f) {
        free(p);
        return NULL;
    }
    fwrite(data, 1, len, f);
    fclose(f);
    return p;
}

static inline char *tu_write_str(const char *dir, const char *name, const char *s)
{
    return tu_write(dir, name, s, strlen(s));
}

static inline void tu_rmdir(char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    free(dir);
}

#endif

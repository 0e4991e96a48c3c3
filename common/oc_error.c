/* oc_error.c - see oc_error.h. */
#include "oc_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void oc_error_clear(oc_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

oc_status oc_error_set(oc_error *err, oc_status code, const char *fmt, ...)
{
    va_list ap;
    if (!err || err->code != OC_OK)
        return err ? err->code : code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

oc_status oc_error_sys(oc_error *err, const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    size_t n;
    if (!err || err->code != OC_OK)
        return err ? err->code : OC_EIO;
    err->code = (e == ENOMEM) ? OC_ENOMEM : OC_EIO;
    err->sys_errno = e;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    n = strlen(err->msg);
    if (e != 0 && n + 3 < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(e));
    return err->code;
}

void oc_error_at(oc_error *err, const char *path, uint64_t line, uint64_t col)
{
    if (!err)
        return;
    if (path && err->path[0] == '\0')
        copy_str(err->path, sizeof err->path, path);
    if (err->line == 0)
        err->line = line;
    if (err->col == 0)
        err->col = col;
}

void oc_error_column(oc_error *err, const char *column)
{
    if (err && column && err->column[0] == '\0')
        copy_str(err->column, sizeof err->column, column);
}

int oc_status_exit(oc_status s)
{
    switch (s) {
    case OC_OK:      return 0;
    case OC_EDATA:
    case OC_ECONFIG:
    case OC_EAUDIT:  return 1;
    case OC_EUSAGE:  return 2;
    case OC_EIO:
    case OC_ENOMEM:  return 3;
    case OC_EBUSY:   return 4;
    }
    return 3;
}

void oc_error_format(const oc_error *err, char *out, size_t cap)
{
    size_t n = 0;
    int w;
    out[0] = '\0';
#define APPEND(...)                                                     \
    do {                                                                \
        w = snprintf(out + n, cap - n, __VA_ARGS__);                    \
        if (w < 0 || (size_t)w >= cap - n) return;                      \
        n += (size_t)w;                                                 \
    } while (0)
    if (err->path[0]) {
        APPEND("%s:", err->path);
        if (err->line) {
            APPEND("%llu:", (unsigned long long)err->line);
            if (err->col)
                APPEND("%llu:", (unsigned long long)err->col);
        }
        APPEND(" ");
    }
    if (err->column[0])
        APPEND("%s: ", err->column);
    APPEND("%s", err->msg[0] ? err->msg : "unknown error");
#undef APPEND
}

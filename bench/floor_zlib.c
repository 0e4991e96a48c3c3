/* floor_zlib.c - the cost of zlib inflating alone, as a reference line in
 * the benchmark (gzip(1)'s zcat uses its own inflater, not zlib). */
#include <stdio.h>
#include <zlib.h>

int main(int argc, char **argv)
{
    static char buf[1 << 20];
    unsigned long total = 0;
    int n;
    gzFile f = argc > 1 ? gzopen(argv[1], "rb") : NULL;
    if (!f)
        return 1;
    gzbuffer(f, 1 << 18);
    while ((n = gzread(f, buf, sizeof buf)) > 0)
        total += (unsigned long)n;
    if (n < 0)
        return 1;
    gzclose(f);
    printf("%lu bytes\n", total);
    return 0;
}

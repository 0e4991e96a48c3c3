/* floor_libcsv.c - the cost of libcsv parsing alone (no-op callbacks), as a
 * reference line in the benchmark: what any libcsv-based reader pays. */
#include <csv.h>
#include <stdio.h>

static unsigned long fields, records;
static void on_field(void *s, size_t len, void *data) { (void)s; (void)len; (void)data; fields++; }
static void on_record(int c, void *data) { (void)c; (void)data; records++; }

int main(int argc, char **argv)
{
    static char buf[1 << 20];
    struct csv_parser p;
    size_t n;
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (!f || csv_init(&p, 0) != 0)
        return 1;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, n, on_field, on_record, NULL) != n)
            return 1;
    csv_fini(&p, on_field, on_record, NULL);
    csv_free(&p);
    fclose(f);
    printf("%lu records, %lu fields\n", records, fields);
    return 0;
}

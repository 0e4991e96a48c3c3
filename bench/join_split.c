/*
 * join_split.c - derives the lookup-join benchmark's files from bench/gen.c
 * output.  C11, libc (+ POSIX getline) and prng.h only; built by join.sh.
 *
 *   cc -std=c11 -O2 -o join_split join_split.c
 *   ./join_split [--seed N] --keys K RECORDS.csv PEOPLE.csv JOINED.csv FLAT.csv
 *
 * RECORDS.csv has gen's columns id,year,region,offence,sex,age,role,note
 * (only the last one, note, may be quoted, so the first seven fields are
 * split at commas).  Writes
 *
 *   PEOPLE.csv  person_id,sex,age - K persons.  Their (sex, age) are those
 *               of the first K records (gen draws rows independently, so
 *               this is gen's distribution; past the end of the input a
 *               random earlier person's pair is repeated).  person_id is a
 *               random permutation of 1..K, rows in slot order, so the keys
 *               are in random order and lookups are random memory accesses.
 *   JOINED.csv  id,year,region,offence,person_id,role,note - every record
 *               with sex and age replaced by a uniformly random person.
 *   FLAT.csv    id,year,region,offence,sex,age,role,note - the same records
 *               with that person's sex and age inline: a table of FLAT.csv
 *               must equal the table of JOINED.csv joined with PEOPLE.csv.
 *
 * Deterministic for a given input, K and seed (xoshiro256** / splitmix64,
 * as in gen.c).  Prints the record count on stderr.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"

/* A person's sex and age as text: sex is "", "M", "F" or "U"; age is "",
 * "unknown" or 0..99.  Longer values are refused. */
typedef struct {
    char sex[4];
    char age[12];
    uint8_t sex_len, age_len;
} person;

static void die(const char *what, const char *path)
{
    fprintf(stderr, "join_split: %s%s%s%s%s\n", what, path ? " " : "", path ? path : "",
            errno ? ": " : "", errno ? strerror(errno) : "");
    exit(2);
}

/* Splits line (without its newline) into the first 7 fields at commas and
 * the rest (the note, possibly quoted).  Returns 0 on success. */
static int split7(char *line, size_t len, char *f[8], size_t flen[8])
{
    char *p = line, *end = line + len;
    for (int i = 0; i < 7; i++) {
        char *c = memchr(p, ',', (size_t)(end - p));
        if (!c)
            return -1;
        f[i] = p;
        flen[i] = (size_t)(c - p);
        p = c + 1;
    }
    f[7] = p;
    flen[7] = (size_t)(end - p);
    return 0;
}

static FILE *open_out(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die("cannot create", path);
    if (setvbuf(f, NULL, _IOFBF, 1 << 20) != 0)
        die("setvbuf", path);
    return f;
}

static inline void put(FILE *f, const char *s, size_t n)
{
    if (n && fwrite(s, 1, n, f) != n)
        die("write error", NULL);
}

static inline void put_u32(FILE *f, uint32_t v)
{
    char b[12];
    int n = 0;
    do {
        b[11 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(f, b + 12 - n, (size_t)n);
}

static void close_out(FILE *f, const char *path)
{
    if (fflush(f) != 0 || ferror(f) || fclose(f) != 0)
        die("write error on", path);
}

int main(int argc, char **argv)
{
    uint64_t seed = 42;
    long long keys = -1;
    int a = 1;
    for (; a < argc && argv[a][0] == '-' && argv[a][1] == '-'; a++) {
        if (!strcmp(argv[a], "--seed") && a + 1 < argc)
            seed = strtoull(argv[++a], NULL, 10);
        else if (!strcmp(argv[a], "--keys") && a + 1 < argc)
            keys = strtoll(argv[++a], NULL, 10);
        else
            break;
    }
    if (argc - a != 4 || keys < 1 || keys > 0xFFFFFFFFLL) {
        fprintf(stderr, "usage: join_split [--seed N] --keys K (1..2^32-1) RECORDS.csv "
                        "PEOPLE.csv JOINED.csv FLAT.csv\n");
        return 2;
    }
    const char *in_path = argv[a], *people_path = argv[a + 1], *joined_path = argv[a + 2],
               *flat_path = argv[a + 3];
    uint32_t k = (uint32_t)keys;
    seed_rng(seed ^ 0x6A6F696E5F73706CULL); /* "join_spl": not gen's stream */

    person *pp = malloc(sizeof *pp * (size_t)k);
    uint32_t *perm = malloc(sizeof *perm * (size_t)k);
    if (!pp || !perm)
        die("out of memory", NULL);

    FILE *in = fopen(in_path, "r");
    if (!in)
        die("cannot open", in_path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    char *f[8];
    size_t fl[8];
    const char *want_hdr = "id,year,region,offence,sex,age,role,note";

    /* pass 1: the persons' (sex, age) from the first K records */
    errno = 0;
    if ((n = getline(&line, &cap, in)) < 0)
        die("empty input", in_path);
    if (strncmp(line, want_hdr, strlen(want_hdr)) != 0) {
        fprintf(stderr, "join_split: %s: header is not '%s'\n", in_path, want_hdr);
        return 2;
    }
    uint32_t got = 0;
    while (got < k && (n = getline(&line, &cap, in)) > 0) {
        size_t len = (size_t)n;
        if (line[len - 1] == '\n')
            len--;
        if (split7(line, len, f, fl) != 0 || fl[4] >= sizeof pp->sex || fl[5] >= sizeof pp->age) {
            fprintf(stderr, "join_split: %s: bad record %u\n", in_path, got + 1);
            return 2;
        }
        memcpy(pp[got].sex, f[4], fl[4]);
        pp[got].sex_len = (uint8_t)fl[4];
        memcpy(pp[got].age, f[5], fl[5]);
        pp[got].age_len = (uint8_t)fl[5];
        got++;
    }
    if (got == 0) {
        fprintf(stderr, "join_split: %s: no records\n", in_path);
        return 2;
    }
    for (uint32_t i = got; i < k; i++)
        pp[i] = pp[below(got)];

    /* keys: a random permutation of 1..K */
    for (uint32_t i = 0; i < k; i++)
        perm[i] = i + 1;
    for (uint32_t i = k - 1; i > 0; i--) {
        uint32_t j = below(i + 1);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }

    FILE *po = open_out(people_path);
    put(po, "person_id,sex,age\n", 18);
    for (uint32_t i = 0; i < k; i++) {
        put_u32(po, perm[i]);
        put(po, ",", 1);
        put(po, pp[i].sex, pp[i].sex_len);
        put(po, ",", 1);
        put(po, pp[i].age, pp[i].age_len);
        put(po, "\n", 1);
    }
    close_out(po, people_path);

    /* pass 2: every record */
    rewind(in);
    if (getline(&line, &cap, in) < 0)
        die("read error", in_path);
    FILE *jo = open_out(joined_path), *fo = open_out(flat_path);
    put(jo, "id,year,region,offence,person_id,role,note\n", 43);
    put(fo, "id,year,region,offence,sex,age,role,note\n", 41);
    uint64_t rows = 0;
    while ((n = getline(&line, &cap, in)) > 0) {
        size_t len = (size_t)n;
        if (line[len - 1] == '\n')
            len--;
        if (split7(line, len, f, fl) != 0) {
            fprintf(stderr, "join_split: %s: bad record %llu\n", in_path,
                    (unsigned long long)rows + 1);
            return 2;
        }
        uint32_t s = below(k);
        /* id,year,region,offence, */
        size_t head = (size_t)(f[4] - line);
        put(jo, line, head);
        put(fo, line, head);
        put_u32(jo, perm[s]);
        put(fo, pp[s].sex, pp[s].sex_len);
        put(fo, ",", 1);
        put(fo, pp[s].age, pp[s].age_len);
        /* ,role,note\n */
        size_t tail = len - (size_t)(f[6] - 1 - line);
        put(jo, f[6] - 1, tail);
        put(fo, f[6] - 1, tail);
        put(jo, "\n", 1);
        put(fo, "\n", 1);
        rows++;
    }
    if (ferror(in))
        die("read error", in_path);
    fclose(in);
    close_out(jo, joined_path);
    close_out(fo, flat_path);
    free(line);
    free(pp);
    free(perm);
    fprintf(stderr, "join_split: %llu records, %u persons\n", (unsigned long long)rows, k);
    return 0;
}

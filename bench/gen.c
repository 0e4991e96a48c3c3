/*
 * gen.c - deterministic synthetic crime-record generator for the ocstat
 * benchmark.  C11, libc only; the PRNG is in prng.h beside it.
 *
 *   cc -std=c11 -O2 -o gen gen.c
 *   ./gen [--seed N] ROWS > records.csv
 *
 * Output: a header line, then ROWS record lines with the columns
 *
 *   id,year,region,offence,sex,age,role,note
 *
 * The same seed always gives byte-identical output (the PRNG is
 * xoshiro256** seeded by splitmix64; all sampling is integer arithmetic
 * on fixed integer weight tables, so libm differences cannot change it).
 * At 10,000,000 rows the file is about 540 MB (~54 bytes a line).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"

/* -------------------------------------------------- categorical tables */

typedef struct {
    int n;
    uint32_t total;
    uint32_t *cum; /* cumulative weights, cum[n-1] == total */
} dist;

static void dist_init(dist *d, const uint32_t *w, int n)
{
    d->n = n;
    d->cum = malloc(sizeof *d->cum * (size_t)n);
    if (!d->cum) {
        perror("gen: malloc");
        exit(2);
    }
    uint64_t acc = 0;
    for (int i = 0; i < n; i++) {
        acc += w[i];
        d->cum[i] = (uint32_t)acc;
    }
    if (acc == 0 || acc > 0xFFFFFFFFULL) {
        fprintf(stderr, "gen: bad weight table\n");
        exit(2);
    }
    d->total = (uint32_t)acc;
}

static inline int dist_draw(const dist *d)
{
    uint32_t r = below(d->total);
    int lo = 0, hi = d->n - 1;
    while (lo < hi) {
        int mid = (lo + hi) >> 1;
        if (r < d->cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* ------------------------------------------------------------- content */

/* Years 2019..2023, mildly rising. */
static const uint32_t year_w[5] = {17, 18, 20, 22, 23};

/* National offence codes, strongly skewed: theft and assault dominate,
 * trafficking / laundering are rare.  Must match data/offence-to-iccs.csv. */
static const char *const offence_code[] = {
    "THEFT", "ASSLT", "BURGL", "CDAMG", "SHOPL", "VTHFT", "FRAUD", "DRUGP",
    "THRET", "ROBBR", "HARAS", "PUBOR", "DRUGT", "DVIOL", "WEAPN", "TRAFF",
    "DUI",   "SEXAS", "RAPE",  "FORGE", "ARSON", "CYBER", "EMBEZ", "EXTOR",
    "STALK", "BRIBE", "KIDNP", "HOMIC", "ATHOM", "CHILD", "SMUGG", "MLAUN",
    "TIP-S", "TIP-L", "ENVIR", "TAXEV", "PERJU", "ESCAP", "TERRO", "FIREA",
};
#define N_OFFENCE ((int)(sizeof offence_code / sizeof offence_code[0]))
static const uint32_t offence_w[N_OFFENCE] = {
    260000, 180000, 70000, 60000, 55000, 45000, 40000, 35000,
    30000,  25000,  22000, 20000, 15000, 14000, 12000, 11000,
    10000,  8000,   4000,  4000,  3000,  3500,  2500,  2000,
    2500,   800,    600,   300,   400,   900,   700,   300,
    120,    80,     500,   600,   200,   150,   30,    1500,
};

/* sex: M ~60%, F ~33%, U ~5%, empty ~2% */
static const char *const sex_val[4] = {"M", "F", "U", ""};
static const uint32_t sex_w[4] = {60, 33, 5, 2};

/* role: S ~55%, V ~45% */

/* Short unquoted note phrases (no commas, no quotes). */
static const char *const note_word[] = {
    "reported",  "night",     "street",   "station",   "vehicle",
    "residence", "shop",      "online",   "weekend",   "park",
    "bicycle",   "phone",     "wallet",   "cash",      "witness",
    "cctv",      "arrested",  "released", "warning",   "repeat",
    "domestic",  "school",    "bar",      "market",    "parking",
    "garage",    "bank",      "card",     "tools",     "jewellery",
    "injury",    "minor",     "serious",  "pending",   "closed",
    "referred",  "unknown",   "morning",  "evening",   "transit",
};
#define N_NOTE_WORD ((int)(sizeof note_word / sizeof note_word[0]))

/* Fragments for quoted notes. */
static const char *const qa[] = {
    "burglary", "entry via window", "car broken into", "bag snatched",
    "fight outside bar", "door forced", "items missing", "threat by text",
};
static const char *const qb[] = {
    "night", "left scene", "no witnesses", "police called", "suspect known",
    "owner away", "cctv requested", "daytime",
};
static const char *const qsaid[] = {
    "no", "stop", "help", "give it", "go away", "not me",
};
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ------------------------------------------------------------- output */

static char outbuf[1 << 20];
static size_t outlen;

static void flush_out(void)
{
    if (outlen && fwrite(outbuf, 1, outlen, stdout) != outlen) {
        fprintf(stderr, "gen: write error: %s\n", strerror(errno));
        exit(1);
    }
    outlen = 0;
}

static inline void put_mem(const char *s, size_t n)
{
    memcpy(outbuf + outlen, s, n);
    outlen += n;
}

static inline void put_str(const char *s) { put_mem(s, strlen(s)); }

static inline void put_ch(char c) { outbuf[outlen++] = c; }

static inline void put_u64(uint64_t v)
{
    char tmp[24];
    int i = 0;
    do {
        tmp[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i)
        outbuf[outlen++] = tmp[--i];
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
    fprintf(f, "usage: gen [--seed N] ROWS > file.csv\n"
               "  writes a header and ROWS synthetic crime records\n"
               "  (id,year,region,offence,sex,age,role,note); default seed 42\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '\0')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t seed = 42, rows = 0;
    int have_rows = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            if (parse_u64(argv[++i], &seed)) {
                fprintf(stderr, "gen: bad seed '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strncmp(argv[i], "--seed=", 7)) {
            if (parse_u64(argv[i] + 7, &seed)) {
                fprintf(stderr, "gen: bad seed '%s'\n", argv[i] + 7);
                return 2;
            }
        } else if (!have_rows && parse_u64(argv[i], &rows) == 0) {
            have_rows = 1;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!have_rows) {
        usage(stderr);
        return 2;
    }
    seed_rng(seed);

    /* region weights: Zipf-like, w(k) = 10^8 / (k * (8 + bitlen(k))) for
     * rank k = 1..300 (roughly 1/k^1.1), in integers so the table does not
     * depend on libm: the top 10 regions hold ~55% of the records. */
    enum { N_REGION = 300 };
    uint32_t region_w[N_REGION];
    for (int k = 1; k <= N_REGION; k++) {
        uint32_t bl = 0;
        for (int v = k; v; v >>= 1)
            bl++;
        region_w[k - 1] = 100000000u / ((uint32_t)k * (8u + bl));
    }
    /* Region codes are shuffled once (deterministically) so that R001 is not
     * always the biggest region. */
    int region_id[N_REGION];
    for (int i = 0; i < N_REGION; i++)
        region_id[i] = i + 1;
    {
        uint64_t x = 0x5EEDC0DEULL;
        for (int i = N_REGION - 1; i > 0; i--) {
            int j = (int)(splitmix64(&x) % (uint64_t)(i + 1));
            int t = region_id[i];
            region_id[i] = region_id[j];
            region_id[j] = t;
        }
    }
    char region_str[N_REGION][5];
    for (int i = 0; i < N_REGION; i++)
        snprintf(region_str[i], sizeof region_str[i], "R%03d", region_id[i]);

    /* age weights 0..99 (per mille-ish), skewed to 15-45 */
    uint32_t age_w[100];
    for (int a = 0; a < 100; a++) {
        uint32_t w;
        if (a < 10)
            w = 20;
        else if (a < 15)
            w = 60 + (uint32_t)(a - 10) * 60;     /* 60..300 */
        else if (a < 25)
            w = 500 + (uint32_t)(a - 15) * 40;    /* 500..860 */
        else if (a < 35)
            w = 900 - (uint32_t)(a - 25) * 20;    /* 900..720 */
        else if (a < 46)
            w = 700 - (uint32_t)(a - 35) * 30;    /* 700..400 */
        else if (a < 60)
            w = 380 - (uint32_t)(a - 46) * 18;    /* 380..146 */
        else if (a < 80)
            w = 140 - (uint32_t)(a - 60) * 6;     /* 140..26 */
        else
            w = 20 - (uint32_t)(a - 80) / 2;      /* 20..11 */
        age_w[a] = w;
    }

    dist d_year, d_region, d_off, d_sex, d_age;
    dist_init(&d_year, year_w, 5);
    dist_init(&d_region, region_w, N_REGION);
    dist_init(&d_off, offence_w, N_OFFENCE);
    dist_init(&d_sex, sex_w, 4);
    dist_init(&d_age, age_w, 100);

    size_t off_len[N_OFFENCE];
    for (int i = 0; i < N_OFFENCE; i++)
        off_len[i] = strlen(offence_code[i]);

    put_str("id,year,region,offence,sex,age,role,note\n");

    for (uint64_t id = 1; id <= rows; id++) {
        if (outlen > sizeof outbuf - 512)
            flush_out();

        put_u64(id);
        put_ch(',');
        put_u64(2019 + (uint64_t)dist_draw(&d_year));
        put_ch(',');
        put_mem(region_str[dist_draw(&d_region)], 4);
        put_ch(',');
        int o = dist_draw(&d_off);
        put_mem(offence_code[o], off_len[o]);
        put_ch(',');
        put_str(sex_val[dist_draw(&d_sex)]);
        put_ch(',');

        /* age: 3% empty, 1% "unknown", else 0..99 */
        uint32_t r = below(100);
        if (r < 3) {
            /* empty */
        } else if (r < 4) {
            put_mem("unknown", 7);
        } else {
            put_u64((uint64_t)dist_draw(&d_age));
        }
        put_ch(',');
        put_ch(below(100) < 55 ? 'S' : 'V');
        put_ch(',');

        /* note: ~10% quoted with an embedded comma (a third of those also
         * with doubled quotes), ~10% empty, rest 2-5 plain words */
        r = below(1000);
        if (r < 100) {
            put_ch('"');
            if (r < 33) {
                put_mem("said \"\"", 7);
                put_str(qsaid[below(NELEM(qsaid))]);
                put_mem("\"\", ", 4);
                put_str(qb[below(NELEM(qb))]);
            } else {
                put_str(qa[below(NELEM(qa))]);
                put_mem(", ", 2);
                put_str(qb[below(NELEM(qb))]);
            }
            put_ch('"');
        } else if (r < 200) {
            /* empty */
        } else {
            int nw = 2 + (int)below(4);
            for (int w = 0; w < nw; w++) {
                if (w)
                    put_ch(' ');
                put_str(note_word[below(N_NOTE_WORD)]);
            }
        }
        put_ch('\n');
    }
    flush_out();
    if (fflush(stdout) != 0) {
        fprintf(stderr, "gen: write error: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/*
 * prng.h - the benchmark programs' deterministic PRNG (xoshiro256** seeded
 * by splitmix64) and a uniform integer below n; the same seed gives the
 * same stream on every machine.  Included by gen.c and join_split.c, which
 * are built as single files (cc file.c).
 */
#ifndef BENCH_PRNG_H
#define BENCH_PRNG_H

#include <stdint.h>

static uint64_t rng_s[4];

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t next_u64(void)
{
    uint64_t result = rotl(rng_s[1] * 5, 7) * 9;
    uint64_t t = rng_s[1] << 17;
    rng_s[2] ^= rng_s[0];
    rng_s[3] ^= rng_s[1];
    rng_s[1] ^= rng_s[2];
    rng_s[0] ^= rng_s[3];
    rng_s[2] ^= t;
    rng_s[3] = rotl(rng_s[3], 45);
    return result;
}

static void seed_rng(uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng_s[i] = splitmix64(&x);
}

/* uniform integer in [0, n), n < 2^32 (Lemire multiply-shift, tiny bias
 * irrelevant here but fully deterministic) */
static inline uint32_t below(uint32_t n)
{
    return (uint32_t)(((next_u64() >> 32) * (uint64_t)n) >> 32);
}

#endif

/* oc_sha256.c - see oc_sha256.h. */
#include "oc_sha256.h"

void oc_sha256_init(oc_sha256 *h) { sha256_init(&h->ctx); }

void oc_sha256_update(oc_sha256 *h, const void *p, size_t n)
{
    sha256_update(&h->ctx, n, p);
}

void oc_sha256_hex(oc_sha256 *h, char out[OC_SHA256_HEX])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char d[SHA256_DIGEST_SIZE];
    int i;
    sha256_digest(&h->ctx, SHA256_DIGEST_SIZE, d);
    for (i = 0; i < SHA256_DIGEST_SIZE; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

/*
 * oc_sha256.h - SHA-256 digests (Nettle underneath) as lower-case hex.
 * The context is plain data on the caller's stack; nothing to free.
 */
#ifndef OC_SHA256_H
#define OC_SHA256_H

#include <stddef.h>
#include <nettle/sha2.h>

typedef struct oc_sha256 { struct sha256_ctx ctx; } oc_sha256;

#define OC_SHA256_HEX 65   /* 64 hex digits + NUL */

void oc_sha256_init(oc_sha256 *h);
void oc_sha256_update(oc_sha256 *h, const void *p, size_t n);
void oc_sha256_hex(oc_sha256 *h, char out[OC_SHA256_HEX]);   /* finalises; h is reset */

#endif

/*
 * sha256.h - FIPS 180-4 SHA-256, for content hashes of effective configs and
 * for verifying image tarballs. No dependency: the project links no crypto
 * library and needs only this one digest.
 */
#ifndef LXOPS_UTIL_SHA256_H
#define LXOPS_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* Lower-case hex of the digest into hex[65]. */
void sha256_final_hex(struct sha256 *s, char hex[65]);
void sha256_hex(const void *data, size_t n, char hex[65]);

#endif

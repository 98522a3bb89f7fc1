/* The host a TLS session checks, as both TLS engines take it. */
#ifndef GF_COMMON_HOSTNAME_H
#define GF_COMMON_HOSTNAME_H
#include <stddef.h>

/* *out: a malloc'd copy of host without a final dot ("example.com." names
 * the same host, but neither SNI (RFC 6066) nor a certificate's dNSName
 * carries it); ip: its address when it is an IPv4 (*ip_len 4) or IPv6
 * (16) literal, else *ip_len 0. 0, GF_EINVAL (empty) or GF_ENOMEM. */
int gf__host_canon(const char *host, char **out, unsigned char ip[16],
                   size_t *ip_len);
#endif

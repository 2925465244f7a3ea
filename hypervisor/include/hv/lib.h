/* Freestanding string and formatting helpers (common/lib.c). */
#ifndef HV_LIB_H
#define HV_LIB_H

#include <hv/types.h>

#ifdef HV_HOST_TEST
#include <string.h>
#include <stdio.h>
#define hv_vsnprintf vsnprintf
#define hv_snprintf  snprintf
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
#endif

/* Parses a size like "512M", "2G", "4096K" or a plain byte count; 0 on error. */
u64 hv_parse_size(const char *s, const char **end);
/* Parses an unsigned number (decimal, or hex with 0x); stops at the first other char. */
u64 hv_parse_ulong(const char *s, const char **end);

#endif

/* Logging, request trace and errno <-> xsd_errors string mapping. */
#ifndef XS_LOG_H
#define XS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum xs_log_level { XS_LOG_ERR, XS_LOG_WARN, XS_LOG_INFO, XS_LOG_DEBUG };

extern int xs_log_level;

int xs_log_open(const char *path);   /* NULL: stderr */
void xs_log_close(void);
int xs_log_parse_level(const char *s);
void xs_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), nonnull(2)));

#define xs_err(...) xs_log(XS_LOG_ERR, __VA_ARGS__)
#define xs_warn(...) xs_log(XS_LOG_WARN, __VA_ARGS__)
#define xs_info(...) xs_log(XS_LOG_INFO, __VA_ARGS__)
#define xs_dbg(...)                                                            \
	do {                                                                   \
		if (xs_log_level >= XS_LOG_DEBUG)                              \
			xs_log(XS_LOG_DEBUG, __VA_ARGS__);                     \
	} while (0)

/* Request trace: one line per message in and out, off unless opened. */
int xs_trace_open(const char *path);
void xs_trace_close(void);
bool xs_trace_enabled(void);
void xs_trace_msg(const char *dir, unsigned conn_id, const void *hdr,
		  const void *body);

/* The wire carries errno names ("ENOENT"), never numbers. */
const char *xs_errno_string(int err);
int xs_errno_from_string(const char *s);
const char *xs_type_name(uint32_t type);

#endif

/* Logging, request trace and the errno <-> string table from xs_wire.h. */
#include "xs_log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "xs_wire.h"

int xs_log_level = XS_LOG_WARN;
static FILE *log_file;
static FILE *trace_file;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

int xs_log_open(const char *path)
{
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "a");
	if (!f)
		return errno;
	setvbuf(f, NULL, _IOLBF, 0);
	log_file = f;
	return 0;
}

void xs_log_close(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
}

int xs_log_parse_level(const char *s)
{
	for (int i = 0; i <= XS_LOG_DEBUG; i++)
		if (!strcasecmp(s, level_names[i]))
			return i;
	return -1;
}

void xs_log(int level, const char *fmt, ...)
{
	FILE *f = log_file ? log_file : stderr;
	struct timespec ts;
	va_list ap;

	if (level > xs_log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(f, "%lld.%03ld xenstore-lite %s: ", (long long)ts.tv_sec,
		ts.tv_nsec / 1000000, level_names[level]);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

int xs_trace_open(const char *path)
{
	trace_file = fopen(path, "a");
	if (!trace_file)
		return errno;
	setvbuf(trace_file, NULL, _IOLBF, 0);
	return 0;
}

void xs_trace_close(void)
{
	if (trace_file)
		fclose(trace_file);
	trace_file = NULL;
}

bool xs_trace_enabled(void)
{
	return trace_file != NULL;
}

/* Payloads are NUL-separated strings or binary: escape so a line stays a line. */
static void trace_body(const unsigned char *b, uint32_t len)
{
	for (uint32_t i = 0; i < len && i < 256; i++) {
		if (b[i] == 0)
			fputc('|', trace_file);
		else if (b[i] < 0x20 || b[i] >= 0x7f || b[i] == '\\')
			fprintf(trace_file, "\\x%02x", b[i]);
		else
			fputc(b[i], trace_file);
	}
	if (len > 256)
		fputs("...", trace_file);
}

void xs_trace_msg(const char *dir, unsigned conn_id, const void *hdr,
		  const void *body)
{
	const struct xsd_sockmsg *m = hdr;

	if (!trace_file)
		return;
	fprintf(trace_file, "%s conn=%u %s req=%u tx=%u len=%u ", dir, conn_id,
		xs_type_name(m->type), m->req_id, m->tx_id, m->len);
	trace_body(body, m->len);
	fputc('\n', trace_file);
}

const char *xs_errno_string(int err)
{
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	/* Like xenstored: anything untranslatable goes out as EINVAL. */
	return "EINVAL";
}

int xs_errno_from_string(const char *s)
{
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (!strcmp(xsd_errors[i].errstring, s))
			return xsd_errors[i].errnum;
	return EINVAL;
}

static const char *const type_names[XS_TYPE_COUNT] = {
	[XS_CONTROL] = "CONTROL",
	[XS_DIRECTORY] = "DIRECTORY",
	[XS_READ] = "READ",
	[XS_GET_PERMS] = "GET_PERMS",
	[XS_WATCH] = "WATCH",
	[XS_UNWATCH] = "UNWATCH",
	[XS_TRANSACTION_START] = "TRANSACTION_START",
	[XS_TRANSACTION_END] = "TRANSACTION_END",
	[XS_INTRODUCE] = "INTRODUCE",
	[XS_RELEASE] = "RELEASE",
	[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
	[XS_WRITE] = "WRITE",
	[XS_MKDIR] = "MKDIR",
	[XS_RM] = "RM",
	[XS_SET_PERMS] = "SET_PERMS",
	[XS_WATCH_EVENT] = "WATCH_EVENT",
	[XS_ERROR] = "ERROR",
	[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	[XS_RESUME] = "RESUME",
	[XS_SET_TARGET] = "SET_TARGET",
	[XS_RESET_WATCHES] = "RESET_WATCHES",
	[XS_DIRECTORY_PART] = "DIRECTORY_PART",
};

const char *xs_type_name(uint32_t type)
{
	if (type < XS_TYPE_COUNT && type_names[type])
		return type_names[type];
	return "UNKNOWN";
}

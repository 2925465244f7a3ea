/* printf.c: a small vsnprintf (%d %i %u %x %X %p %s %c %%, flags 0 - #, width, l/ll/z) + console. */
#include "guest.h"
#include "hypercall.h"

struct out { char *buf; size_t size, pos; };

static void put(struct out *o, char c)
{
    if (o->pos + 1 < o->size)
        o->buf[o->pos] = c;
    o->pos++;
}

static void put_str(struct out *o, const char *s, int width, bool left)
{
    int len = (int)strlen(s);

    for (; !left && width > len; width--)
        put(o, ' ');
    while (*s)
        put(o, *s++);
    for (; left && width > len; width--)
        put(o, ' ');
}

static void put_num(struct out *o, unsigned long v, unsigned int base, bool neg,
                    int width, char pad, bool left, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, len;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    len = n + neg;
    if (neg && pad == '0')            /* sign goes before zero padding */
        put(o, '-');
    for (; !left && width > len; width--)
        put(o, pad);
    if (neg && pad != '0')
        put(o, '-');
    while (n)
        put(o, tmp[--n]);
    for (; left && width > len; width--)
        put(o, ' ');
}

static unsigned long get_arg(va_list *ap, int lng, bool sgn)
{
    if (lng)
        return va_arg(*ap, unsigned long);
    return sgn ? (unsigned long)(long)va_arg(*ap, int) : va_arg(*ap, unsigned int);
}

static void conv(struct out *o, char c, va_list *ap, int width, char pad, bool left, int lng)
{
    unsigned long v;

    switch (c) {
    case 'd': case 'i':
        v = get_arg(ap, lng, true);
        put_num(o, (long)v < 0 ? -v : v, 10, (long)v < 0, width, pad, left, false);
        break;
    case 'u': put_num(o, get_arg(ap, lng, false), 10, false, width, pad, left, false); break;
    case 'x': put_num(o, get_arg(ap, lng, false), 16, false, width, pad, left, false); break;
    case 'X': put_num(o, get_arg(ap, lng, false), 16, false, width, pad, left, true); break;
    case 'p':
        put(o, '0'); put(o, 'x');
        put_num(o, (unsigned long)va_arg(*ap, void *), 16, false, width, pad, left, false);
        break;
    case 's': { const char *s = va_arg(*ap, const char *); put_str(o, s ? s : "(null)", width, left); break; }
    case 'c': put(o, (char)va_arg(*ap, int)); break;
    default: put(o, '%'); put(o, c); break;
    }
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    va_list aq;

    va_copy(aq, ap);
    for (; *fmt; fmt++) {
        int width = 0, lng = 0;
        bool left = false, alt = false;
        char pad = ' ';

        if (*fmt != '%') { put(&o, *fmt); continue; }
        fmt++;
        if (*fmt == '%') { put(&o, '%'); continue; }
        for (; *fmt == '-' || *fmt == '0' || *fmt == '#'; fmt++) {
            if (*fmt == '-') left = true; else if (*fmt == '#') alt = true; else pad = '0';
        }
        for (; *fmt >= '0' && *fmt <= '9'; fmt++)
            width = width * 10 + (*fmt - '0');
        for (; *fmt == 'l' || *fmt == 'z'; fmt++)
            lng = 1;
        if (!*fmt)
            break;
        if (alt && (*fmt == 'x' || *fmt == 'X')) {
            put(&o, '0');
            put(&o, 'x');
        }
        conv(&o, *fmt, &aq, width, left ? ' ' : pad, left, lng);
    }
    va_end(aq);
    if (size)
        buf[o.pos < size ? o.pos : size - 1] = '\0';
    return (int)o.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void console_write(const char *s, size_t len)
{
    hc_console_io(CONSOLEIO_write, len, s);
}

int printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
    return n;
}

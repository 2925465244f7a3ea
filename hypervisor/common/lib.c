/* Freestanding C library subset: string functions and a small vsnprintf. */
#include <hv/errno.h>
#include <hv/lib.h>

#ifndef HV_HOST_TEST
/* memcpy and memset are the arch's (arch/x86/string.c): string instructions. */
void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d <= s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b || !*a)
            return (unsigned char)*a - (unsigned char)*b;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (; *s; s++)
        if (*s == (char)c)
            return (char *)s;
    return c ? NULL : (char *)s;
}

/* --- vsnprintf: %d %i %u %x %X %p %s %c %%, with l/ll/z, width, '0' and '-' --- */

struct out {
    char *buf;
    size_t size, len;
};

static void out_char(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_pad(struct out *o, int n, char c)
{
    while (n-- > 0)
        out_char(o, c);
}

static void out_str(struct out *o, const char *s, int width, bool left)
{
    int len = (int)strnlen(s ? s : "(null)", 4096);

    if (!s)
        s = "(null)";
    if (!left)
        out_pad(o, width - len, ' ');
    for (int i = 0; i < len; i++)
        out_char(o, s[i]);
    if (left)
        out_pad(o, width - len, ' ');
}

static void out_num(struct out *o, u64 v, bool neg, int base, bool upper,
                    int width, char pad, bool left)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int fill = width - n - (neg ? 1 : 0);

    if (!left && pad == ' ')
        out_pad(o, fill, ' ');
    if (neg)
        out_char(o, '-');
    if (!left && pad == '0')
        out_pad(o, fill, '0');
    while (n)
        out_char(o, tmp[--n]);
    if (left)
        out_pad(o, fill, ' ');
}

static u64 arg_unsigned(va_list *ap, int lng)
{
    return lng ? va_arg(*ap, u64) : va_arg(*ap, unsigned int);
}

static s64 arg_signed(va_list *ap, int lng)
{
    return lng ? va_arg(*ap, s64) : va_arg(*ap, int);
}

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    va_list args;

    va_copy(args, ap);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out_char(&o, *fmt);
            continue;
        }
        bool left = false;
        char pad = ' ';
        int width = 0, lng = 0;

        fmt++;
        for (; *fmt == '-' || *fmt == '0'; fmt++) {
            if (*fmt == '-')
                left = true;
            else
                pad = '0';
        }
        for (; *fmt >= '0' && *fmt <= '9'; fmt++)
            width = width * 10 + (*fmt - '0');
        for (; *fmt == 'l' || *fmt == 'z'; fmt++)
            lng = 1;
        switch (*fmt) {
        case 'd': case 'i': {
            s64 v = arg_signed(&args, lng);
            out_num(&o, v < 0 ? -(u64)v : (u64)v, v < 0, 10, false, width, pad, left);
            break;
        }
        case 'u': out_num(&o, arg_unsigned(&args, lng), false, 10, false, width, pad, left); break;
        case 'x': out_num(&o, arg_unsigned(&args, lng), false, 16, false, width, pad, left); break;
        case 'X': out_num(&o, arg_unsigned(&args, lng), false, 16, true, width, pad, left); break;
        case 'p':
            out_char(&o, '0'); out_char(&o, 'x');
            out_num(&o, (u64)va_arg(args, void *), false, 16, false, 16, '0', false);
            break;
        case 's': out_str(&o, va_arg(args, const char *), width, left); break;
        case 'c': out_char(&o, (char)va_arg(args, int)); break;
        case '%': out_char(&o, '%'); break;
        case '\0': fmt--; break;
        default: out_char(&o, '%'); out_char(&o, *fmt); break;
        }
    }
    va_end(args);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = hv_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
#endif /* !HV_HOST_TEST */

u64 hv_parse_ulong(const char *s, const char **end)
{
    u64 v = 0;
    int base = 10;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (;; s++) {
        int d;

        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            break;
        /* Saturate: a huge number means "too much", never a small one. */
        v = v > (~0ULL - d) / base ? ~0ULL : v * base + d;
    }
    if (end)
        *end = s;
    return v;
}

u64 hv_parse_size(const char *s, const char **end)
{
    const char *p;
    u64 v = hv_parse_ulong(s, &p);
    unsigned int shift = 0;

    if (p == s)
        v = 0;
    switch (*p) {
    case 'G': case 'g': shift = 30; p++; break;
    case 'M': case 'm': shift = 20; p++; break;
    case 'K': case 'k': shift = 10; p++; break;
    default: break;
    }
    v = v > (~0ULL >> shift) ? ~0ULL : v << shift;
    if (end)
        *end = p;
    return v;
}

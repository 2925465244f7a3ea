/* Basic types and helpers shared by all hypervisor code (freestanding and host tests). */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint8_t  u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t  s64;
typedef int8_t   s8;
typedef int16_t  s16;
typedef int32_t  s32;

#define ARRAY_SIZE(a)      (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)     (((x) + ((a) - 1)) & ~((typeof(x))(a) - 1))
#define ALIGN_DOWN(x, a)   ((x) & ~((typeof(x))(a) - 1))
#define MIN(a, b)          ((a) < (b) ? (a) : (b))
#define MAX(a, b)          ((a) > (b) ? (a) : (b))
#define likely(x)          __builtin_expect(!!(x), 1)
#define unlikely(x)        __builtin_expect(!!(x), 0)
#define __packed           __attribute__((packed))
#define __aligned(n)       __attribute__((aligned(n)))
#define __noreturn         __attribute__((noreturn))
#define __printf(a, b)     __attribute__((format(printf, a, b)))
/*
 * Code on every hypercall, exception bounce or return to a guest: linked
 * together into one page (hypervisor.lds). Under QEMU TCG a direct call or
 * jump to another page cannot be chained and costs a hash lookup; inside
 * one page it is chained. docs/performance.md.
 */
#define __hot_path         __attribute__((section(".text.hot_path")))
/* Rare branches of hot-path code: out of line, so the hot page stays small. */
#define __cold             __attribute__((cold, noinline))
#define container_of(p, type, member) \
    ((type *)((char *)(p) - offsetof(type, member)))

#define PAGE_SHIFT   12
#define PAGE_SIZE    (1UL << PAGE_SHIFT)
#define PAGE_MASK    (~(PAGE_SIZE - 1))

typedef unsigned long mfn_t;   /* machine frame number */
typedef unsigned long pfn_t;   /* guest pseudo-physical frame number */
#define INVALID_MFN  (~0UL)

#endif

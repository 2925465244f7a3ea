/*
 * Descriptor tables and CPU modes: the GDT (guest entries below 0xe000,
 * ours above, as the Xen ABI's FLAT_* selectors expect), the TSS with the
 * per-vCPU ring-0 stack, the IDT, SYSCALL MSRs and the FPU.
 */
#include <hv/lib.h>
#include <hv/console.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/cpuid.h>
#include <asm/io.h>
#include <asm/desc.h>
#include <asm/fpu.h>
#include <asm/traps.h>
#include <asm/percpu.h>
#include <asm/layout.h>
#include <hv/cpumask.h>

struct idt_gate {
    u16 off_lo, sel;
    u8 ist, type_attr;
    u16 off_mid;
    u32 off_hi, zero;
} __packed;

struct desc_ptr {
    u16 limit;
    u64 base;
} __packed;

static struct cpu_data cpu0_data;                   /* the boot CPU's; APs' are allocated */
static struct idt_gate hv_idt[256] __aligned(4096);  /* shared by every CPU */
static u32 xsave_size;
static u64 xcr0;

#define GDT_IDX(sel) ((sel) >> 3)

static void gdt_init(struct cpu_data *c)
{
    u64 *hv_gdt = c->gdt;
    u64 base = (u64)&c->tss, limit = sizeof(c->tss) - 1;

    hv_gdt[GDT_IDX(HV_CS)]  = 0x00af9b000000ffffULL;   /* ring 0, 64-bit code */
    hv_gdt[GDT_IDX(HV_DS)]  = 0x00cf93000000ffffULL;   /* ring 0 data */
    hv_gdt[GDT_IDX(0xe020)] = 0x00cffb000000ffffULL;   /* FLAT_RING3_CS32 */
    hv_gdt[GDT_IDX(0xe028)] = 0x00cff3000000ffffULL;   /* FLAT_RING3_DS32/SS */
    hv_gdt[GDT_IDX(0xe030)] = 0x00affb000000ffffULL;   /* FLAT_RING3_CS64 */
    hv_gdt[GDT_IDX(HV_TSS_SEL)] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
                                  (0x89ULL << 40) | (((base >> 24) & 0xff) << 56);
    hv_gdt[GDT_IDX(HV_TSS_SEL) + 1] = base >> 32;
}

static void gdt_load(struct cpu_data *c)
{
    struct desc_ptr p = { sizeof(c->gdt) - 1, (u64)c->gdt };

    asm volatile("lgdt %0" :: "m"(p));
    asm volatile("pushq %0; lea 1f(%%rip), %%rax; pushq %%rax; lretq; 1:"
                 :: "i"(HV_CS) : "rax", "memory");
    asm volatile("mov %0, %%ss; mov %1, %%ds; mov %1, %%es" :: "r"(HV_DS), "r"(0) : "memory");
    asm volatile("ltr %w0" :: "r"(HV_TSS_SEL));
}

static void idt_set(unsigned int vec, void *handler, u8 dpl, u8 ist)
{
    u64 off = (u64)handler;

    hv_idt[vec] = (struct idt_gate){
        .off_lo = off & 0xffff, .sel = HV_CS, .ist = ist,
        .type_attr = 0x8e | (dpl << 5),   /* present interrupt gate */
        .off_mid = (off >> 16) & 0xffff, .off_hi = off >> 32,
    };
}

static void idt_load(void)
{
    struct desc_ptr p = { sizeof(hv_idt) - 1, (u64)hv_idt };

    asm volatile("lidt %0" :: "m"(p));
}

static void idt_init(void)
{
    for (unsigned int v = 0; v < 256; v++)
        idt_set(v, hv_vector_stubs + 16 * v, 0, 0);
    idt_set(3, hv_vector_stubs + 16 * 3, 3, 0);       /* int3 from guests is #BP */
    idt_set(4, hv_vector_stubs + 16 * 4, 3, 0);       /* into */
    /* Known-good stacks for what can arrive anywhere, even on a guest's rsp (entry.S). */
    idt_set(2, hv_vector_stubs + 16 * 2, 0, 1);       /* NMI */
    idt_set(8, hv_vector_stubs + 16 * 8, 0, 2);       /* #DF */
    idt_set(18, hv_vector_stubs + 16 * 18, 0, 3);     /* #MC */
    idt_set(1, hv_vector_stubs + 16 * 1, 0, 4);       /* #DB */
}

static void tss_init(struct cpu_data *c)
{
    for (unsigned int i = 0; i < HV_IST_STACKS; i++)
        c->tss.ist[i] = (u64)&c->ist_stacks[i][HV_IST_STACK_SIZE];
    c->tss.iomap_base = sizeof(c->tss);               /* no I/O bitmap: all ports denied */
}

/* Guest entries live below the reserved ones; only what changed is rewritten. */
void cpu_load_guest_gdt(const u64 *ents, unsigned int n)
{
    struct cpu_data *c = this_cpu_data();

    if (n)
        memcpy(c->gdt, ents, n * sizeof(u64));
    if (c->guest_gdt_loaded > n)
        memset(c->gdt + n, 0, (c->guest_gdt_loaded - n) * sizeof(u64));
    c->guest_gdt_loaded = n;
}

/* An LDT system descriptor in our GDT pointing at the hypervisor's copy. */
void cpu_load_ldt(const u64 *ents, unsigned int n)
{
    u64 *hv_gdt = this_cpu_data()->gdt;
    u64 base = (u64)ents, limit = (u64)n * 8 - 1;

    if (!n) {
        asm volatile("lldt %w0" :: "r"(0));
        return;
    }
    hv_gdt[GDT_IDX(HV_LDT_SEL)] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x82ULL << 40) |
                                  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    hv_gdt[GDT_IDX(HV_LDT_SEL) + 1] = base >> 32;
    asm volatile("lldt %w0" :: "r"(HV_LDT_SEL));
}

_Static_assert(sizeof(struct entry_percpu) == ENTRY_SLOT_SIZE &&
               offsetof(struct entry_percpu, frame_top) == ENTRY_FRAME_TOP &&
               offsetof(struct entry_percpu, syscall_scratch) == ENTRY_SCRATCH &&
               HV_ENTRY_CPUS == HV_NR_CPUS, "entry.S's per-CPU slots");

void cpu_set_kernel_stack(unsigned long rsp0)
{
    struct cpu_data *c = this_cpu_data();

    c->tss.rsp[0] = rsp0;
    hv_entry_percpu[c->pcpu.id].frame_top = rsp0;
}

/* entry.S's IST path: where a guest's frame moves (the TSS holds it too). */
unsigned long hv_ist_frame_top(void)
{
    return this_cpu_data()->tss.rsp[0];
}

/* Each CPU enters through code that names its own slot (entry.S). */
static void syscall_init(unsigned int cpu)
{
    u64 entry = cpu ? (u64)hv_syscall_stubs + 32 * cpu : (u64)hv_syscall_entry;

    wrmsr(MSR_STAR, ((u64)0xe023 << 48) | ((u64)HV_CS << 32));
    wrmsr(MSR_LSTAR, entry);
    wrmsr(MSR_CSTAR, entry);
    wrmsr(MSR_SFMASK, X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_NT |
                      X86_EFLAGS_AC | X86_EFLAGS_IOPL);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

static void features_init(void)
{
    u32 a, b, c, d;

    cpuid_count(0x80000001, 0, &a, &b, &c, &d);
    if (d & (1u << 20))
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    cpuid_count(7, 0, &a, &b, &c, &d);
    if (b & (1u << 7))
        write_cr4(read_cr4() | X86_CR4_SMEP);        /* never run guest pages in ring 0 */
    /* PICs off: their IRQs would land on exception vectors. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

void fpu_init(void)
{
    u32 a, b, c, d;

    write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
    write_cr0((read_cr0() & ~(X86_CR0_TS | 0x4UL)) | 0x20UL);  /* no TS/EM; NE: #MF, not IRQ13 */
    cpuid_count(1, 0, &a, &b, &c, &d);
    if (c & (1u << 26)) {                             /* XSAVE */
        write_cr4(read_cr4() | X86_CR4_OSXSAVE);
        cpuid_count(0xd, 0, &a, &b, &c, &d);
        xcr0 = a & 0x7;                               /* x87, SSE, AVX */
        xsetbv(0, xcr0);
        cpuid_count(0xd, 0, &a, &b, &c, &d);
        xsave_size = b;
    }
    asm volatile("fninit");
}

u64 fpu_xcr0(void)
{
    return xcr0;
}

size_t fpu_area_size(void)
{
    return xsave_size ? xsave_size : 512;
}

size_t fpu_xsave_size(void)
{
    return xsave_size;
}

/* The initial FPU image (FXSAVE layout, a zeroed XSAVE header): FNINIT's state. */
void fpu_area_init(void *area)
{
    *(u16 *)area = 0x37f;                            /* FCW: all x87 exceptions masked */
    *(u32 *)((u8 *)area + 24) = 0x1f80;              /* MXCSR: all SSE exceptions masked */
}

/* CR0.TS must be clear: the guest's virtual TS may have left it set. */
void fpu_save(void *area)
{
    clts();
    if (xsave_size)
        asm volatile("xsave64 (%0)" :: "r"(area), "a"((u32)xcr0), "d"((u32)(xcr0 >> 32)) : "memory");
    else
        asm volatile("fxsave64 (%0)" :: "r"(area) : "memory");
}

/* The boot CPU's descriptor tables, modes and FPU; the shared IDT. */
void cpu_init(void)
{
    cpu0_data.pcpu.id = 0;
    hv_cpu_data[0] = &cpu0_data;
    idt_init();
    cpu_init_this(&cpu0_data);
}

/* Every CPU, on itself: its GDT, TSS and stacks, the shared IDT, MSRs, FPU. */
void cpu_init_this(struct cpu_data *c)
{
    gdt_init(c);
    tss_init(c);
    gdt_load(c);
    idt_load();
    syscall_init(c->pcpu.id);
    features_init();
    fpu_init();
}

/*
 * String port I/O of an HVM guest (INS/OUTS, with or without REP), one
 * element per exit, as Xen does when it cannot batch: the element moves
 * between the port (hvm_io: the hypervisor's own device, an ioreq
 * server's, or nothing there) and guest memory at ES:rDI (INS) or
 * seg:rSI (OUTS); rDI or rSI steps by the size (back with DF), a REP's
 * rCX drops by one, and RIP moves past the instruction only when that
 * count reaches 0 or there is no REP. Otherwise the CPU runs the same
 * instruction again for the next element, and an interrupt may come in
 * between, as on hardware (SeaBIOS's ATA PIO is `rep insw`).
 *
 * An INS element an ioreq server answers is stored when the answer comes
 * (hvm_io_string_in_done); an OUTS element is read before it is sent.
 * Guest memory goes through the guest's paging; an element at an address
 * that is not mapped or not RAM crashes the domain (Xen would inject
 * the fault; the test guests never do it on purpose but hostile ones).
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <asm/hvm.h>

#define EFLAGS_DF   (1ULL << 10)
#define EFLAGS_VM   (1ULL << 17)
#define EFER_LMA    (1ULL << 10)
#define CR0_PE      1ULL
#define SEG_ATTR_L  (1u << 9)           /* the VMCB's packed attributes: 64-bit code */
#define SEG_ATTR_DB (1u << 10)          /* 32-bit default size */
#define INSN_MAX    15

/*
 * What the exit information need not say: SVM names OUTS's segment only
 * with decode assists, and QEMU TCG gives neither those nor the address
 * size. So the prefixes are read: the segment (OUTS: DS unless
 * overridden; INS always ES) and the address size (the mode's, the other
 * with 0x67).
 */
struct string_insn {
    const struct vmcb_seg *seg;
    u64 amask;                          /* 0xffff, 0xffffffff or all: rSI/rDI/rCX's width */
    bool long64;                        /* 64-bit code: only FS and GS have a base */
};

/* Guest memory to (write) or from buf, a piece per page; how many bytes were moved. */
static unsigned int guest_copy(const struct vcpu *v, u64 lin, void *buf, unsigned int size, bool write)
{
    const struct domain *d = v->domain;
    unsigned int done, n;

    for (done = 0; done < size; done += n) {
        u64 gpa;

        if (hvm_linear_to_phys(v, lin + done, &gpa))
            break;
        n = write ? hvm_copy_to_phys(d, gpa, (u8 *)buf + done, size - done)
                  : hvm_copy_from_phys(d, gpa, (u8 *)buf + done, size - done);
        if (!n)
            break;
    }
    return done;
}

static int element_copy(const struct vcpu *v, u64 lin, void *buf, unsigned int size, bool write)
{
    return guest_copy(v, lin, buf, size, write) == size ? 0 : -EFAULT;
}

static void decode(const struct vcpu *v, bool in, struct string_insn *x)
{
    const struct vmcb *vmcb = v->arch.hvm->vmcb;
    bool a32, flip = false;
    u64 lin = vmcb->cs.base + vmcb->rip;
    u8 b[INSN_MAX];
    unsigned int n;

    x->long64 = (vmcb->efer & EFER_LMA) && (vmcb->cs.attr & SEG_ATTR_L);
    a32 = (vmcb->cr0 & CR0_PE) && !(vmcb->rflags & EFLAGS_VM) && (vmcb->cs.attr & SEG_ATTR_DB);
    x->seg = in ? &vmcb->es : &vmcb->ds;
    n = guest_copy(v, x->long64 ? lin : (u32)lin, b, sizeof(b), false);
    for (unsigned int i = 0; i < n; i++) {
        const struct vmcb_seg *over = NULL;

        switch (b[i]) {
        case 0x26: over = &vmcb->es; break;
        case 0x2e: over = &vmcb->cs; break;
        case 0x36: over = &vmcb->ss; break;
        case 0x3e: over = &vmcb->ds; break;
        case 0x64: over = &vmcb->fs; break;
        case 0x65: over = &vmcb->gs; break;
        case 0x67: flip = true; break;
        case 0x66: case 0xf0: case 0xf2: case 0xf3: break;
        default:
            if (x->long64 && (b[i] & 0xf0) == 0x40)
                break;                                /* REX */
            i = n;                                    /* the opcode: no more prefixes */
        }
        if (over && !in)
            x->seg = over;
    }
    if (x->long64)
        x->amask = flip ? 0xffffffffULL : ~0ULL;
    else
        x->amask = (a32 != flip) ? 0xffffffffULL : 0xffff;
}

/* The element's linear address: ES:rDI for INS, seg:rSI for OUTS. */
static u64 element_linear(const struct vcpu *v, bool in, const struct string_insn *x)
{
    const struct svm_gprs *g = &v->arch.hvm->gprs;
    const struct vmcb *vmcb = v->arch.hvm->vmcb;
    u64 lin = (in ? g->rdi : g->rsi) & x->amask;

    if (!x->long64 || x->seg == &vmcb->fs || x->seg == &vmcb->gs)
        lin += x->seg->base;
    return x->long64 ? lin : (u32)lin;
}

/* A register of the address size, written as the CPU does: 16 bits keep the rest, 32 zero-extend. */
static void set_sized(u64 *reg, u64 value, u64 mask)
{
    *reg = mask == 0xffff ? (*reg & ~mask) | (value & mask) : value & mask;
}

/* rDI/rSI by one element, a REP's count down by one; RIP on when the count is done. */
static void element_done(struct vcpu *v, u64 info, u64 amask)
{
    struct vmcb *vmcb = v->arch.hvm->vmcb;
    struct svm_gprs *g = &v->arch.hvm->gprs;
    unsigned int size = (info >> SVM_IOIO_SIZE_SHIFT) & 7;
    u64 *index = (info & SVM_IOIO_IN) ? &g->rdi : &g->rsi;
    u64 step = (vmcb->rflags & EFLAGS_DF) ? -(u64)size : size;
    bool more = false;

    set_sized(index, *index + step, amask);
    if (info & SVM_IOIO_REP) {
        set_sized(&g->rcx, (g->rcx & amask) - 1, amask);
        more = (g->rcx & amask) != 0;
    }
    if (!more)
        vmcb->rip = vmcb->exitinfo2;
}

static void crash(struct vcpu *v, u64 lin)
{
    hv_warn("d%u v%u: string port I/O at linear %lx rip %lx: not mapped guest RAM\n",
            v->domain->id, v->id, lin, v->arch.hvm->vmcb->rip);
    domain_crash(v->domain, "string port I/O at an address that is not mapped");
}

void hvm_io_string(struct vcpu *v)
{
    struct hvm_vcpu *h = v->arch.hvm;
    u64 info = h->vmcb->exitinfo1, lin;
    unsigned int size = (info >> SVM_IOIO_SIZE_SHIFT) & 7;
    bool in = info & SVM_IOIO_IN;
    u16 port = (u16)(info >> SVM_IOIO_PORT_SHIFT);
    struct string_insn x;
    u32 val = 0;

    decode(v, in, &x);
    if ((info & SVM_IOIO_REP) && !(h->gprs.rcx & x.amask)) {
        h->vmcb->rip = h->vmcb->exitinfo2;            /* a count of 0: nothing moves */
        return;
    }
    lin = element_linear(v, in, &x);
    if (element_copy(v, lin, &val, size, false)) {    /* INS: the target must be there too */
        crash(v, lin);
        return;
    }
    if (hvm_io(v, port, size, in, &val) == -EAGAIN) {
        if (in) {
            h->io_wait = HVM_IO_WAIT_STRING_IN;       /* stored when the answer comes */
            h->string_lin = lin;
            h->string_amask = x.amask;
            return;
        }
    } else if (in && element_copy(v, lin, &val, size, true)) {
        crash(v, lin);
        return;
    }
    element_done(v, info, x.amask);
}

/* An ioreq server's answer to an INS element: into memory, then the registers. */
void hvm_io_string_in_done(struct vcpu *v, u64 data)
{
    struct hvm_vcpu *h = v->arch.hvm;
    u64 info = h->vmcb->exitinfo1;
    unsigned int size = (info >> SVM_IOIO_SIZE_SHIFT) & 7;

    if (element_copy(v, h->string_lin, &data, size, true)) {
        crash(v, h->string_lin);
        return;
    }
    element_done(v, info, h->string_amask);
}

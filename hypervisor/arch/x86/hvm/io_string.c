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
#define EFER_LMA    (1ULL << 10)
#define IOIO_A16    (1u << 7)
#define IOIO_A32    (1u << 8)
#define INSN_MAX    15

static u64 addr_mask(u64 info)
{
    return (info & IOIO_A16) ? 0xffff : (info & IOIO_A32) ? 0xffffffffULL : ~0ULL;
}

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

/*
 * OUTS reads DS:rSI unless a prefix names another segment (INS always
 * writes ES:rDI). SVM says which only with decode assists, so the
 * prefixes are read (in long mode only FS and GS have a base).
 */
static const struct vmcb_seg *outs_segment(const struct vcpu *v)
{
    const struct vmcb *vmcb = v->arch.hvm->vmcb;
    const struct vmcb_seg *seg = &vmcb->ds;
    u64 lin = vmcb->cs.base + vmcb->rip;
    bool long_mode = vmcb->efer & EFER_LMA;
    u8 b[INSN_MAX];
    unsigned int n = guest_copy(v, long_mode ? lin : (u32)lin, b, sizeof(b), false);

    for (unsigned int i = 0; i < n; i++) {
        switch (b[i]) {
        case 0x26: seg = &vmcb->es; break;
        case 0x2e: seg = &vmcb->cs; break;
        case 0x36: seg = &vmcb->ss; break;
        case 0x3e: seg = &vmcb->ds; break;
        case 0x64: seg = &vmcb->fs; break;
        case 0x65: seg = &vmcb->gs; break;
        case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3: break;
        default:
            if (long_mode && (b[i] & 0xf0) == 0x40)
                break;                                /* REX */
            return seg;
        }
    }
    return seg;
}

/* The element's linear address: ES:rDI for INS, seg:rSI for OUTS. */
static u64 element_linear(const struct vcpu *v, u64 info)
{
    const struct vmcb *vmcb = v->arch.hvm->vmcb;
    const struct svm_gprs *g = &v->arch.hvm->gprs;
    bool in = info & SVM_IOIO_IN, long_mode = vmcb->efer & EFER_LMA;
    const struct vmcb_seg *seg = in ? &vmcb->es : outs_segment(v);
    u64 lin = (in ? g->rdi : g->rsi) & addr_mask(info);

    if (!long_mode || seg == &vmcb->fs || seg == &vmcb->gs)
        lin += seg->base;
    return long_mode ? lin : (u32)lin;
}

/* rDI/rSI by one element, a REP's count down by one; RIP on when the count is done. */
static void element_done(struct vcpu *v, u64 info, unsigned int size)
{
    struct vmcb *vmcb = v->arch.hvm->vmcb;
    struct svm_gprs *g = &v->arch.hvm->gprs;
    u64 mask = addr_mask(info), *index = (info & SVM_IOIO_IN) ? &g->rdi : &g->rsi;
    u64 step = (vmcb->rflags & EFLAGS_DF) ? -(u64)size : size;
    bool more = false;

    /* An address-size register is written as the CPU does: 16 bits kept above, 32 zero-extended. */
    *index = mask == 0xffff ? (*index & ~mask) | ((*index + step) & mask) : (*index + step) & mask;
    if (info & SVM_IOIO_REP) {
        u64 count = ((g->rcx & mask) - 1) & mask;

        g->rcx = mask == 0xffff ? (g->rcx & ~mask) | count : count;
        more = count != 0;
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
    u64 info = h->vmcb->exitinfo1, lin = element_linear(v, info);
    unsigned int size = (info >> SVM_IOIO_SIZE_SHIFT) & 7;
    bool in = info & SVM_IOIO_IN;
    u16 port = (u16)(info >> SVM_IOIO_PORT_SHIFT);
    u32 val = 0;

    if ((info & SVM_IOIO_REP) && !(h->gprs.rcx & addr_mask(info))) {
        h->vmcb->rip = h->vmcb->exitinfo2;            /* a count of 0: nothing moves */
        return;
    }
    if (element_copy(v, lin, &val, size, false)) {    /* INS: the target must be there too */
        crash(v, lin);
        return;
    }
    if (hvm_io(v, port, size, in, &val) == -EAGAIN) {
        if (in) {
            h->io_wait = HVM_IO_WAIT_STRING_IN;       /* stored when the answer comes */
            h->string_lin = lin;
            return;
        }
    } else if (in && element_copy(v, lin, &val, size, true)) {
        crash(v, lin);
        return;
    }
    element_done(v, info, size);
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
    element_done(v, info, size);
}

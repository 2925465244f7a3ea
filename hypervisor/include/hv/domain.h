/* Domains and their vCPUs (common/domain.c). */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include <hv/types.h>
#include <hv/xen.h>
#include <hv/timer.h>
#include <hv/event.h>
#include <hv/spinlock.h>
#include <hv/cpumask.h>
#include <hv/counters.h>
#include <hv/sched_credit.h>
#include <asm/vcpu.h>
#include <asm/cpu_policy.h>

#define HV_MAX_DOMAINS  64
#define HV_MAX_VCPUS    8
#define EVTCHN_MAX      EVTCHN_2L_NR_CHANNELS  /* 2-level ABI: 4096 ports (FIFO: EVTCHN_MAX_PORTS) */
#define HV_CMDLINE_MAX  1024
/* Port locks: striped, port % EVTCHN_PORT_LOCKS (docs/smp.md, rank 4). */
#define EVTCHN_PORT_LOCKS 64

enum vcpu_state { VCPU_DOWN, VCPU_RUNNABLE, VCPU_BLOCKED };
enum domain_state { DOM_ACTIVE, DOM_SHUTDOWN, DOM_DYING };

struct vcpu {
    struct domain *domain;
    unsigned int id;
    enum vcpu_state state;
    bool on_runq;
    struct vcpu *runq_next;
    unsigned int processor;            /* the CPU whose queue it is on, or that runs it */
    bool is_running;                   /* its context is on a CPU (until saved: sched.c) */
    cpumask_t ran_on;                  /* every CPU it ran on (statistics) */
    /* Where it may run (hard: a queue outside it never holds it) and where it
     * would rather (soft: stored and reported, not used yet); under its queue's lock. */
    cpumask_t hard_affinity, soft_affinity;
    struct credit_vcpu credit;         /* common/sched_credit.c */
    struct vcpu_info *vcpu_info;       /* shared_info slot, or the registered copy */
    evtchn_port_t virq_to_port[NR_VIRQS];
    struct evtchn_fifo_vcpu evtchn_fifo;
    spinlock_t evtchn_queue_lock;      /* its FIFO queues' tails, inside a port lock (rank 5) */
    struct hv_timer singleshot_timer;
    struct hv_timer periodic_timer;
    struct hv_timer poll_timer;        /* SCHEDOP_poll timeout */
    bool polling;
    evtchn_port_t poll_port;           /* polling one port: it; several: EVTCHN_POLL_ANY */
    u64 periodic_period;
    u64 runstate_guest;                /* guest VA of vcpu_runstate_info, 0 if none */
    u64 time_guest;                    /* guest VA of a second vcpu_time_info (vDSO), 0 if none */
    struct vcpu_runstate_info runstate;
    struct hypercall_continuation {    /* set by hypercall_continue(), see hypercall.c */
        bool pending;
        unsigned long nr, args[5];
    } cont;
    struct vcpu_counters counters;     /* hv/counters.h: debug key 'q' */
    struct arch_vcpu arch;
};

struct evtchn_fifo_domain;
struct grant_table;
struct hvm_domain;
struct ioreq_domain;
struct xencons_interface;

struct domain {
    domid_t id;
    bool privileged;
    enum domain_state state;
    /* References (get_domain/put_domain): every domain_lookup takes one.
     * DOMAIN_DESTROYED: the reaper claimed it with none held; no new ones. */
    u32 refcnt;
    u64 reap_wait_since;               /* when the reaper first found references held, 0: not yet */
    bool reap_reported;                /* the reaper said so (a missed put_domain?) */
    bool reap_claimed;                 /* the reaper set DOMAIN_DESTROYED (not the destroyer) */
    unsigned int shutdown_reason;
    struct shared_info *shared_info;   /* hypervisor mapping of the page */
    mfn_t shared_info_mfn;
    struct vcpu *vcpus[HV_MAX_VCPUS];
    unsigned int nr_vcpus;
    /* domain_lock: a vCPU's first context, up and down (common/vcpu_updown.c;
     * rank 2, keyed by id). */
    spinlock_t domain_lock;
    /* The CPUs that may hold its TLB entries (hv/tlb_mask.h); atomic bit operations. */
    cpumask_t dirty_cpumask;
    /* event_lock: port allocation, binding, closing, the ABI switch, the
     * teardown (rank 3, keyed by id). A port's lock (its stripe): its state
     * while it is raised, unmasked or closed (rank 4). */
    spinlock_t event_lock;
    spinlock_t evtchn_port_lock[EVTCHN_PORT_LOCKS];
    bool evtchn_closing;               /* teardown began: no new binds (under event_lock) */
    struct evtchn **evtchn;            /* buckets of EVTCHNS_PER_BUCKET ports, NULL: none yet */
    evtchn_port_t evtchn_valid;        /* ports [0, evtchn_valid) have a bucket */
    const struct evtchn_port_ops *evtchn_ops;          /* 2-level until EVTCHNOP_init_control */
    struct evtchn_fifo_domain *evtchn_fifo;            /* FIFO event array, NULL: 2-level */
    struct grant_table *grant_table;
    unsigned long vm_assist;
    struct hvm_domain *hvm;            /* the arch's HVM state (docs/hvm.md), NULL: a PV domain */
    struct ioreq_domain *ioreq;        /* its ioreq servers (common/ioreq.c), NULL: none yet */
    u64 hvm_params[HVM_NR_PARAMS];     /* HVMOP_set_param's values (common/hvm_param.c): HVM only */
    mfn_t *p2m;                        /* builder's pfn -> mfn, nr_pages entries */
    unsigned long nr_pages;            /* memory given at build time */
    /* page_alloc_lock: the check-and-charge of tot_pages against max_pages
     * (common/memory.c). Every change of tot_pages is atomic, so a release
     * (here, or a frame's last put in page_type.c) needs no lock. */
    spinlock_t page_alloc_lock;
    /* page_type_lock (x86 pv/page_type.c, docs/smp.md): its frames' table
     * and descriptor types, partial states, linear counts and pins. Never
     * two domains' at once: no table operation reaches another's frames. */
    rspinlock_t page_type_lock;
    unsigned long tot_pages;           /* frames the domain owns now (memory_op) */
    unsigned long max_pages;           /* limit for increase_reservation / populate_physmap */
    char console_line[256];            /* partial console_io line, see console.c */
    unsigned int console_len;
    struct xencons_interface *cons;    /* PV console ring the hypervisor serves (console_ring.c) */
    mfn_t cons_mfn;                    /* its frame, held while cons is set */
    evtchn_port_t cons_port;
    bool cons_mid_line;
    char cmdline[HV_CMDLINE_MAX];
    /* The toolstack's (common/domctl.c, domain_control.c). A domain created
     * by domctl stays after its shutdown, for the toolstack to read its
     * reason, until destroydomain; pause_count is the controller's pauses
     * (created paused: 1), a vCPU runs only while it is 0. */
    bool controlled;
    bool dying;                        /* destroydomain under way */
    bool relinquished;                 /* destroydomain gave every frame back; freed at the last put */
    unsigned int max_vcpus;            /* createdomain's; max_vcpus makes them */
    u8 handle[16];                     /* the toolstack's id for it (a UUID): setdomainhandle */
    s64 time_offset_seconds;           /* added to its wallclock: settimeoffset */
    u32 tsc_mode;                      /* settscinfo's: DEFAULT (0) or NEVER_EMULATE (2), both native */
    u32 tsc_incarnation;               /* settscinfo's incarnation + 1, as Xen's */
    bool creation_finished;            /* the controller unpaused it once: its CPU policy is fixed */
    struct cpu_policy_limits cpu_policy;   /* set_cpu_policy's narrowing of its CPUID (x86) */
    unsigned int pause_count;
    /* The credit scheduler's parameters (XEN_DOMCTL_scheduler_op, pvhv.weight=/cap=). */
    u16 sched_weight;                  /* 1..65535, default 256 */
    u16 sched_cap;                     /* percent of one CPU, 0: none */
    bool affinity_by_tool;             /* setvcpuaffinity or pvhv.cpus= chose it: not the default */
    /* Destruction in bounded steps (arch_domain_relinquish): where it stands. */
    unsigned int relinquish_stage;
    unsigned long relinquish_cursor;
    struct domain_counters counters;   /* hv/counters.h: debug key 'q' */
};

extern struct domain *hv_domains[HV_MAX_DOMAINS];

#define DOMAIN_DESTROYED 0x80000000u

struct domain *domain_create(domid_t id, bool privileged);
/*
 * A live (DOM_ACTIVE) domain by id, with a reference taken under
 * domlist_lock: the caller must put_domain() it. NULL: none, or dying.
 */
struct domain *domain_lookup(domid_t id);
/* By id in any state but freed (a dying granter's mappings are still
 * undone), with a reference; NULL: no such domain, or claimed by the reaper. */
struct domain *domain_lookup_any(domid_t id);
/* Whether the id is taken, in any state (no reference: the answer may go stale). */
bool domain_exists(domid_t id);
/* fn on every domain not being freed, under domlist_lock (read), a reference held across fn. */
void domain_for_each(void (*fn)(struct domain *d, void *arg), void *arg);
/* Resolves DOMID_SELF against the caller; takes a reference either way. */
struct domain *domain_lookup_by_caller(domid_t id, struct domain *caller);
/*
 * One bounded step of destroydomain's release of d's frames (the caller
 * holds a reference); 0 when every frame is back, -ERESTART when there is
 * more (call again). Then domain_put_destroyed drops that reference.
 */
int domain_destroy_step(struct domain *d);
void domain_put_destroyed(struct domain *d);
/* Tells the privileged domain (VIRQ_DOM_EXC) that a domain shut down or died. */
void domain_notify_controller(void);
/* A reference on a domain the caller knows is not freed (it holds one, or
 * a lock that keeps it); false once the reaper claimed it. */
bool get_domain(struct domain *d);
void put_domain(struct domain *d);
/* How long the reaper waits for a dying domain's references before it
 * reports them (debug builds: panics): a reference is held for one
 * hypercall at most, so a count that does not drop is a missed put. */
#define DOMAIN_REF_WAIT_NS  2000000000ULL
void domain_shutdown(struct domain *d, unsigned int reason);
void domain_crash(struct domain *d, const char *why);
/*
 * Frees what dying domains still hold, in bounded steps; runs where no
 * dying vCPU is current. True: a destruction stopped unfinished (a guest is
 * runnable or a timer due): call again after running them.
 */
bool domain_reap(void);
unsigned int domain_count_alive(void);
const char *domain_shutdown_reason_name(unsigned int reason);

struct vcpu *vcpu_create(struct domain *d, unsigned int id);

#endif

/*
 * What common code keeps per physical CPU. The arch embeds it in its own
 * per-CPU data and finds it with arch_this_pcpu() (hv/arch.h).
 */
#ifndef HV_PERCPU_H
#define HV_PERCPU_H

struct vcpu;

struct pcpu {
    struct vcpu *curr;                 /* the running vCPU; NULL while idle (`current`) */
    unsigned int id;                   /* 0 = the boot CPU, then in MADT order */
};

#endif

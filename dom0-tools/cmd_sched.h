/* cmd_sched.h: `pvctl sched-credit` and `pvctl vcpu-pin` (cmd_sched.c), one line in pvctl.c's table. */
#ifndef PVCTL_CMD_SCHED_H
#define PVCTL_CMD_SCHED_H

int cmd_sched_credit(int argc, char **argv);
int cmd_vcpu_pin(int argc, char **argv);
/* Parses "all" or a CPU list ("1", "0-1,3") into a 64-CPU mask; -1 if it is not one. */
int pvctl_parse_cpus(const char *s, uint64_t *mask);

#define PVCTL_SCHED_COMMANDS                                                                      \
    { "sched-credit", "[-d DOM [-w W] [-c C]]", "show or set domains' credit weight and cap",     \
      cmd_sched_credit,                                                                           \
      "Without -d: every domain (Name ID Weight Cap, as xl sched-credit).\n"                      \
      "  -d DOM   one domain (name or id)\n"                                                      \
      "  -w W     its weight, 1..65535 (default 256): its CPU share against the others\n"         \
      "  -c C     its cap, percent of one CPU (0: none; at most 100 per vCPU)\n" },               \
    { "vcpu-pin", "DOM VCPU|all CPUS|all", "pin a domain's vCPU(s) to CPUs (hard affinity)",      \
      cmd_vcpu_pin,                                                                               \
      "CPUS is a list such as 1, 0-1 or 0,2-3, or all. The vCPU then runs only there;\n"          \
      "a list with no online CPU is refused.\n" }

#endif

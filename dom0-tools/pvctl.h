/* pvctl.h: the commands (cmd_*.c) and what they share (pvctl.c). */
#ifndef PVCTL_H
#define PVCTL_H
#include <stdio.h>
#include "domctl.h"

struct pvctl_cmd {
    const char *name, *args, *help;
    int (*run)(int argc, char **argv);   /* 0 ok, 1 failed, 2 usage */
    const char *details;                 /* more lines for `pvctl CMD --help` */
};

int cmd_create(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_debug_keys(int argc, char **argv);
int cmd_block_attach(int argc, char **argv);
int cmd_block_detach(int argc, char **argv);
int cmd_block_list(int argc, char **argv);
int cmd_kernel_extract(int argc, char **argv);
int cmd_kernel_info(int argc, char **argv);
/* cmd_network.c: virtual network interfaces (device_vif.c) */
int cmd_network_attach(int argc, char **argv);
int cmd_network_detach(int argc, char **argv);
int cmd_network_list(int argc, char **argv);
/* Reads a kernel image and unpacks it to ELF (cmd_kernel.c); prints why not, returns 1. */
struct pvctl_buf;
int pvctl_load_kernel(const char *path, struct pvctl_buf *elf);

/*
 * create -v: each step of a create and its time (`pvctl: step NAME  X ms`,
 * since the previous step), so a slow create says where it went. The first
 * call only marks the start. Off: nothing.
 */
extern int pvctl_verbose;
void pvctl_step(const char *what);

/* Opens privcmd and the name store; prints why not and returns -1. */
int pvctl_open_control(void);
/* A domain named by its name or its id; prints why not and returns -1. */
int pvctl_resolve(const char *arg, domid_t *dom);
/* The domain's name: Domain-0, its recorded name, or "(null)" as xl. */
void pvctl_name_of(domid_t dom, char *buf, size_t len);
/* Finds a live domain by name; 0 and *dom, or -ENOENT. */
int pvctl_find_name(const char *name, domid_t *dom);
#endif

/* A small epoll loop: every fd carries its own callback. */
#ifndef XS_LOOP_H
#define XS_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct xs_poll {
	int fd;
	uint32_t events;
	void (*cb)(struct xs_poll *p, uint32_t events);
};

/* Busy-poll window after activity, microseconds (0: always sleep). */
extern unsigned xs_loop_spin_us;

int xs_loop_init(void);
void xs_loop_fini(void);
int xs_loop_add(struct xs_poll *p, uint32_t events);
int xs_loop_mod(struct xs_poll *p, uint32_t events);
void xs_loop_del(struct xs_poll *p);
/* Run until *stop becomes true. */
int xs_loop_run(volatile bool *stop);

#endif

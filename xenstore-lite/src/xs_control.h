/* XS_CONTROL commands (implementation specific, privileged only). */
#ifndef XS_CONTROL_H
#define XS_CONTROL_H

struct xs_req;

int xs_do_control(struct xs_req *r);

#endif

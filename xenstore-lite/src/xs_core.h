/* Whole-daemon state setup/teardown, shared by daemon, tests and fuzzer. */
#ifndef XS_CORE_H
#define XS_CORE_H

int xs_core_init(void);
/* Frees every connection, watch, transaction, node and domain. */
void xs_core_fini(void);

#endif

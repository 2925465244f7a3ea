/* Unix socket transport: the listener and one connection per client. */
#ifndef XS_SOCK_H
#define XS_SOCK_H

/* Default used by libxenstore when XENSTORED_PATH is not set. */
#define XS_DEFAULT_SOCKET "/var/run/xenstored/socket"

/* Bind and listen (before daemonizing); start accepting in the loop. */
int xs_sock_listen(const char *path);
int xs_sock_start(void);
void xs_sock_close(void);

#endif

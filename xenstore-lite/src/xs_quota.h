/* Limits. Per-domain quotas apply to unprivileged domains (as in Xen);
 * queue bounds apply to every connection so no client can grow memory. */
#ifndef XS_QUOTA_H
#define XS_QUOTA_H

struct xs_quota {
	unsigned nodes;		/* nodes owned per domain */
	unsigned node_size;	/* bytes of value per node */
	unsigned watches;	/* watches per connection */
	unsigned transactions;	/* open transactions per connection */
	unsigned txn_nodes;	/* nodes touched by one transaction */
	unsigned perms;		/* permission entries per node */
	unsigned path_length;	/* path length below /local/domain/<id>/ (all) */
	unsigned outstanding;	/* replies queued but not yet taken */
	unsigned watch_events;	/* watch events queued per connection */
	unsigned connections;	/* concurrent socket connections */
};

extern struct xs_quota xs_quota;

void xs_quota_defaults(void);
/* "name=value"; returns 0 or EINVAL. */
int xs_quota_set(const char *spec);
/* Text listing for CONTROL quota / --help. */
int xs_quota_format(char *out, unsigned sz);

#endif

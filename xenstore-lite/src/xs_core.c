/* Bring the node store, watches, domains and quotas up and down. */
#include "xs_core.h"

#include "xs_conn.h"
#include "xs_domain.h"
#include "xs_quota.h"
#include "xs_store.h"
#include "xs_watch.h"

int xs_core_init(void)
{
	int err;

	if ((err = xs_watch_init()) || (err = xs_domain_init()) ||
	    (err = xs_store_init()))
		xs_core_fini();
	return err;
}

void xs_core_fini(void)
{
	while (xs_conn_first())
		xs_conn_free(xs_conn_first());
	xs_conn_reap();
	xs_store_fini();
	xs_domain_fini();
	xs_conn_reap();
	xs_watch_fini();
}

/* Nodes left behind by a released domain. */
#ifndef XS_ORPHANS_H
#define XS_ORPHANS_H

/* Removes every node domid owns, with its subtree, firing watches as RM
 * does. Returns the number of subtrees removed. */
unsigned xs_orphans_remove(unsigned domid);

#endif

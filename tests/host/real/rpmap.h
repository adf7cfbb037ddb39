// Introspection of the real Sv39 pmap.c for the host tests: which page
// tables are live (pmap_init/pmap_destroy are wrapped), raw walks of them,
// and the PTE bits as the privileged spec defines them (for checking the
// entries pmap.c writes, not for reaching around it).
#ifndef RPMAP_H
#define RPMAP_H

#include "types.h"
#include "vm/vm.h"

#define RP_V (1UL << 0)
#define RP_R (1UL << 1)
#define RP_W (1UL << 2)
#define RP_X (1UL << 3)
#define RP_U (1UL << 4)
#define RP_G (1UL << 5)
#define RP_A (1UL << 6)
#define RP_D (1UL << 7)
#define RP_COW (1UL << 8)
#define RP_SWAP (1UL << 9)  // with V clear: a swap entry, the slot in the PPN field
#define RP_PA(pte) (((pte) >> 10) << 12)
#define SPAN (1UL << 21)  // bytes one leaf table maps
#define RP_NPTE 512

// trap_wake as played by the host: the woken hart acks or leaves the table.
#define RP_WAKE_ACK 0
#define RP_WAKE_LEAVE 1
extern int rp_wake_mode;
extern uint64 rp_wakes;  // trap_wake calls so far
extern uint64 host_tp;

// Live page tables, in creation order.
int rp_nlive(void);
struct pmap *rp_live(int i);

uint64 rp_leaf_pa(struct pmap *pm, uint64 va);  // leaf table mapping va's span, or 0
uint64 rp_pte(struct pmap *pm, uint64 va);      // raw leaf PTE of va (0 if no table)
uint64 rp_kernel_root(void);                    // pa of pmap_kernel_init's root

// Call fn for each valid leaf PTE of pm, with the leaf table it sits in.
typedef void (*rp_visit_fn)(uint64 va, uint64 pte, uint64 table_pa, void *arg);
void rp_visit(struct pmap *pm, rp_visit_fn fn, void *arg);
// Call fn for each leaf table pm points at, with the first va it maps.
void rp_visit_leaves(struct pmap *pm, void (*fn)(uint64 base, uint64 table_pa, void *arg),
                     void *arg);

#endif

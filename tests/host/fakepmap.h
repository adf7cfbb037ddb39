// Introspection of the fake pmap (fake_pmap.c) for vmtest's audit and
// tests: every mapping and table page of the live fake page tables.
#ifndef FAKEPMAP_H
#define FAKEPMAP_H

#include "types.h"
#include "vm/vm.h"

typedef void (*map_visit_fn)(uint64 va, uint64 pa, int prot, void *arg);
void fakepmap_visit(struct pmap *pm, map_visit_fn fn, void *arg);  // pm == 0: every live pmap
void fakepmap_visit_tables(void (*fn)(uint64 pa, void *arg), void *arg);  // all live
int fakepmap_live(void);
const char *fakepmap_counts_bad(void);  // a pmap's resident/swapped wrong: why; else 0
// fn on every swap entry of every live pmap (each holds one slot reference).
void fakepmap_visit_swap(void (*fn)(struct pmap *pm, uint64 va, swapslot_t slot, void *arg),
                         void *arg);  // pmaps initialized and not destroyed
// fn on the address space of each live pmap (every pmap is inside one).
void fakepmap_each(void (*fn)(struct aspace *as, void *arg), void *arg);
uint64 fakepmap_flushes(void);  // pmap_flush_page calls so far
// What the hardware does at an access to a page mapped PMAP_OLD: clears it.
void fakepmap_touch(struct pmap *pm, uint64 va);

#endif

// Machine-independent interface to the page table (kernel/arch/riscv/pmap.c).
// Only pmap.c knows PTE bits; the host tests link a fake implementation.
#ifndef PMAP_H
#define PMAP_H

#include "types.h"

typedef uint32 swapslot_t;  // a swap slot, 1..swap_nslots(); 0 = none (the same in vm.h)

struct pmap {
  uint64 *root;     // root page-table page (kernel address)
  uint64 ptpages;   // page-table pages held, root included
  uint64 resident;  // user pages mapped (zero page included)
  uint64 swapped;   // swap entries in this pmap's leaf tables (pages on swap)
};

// Flags for pmap_enter/pmap_query besides PROT_* bits.
#define PMAP_COW 0x100  // read-only now; a write must copy (software PTE bit)
#define PMAP_OLD 0x200  // not accessed since mapped (pmap_slot_set/get: fault-around)

// One page's PTE slot, found by one walk and then read and written without
// walking again (the fault resolver). Valid while the caller holds
// as->lock and changes this page table only through it. The fields are
// pmap.c's business.
struct pmap_slot {
  uint64 va;
  uint64 *pte;  // the leaf PTE
  uint64 *l1e;  // the L1 entry pointing at its leaf table
};

int pmap_init(struct pmap *pm);  // root with the kernel half; 0 / -1
void pmap_destroy(struct pmap *pm, void (*release)(uint64 pa));  // releases leaves, frees tables
// Map one page: prot is PROT_* | PMAP_COW. Replaces an existing mapping
// (without releasing its frame). 0, or -1 if a table page cannot be had.
int pmap_enter(struct pmap *pm, uint64 va, uint64 pa, int prot);
// 1 and *pa/*prot if va is mapped, else 0.
int pmap_query(struct pmap *pm, uint64 va, uint64 *pa, int *prot);
// Unmap [start, end), calling release(pa) for each page no other page
// table still maps. 0, or -1 (nothing changed) if a shared leaf table at
// an edge of the range could not be copied for want of memory.
int pmap_remove(struct pmap *pm, uint64 start, uint64 end, void (*release)(uint64 pa));
// Make the leaf table holding va private to pm, so that frame reference
// counts of its pages are exact. 0, or -1 if out of memory.
int pmap_own(struct pmap *pm, uint64 va);
// The slot of va, creating missing page-table pages (but leaving a leaf
// table shared since fork shared). 0, or -1 if a table page cannot be had.
int pmap_slot(struct pmap *pm, uint64 va, struct pmap_slot *s);
// 1 and *pa/*prot (PROT_* | PMAP_COW | PMAP_OLD) if the slot maps a page, else 0.
int pmap_slot_get(struct pmap *pm, struct pmap_slot *s, uint64 *pa, int *prot);
// Make the slot's leaf table private to pm (copy it if shared), so that it
// may be written and frame counts of its pages are exact. 0 / -1 (no memory).
int pmap_slot_own(struct pmap *pm, struct pmap_slot *s);
// Map pa with prot (PROT_* | PMAP_COW | PMAP_OLD) at the slot, replacing
// what it held (without releasing it). The leaf table must be owned.
void pmap_slot_set(struct pmap *pm, struct pmap_slot *s, uint64 pa, int prot);
// Step s to the next page. 1 if that page is in the same leaf table (s is
// then its slot), else 0 (s unchanged).
int pmap_slot_next(struct pmap *pm, struct pmap_slot *s);
// The slot of va if its leaf table exists (nothing is allocated): 0, else -1.
int pmap_slot_find(struct pmap *pm, uint64 va, struct pmap_slot *s);
// Unmap the slot's page (leaf table owned). Its frame is the caller's to
// release, and the TLB the caller's to flush (pmap_flush_page for the
// current address space, pmap_shootdown for another's).
void pmap_slot_clear(struct pmap *pm, struct pmap_slot *s);
// 1 if the slot's leaf table is shared with another page table (since fork).
int pmap_slot_shared(struct pmap *pm, struct pmap_slot *s);
// Test and clear the accessed bit of the slot's page: 1 if it was accessed
// since mapped or since the last call, 0 if not (or nothing is mapped).
// No TLB flush: a stale translation only makes a used page look old.
int pmap_slot_young(struct pmap *pm, struct pmap_slot *s);
// Swap entries: a PTE that maps nothing but names the swap slot holding the
// page (pages on swap are neither mapped nor resident: pmap_slot_get,
// pmap_query and pmap_count do not see them). The entry holds one slot
// reference per leaf table, as a mapping holds a frame reference: copying a
// shared leaf table (pmap_slot_own, fork's per-PTE copy) takes one more,
// pmap_remove / pmap_destroy / the last drop of a shared table give theirs back.
// 1 and *slot if the slot holds a swap entry, else 0.
int pmap_slot_swap(struct pmap *pm, struct pmap_slot *s, swapslot_t *slot);
// Replace what the slot holds (a mapping, or nothing) by a swap entry for
// slot (leaf table owned): resident--, swapped++. The caller's slot
// reference passes to the entry; the frame and the TLB flush are the
// caller's. pmap_slot_clear of a swap entry hands the reference back to the
// caller (swapped--); pmap_slot_set over a swap entry is a bug.
void pmap_slot_set_swap(struct pmap *pm, struct pmap_slot *s, swapslot_t slot);
// Pages in [start, end) mapped and accessed since mapped (not PMAP_OLD).
uint64 pmap_count_young(struct pmap *pm, uint64 start, uint64 end);
// fork: map every page of src in [start, end) into dst at the same va. With
// cow, writable pages become read-only + PMAP_COW in both. A leaf table
// wholly inside the range is shared by both page tables (one reference on
// the table); other pages get share(pa) each. 0, or -1 when out of memory.
int pmap_share(struct pmap *dst, struct pmap *src, uint64 start, uint64 end, int cow,
               void (*share)(uint64 pa));
uint64 pmap_count(struct pmap *pm, uint64 start, uint64 end);          // mapped pages
uint64 pmap_count_swapped(struct pmap *pm, uint64 start, uint64 end);  // swap entries
// mprotect/msync: every mapping in [start, end) gets R and X as prot says;
// W (and COW) stay only where set and prot has PROT_WRITE: W is never added
// (a write fault grants it). Before a PTE loses W, lost(va, arg) is called
// (a shared file page's dirty claim). Flushes the TLB. 0, or -1 with no PTE
// changed if a shared leaf table in the range could not be made private.
int pmap_protect(struct pmap *pm, uint64 start, uint64 end, int prot,
                 void (*lost)(uint64 va, void *arg), void *arg);
// fn(va, arg) for every writable mapping in [start, end); nothing changes.
void pmap_writable(struct pmap *pm, uint64 start, uint64 end, void (*fn)(uint64 va, void *arg),
                   void *arg);
void pmap_activate(struct pmap *pm);  // satp := this table (flushes the TLB)
// After valid PTEs of pm changed (removed, downgraded) that another hart may
// cache: make every hart that has pm loaded flush its TLB, and wait until
// it has (or has left pm). Interrupts on, no spinlock held (it waits); an
// IPI only when pm is loaded on another hart. Flushes this hart too if pm
// is loaded here. Only then may the frames the PTEs named be reused.
void pmap_shootdown(struct pmap *pm);
void pmap_shootdown_intr(void);   // trap.c: the software interrupt (this hart's flush)
uint64 pmap_shootdowns(void);     // shootdowns that asked another hart, since boot
void pmap_kernel_init(void);      // build the kernel-only table
void pmap_kernel_activate(void);  // satp := kernel-only table
void pmap_flush_page(uint64 va);  // after changing one mapping of the current table
uint64 pmap_user_ptpages(void);   // page-table pages of all user address spaces
uint64 pmap_shared_pages(void);   // sum over leaf tables of (refs - 1) * data pages

#endif

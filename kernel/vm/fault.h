// What the fault resolver's parts share (fault.c dispatches; anon.c and
// filefault.c serve rows of the case table). Private to kernel/vm/.
#ifndef VM_FAULT_H
#define VM_FAULT_H

#include "vm/vm.h"

// One access being resolved, filled in by fault.c before a row runs.
struct fault {
  struct aspace *as;
  struct region *r;       // the region holding va (allows the access)
  vaddr_t va;             // page-aligned
  int access;             // ACC_READ, ACC_WRITE or ACC_EXEC
  int present;            // va has a PTE; then:
  paddr_t pa;             //   its frame
  int prot;               //   its PROT_* | PMAP_COW
  uint64 *counts;         // the process's fault counters, or 0
  const char *why;        // reason, on refusal
  int flush;              // a valid PTE changed: flush va once as->lock is dropped
  struct pmap_slot slot;  // va's PTE slot: the one page-table walk of this fault
};

void fault_count(struct fault *f, int kind);  // one served fault of this kind

// anon.c: anonymous memory and copy-on-write (as->lock held)
enum fault_result anon_fill_locked(struct fault *f);   // first touch: zero page or zero-fill
enum fault_result anon_write_locked(struct fault *f);  // write to a read-only private page
void anon_young_locked(struct fault *f);               // a page mapped ahead (PMAP_OLD) is accessed
void anon_settle_locked(struct aspace *as);  // count accesses to pages mapped ahead so far
void anon_stats(struct vmstat *st);          // fault-around counters and policy

// swapfault.c: not present + swap entry: read the page back (as->lock held)
enum fault_result swap_fill_locked(struct fault *f, swapslot_t slot);

// filefault.c: file-backed regions (as->lock held)
enum fault_result file_fill_locked(struct fault *f);  // first touch of a file page
void file_dirty_locked(struct fault *f);              // a shared store: mark the page dirty
extern int vm_file_faultaround;                       // vmctl: map cached neighbours

#endif

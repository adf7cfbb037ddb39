// Anonymous pages on swap: the swap-in row of the fault case table, the
// page-out primitive every evictor uses (vm_pageout_locked), and
// madvise(MADV_PAGEOUT), which lets a process (and the tests) put its own
// pages on swap without memory pressure.
//
// A page on swap is a swap entry in its PTE (pmap.c), holding one slot
// reference per leaf table like a frame; see docs/vm.md, "Swap entries and
// slot accounting". A page-out turns the PTE into a swap entry *before* it
// writes the frame, and flushes every TLB that may hold the old PTE first
// (pmap_shootdown), so no store can land in the frame after it was copied
// to the disk: a later access faults and waits for as->lock, which the
// page-out holds until the frame is gone.
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "vm/vm.h"
#include "vm/fault.h"
#include "lib/klib.h"

// not present + swap entry: read the page back into a fresh private frame
// and map it with the region's protection. The leaf table is made ours
// first (a copy of a shared one takes its own slot references), so the
// entry we consume is ours. Out of memory: the entry stays, nothing is
// lost (FAULT_OOM). A read error kills the access (FAULT_BUS, "swap read
// error"); the entry stays until the address space goes.
enum fault_result
swap_fill_locked(struct fault *f, swapslot_t slot)
{
  struct pmap *pm = &f->as->pmap;
  if (pmap_slot_own(pm, &f->slot) < 0)
    return FAULT_OOM;
  paddr_t pa = frame_alloc();
  if (pa == 0)
    return FAULT_OOM;
  if (swap_read(slot, pa) < 0) {
    frame_unref(pa);
    f->why = "swap read error";
    return FAULT_BUS;
  }
  pmap_slot_clear(pm, &f->slot);  // the entry's slot reference is ours now
  pmap_slot_set(pm, &f->slot, pa, f->r->prot);
  swap_unref(slot);
  fault_count(f, FK_SWAP_IN);
  return FAULT_OK;
}

// Page out one private anonymous page (see vm.h). Eligible: mapped in a
// private region, in a leaf table no other page table shares (the TLB
// argument: one pmap, one hart), not the zero page, and its frame held by
// this one table alone (refcount 1: a page-cache frame has the cache's
// reference too, a COW frame its sharers'). The PTE becomes a swap entry,
// every TLB is flushed, then the frame is written and freed.
int
vm_pageout_locked(struct aspace *as, vaddr_t va)
{
  assert(holdingsleep(&as->lock));
  struct region *r = region_find_locked(as, va);
  if (r == 0 || (r->flags & REG_SHARED))
    return 0;
  struct pmap *pm = &as->pmap;
  struct pmap_slot s;
  paddr_t pa;
  int prot;
  if (pmap_slot_find(pm, va, &s) < 0 || !pmap_slot_get(pm, &s, &pa, &prot))
    return 0;
  if (pmap_slot_shared(pm, &s) || pa == frame_zero_page() || frame_refcount(pa) != 1)
    return 0;
  swapslot_t slot = swap_alloc();
  if (slot == 0)
    return -1;
  pmap_slot_set_swap(pm, &s, slot);
  pmap_shootdown(pm);  // a fence, and no hart translates to pa any more
  // copyin/copyout read the PTE without as->lock and then use the frame
  // through the direct map: one that looked before our PTE change is
  // still in its copy (aspace_uaccess_busy counts it). Back off then.
  int busy = aspace_uaccess_busy(as);
  if (busy || swap_write(slot, pa) < 0) {
    pmap_slot_clear(pm, &s);  // the slot reference is ours again
    pmap_slot_set(pm, &s, pa, prot);
    swap_unref(slot);
    return busy ? 0 : -1;
  }
  frame_unref(pa);
  return 1;
}

// Can pages go to swap at all: a swap disk, and swap on (vmctl swap)? A
// full swap shows as a failed page-out instead.
static int
swap_enabled(void)
{
  return swap_nslots() > 0 && swap_set(-1) > 0;
}

int
aspace_pageout_all(struct aspace *as)
{
  if (!swap_enabled())
    return -1;
  int n = 0, r = 0;
  acquiresleep(&as->lock);
  for (int i = 0; i < as->nregion && r >= 0; i++)
    for (vaddr_t va = as->region[i]->start; va < as->region[i]->end && r >= 0; va += PGSIZE)
      if ((r = vm_pageout_locked(as, va)) > 0)
        n += r;
  ASPACE_CHECK(as);
  releasesleep(&as->lock);
  return n;
}

// madvise(MADV_PAGEOUT) of [start, start+len): every eligible page of the
// range goes to swap now. Refused (-1, nothing changed) like munmap's bad
// ranges (unaligned start, len 0, past MAXVA) and also: a hole in the range
// (no region), another advice, no swap (none, or vmctl swap off). Returns
// the pages paged out (Linux returns 0: we return the count, which is what
// tests and teaching want to see); stops early, returning the count so far,
// when swap fills up or a write fails.
int
aspace_madvise(struct aspace *as, vaddr_t start, uint64 len, int advice)
{
  if (start % PGSIZE || len == 0 || start >= MAXVA || len > MAXVA - start)
    return -1;
  if (advice != MADV_PAGEOUT || !swap_enabled())
    return -1;
  vaddr_t end = PGROUNDUP(start + len);
  acquiresleep(&as->lock);
  vaddr_t va = start;
  for (int i = region_index_locked(as, start); va < end; i++) {
    if (i >= as->nregion || as->region[i]->start > va) {
      releasesleep(&as->lock);
      return -1;  // a hole
    }
    va = as->region[i]->end;
  }
  int n = 0;
  for (va = start; va < end; va += PGSIZE) {
    int r = vm_pageout_locked(as, va);
    if (r < 0)
      break;
    n += r;
  }
  ASPACE_CHECK(as);
  releasesleep(&as->lock);
  return n;
}

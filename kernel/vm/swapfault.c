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

// Page-outs go in batches of up to SWAP_BATCH pages: each page's PTE becomes
// a swap entry first (pageout_prepare_locked), then one TLB shootdown covers
// the whole batch and its frames are written with their requests in flight
// together (pageout_finish_locked, swap_write_many): one device round trip
// and one flush for up to SWAP_BATCH pages instead of one each.
// vmctl(VMCTL_PAGEOUT_BATCH, 0) makes madvise and VMCTL_PAGEOUT_PID go one
// page at a time again (for the benchmark's side-by-side figures).
int vm_pageout_batch = 1;

struct pageout_batch {
  int n;
  vaddr_t va[SWAP_BATCH];
  paddr_t pa[SWAP_BATCH];
  int prot[SWAP_BATCH];
  swapslot_t slot[SWAP_BATCH];
};

// Put the page at va in b if it is eligible: mapped in a private region,
// in a leaf table no other page table shares (the TLB argument: one pmap,
// one hart), not the zero page, and its frame held by this one table alone
// (refcount 1: a page-cache frame has the cache's reference too, a COW
// frame its sharers'). Its PTE becomes a swap entry now (no store reaches
// the frame once the batch's shootdown is done). 1 = added, 0 = not
// eligible, -1 = no free slot.
static int
pageout_prepare_locked(struct aspace *as, vaddr_t va, struct pageout_batch *b)
{
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
  b->va[b->n] = va;
  b->pa[b->n] = pa;
  b->prot[b->n] = prot;
  b->slot[b->n] = slot;
  b->n++;
  return 1;
}

// Page i of b back as it was: the frame mapped again, the slot freed.
static void
pageout_undo_locked(struct aspace *as, struct pageout_batch *b, int i)
{
  struct pmap *pm = &as->pmap;
  struct pmap_slot s;
  int found = pmap_slot_find(pm, b->va[i], &s);
  assert(found == 0);       // its leaf table holds the swap entry we put there
  pmap_slot_clear(pm, &s);  // the slot reference is ours again
  pmap_slot_set(pm, &s, b->pa[i], b->prot[i]);
  swap_unref(b->slot[i]);
}

// Finish b: one shootdown, then write every frame and free it. A copyin/
// copyout of as in flight (it read a PTE without as->lock and uses the
// frame through the direct map) makes the whole batch back off: every page
// is put back and counts as not paged out. A page whose write fails is put
// back too (nothing lost). Returns the pages paged out; *failed is set if
// a write failed. b is empty afterwards.
static int
pageout_finish_locked(struct aspace *as, struct pageout_batch *b, int *failed)
{
  int n = b->n, out = 0, ok[SWAP_BATCH];
  b->n = 0;
  if (n == 0)
    return 0;
  pmap_shootdown(&as->pmap);  // a fence, and no hart translates to these frames any more
  if (aspace_uaccess_busy(as)) {
    for (int i = 0; i < n; i++)
      pageout_undo_locked(as, b, i);
    return 0;
  }
  if (n == 1)
    ok[0] = swap_write(b->slot[0], b->pa[0]);
  else
    swap_write_many(n, b->slot, b->pa, ok);
  for (int i = 0; i < n; i++) {
    if (ok[i] < 0) {
      pageout_undo_locked(as, b, i);
      *failed = 1;
    } else {
      frame_unref(b->pa[i]);
      out++;
    }
  }
  return out;
}

int
vm_pageout_locked(struct aspace *as, vaddr_t va)
{
  assert(holdingsleep(&as->lock));
  struct pageout_batch b;
  b.n = 0;
  int r = pageout_prepare_locked(as, va, &b), failed = 0;
  if (r <= 0)
    return r;
  r = pageout_finish_locked(as, &b, &failed);
  return failed ? -1 : r;
}

// Page out the eligible pages of [start, end) in batches (vm_pageout_batch)
// or one by one. Returns the count; stops early (*stop set) when swap is
// full or a write failed.
static int
pageout_range_locked(struct aspace *as, vaddr_t start, vaddr_t end, int *stop)
{
  struct pageout_batch b;
  int n = 0, failed = 0;
  int batch = vm_pageout_batch ? SWAP_BATCH : 1;
  b.n = 0;
  for (vaddr_t va = start; va < end && !failed; va += PGSIZE) {
    int r = pageout_prepare_locked(as, va, &b);
    if (r < 0) {
      failed = 1;  // no slot: what is prepared still goes
      break;
    }
    if (b.n == batch)
      n += pageout_finish_locked(as, &b, &failed);
  }
  n += pageout_finish_locked(as, &b, &failed);
  *stop = failed;
  return n;
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
  int n = 0, stop = 0;
  acquiresleep(&as->lock);
  for (int i = 0; i < as->nregion && !stop; i++)
    n += pageout_range_locked(as, as->region[i]->start, as->region[i]->end, &stop);
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
  int stop;
  int n = pageout_range_locked(as, start, end, &stop);
  ASPACE_CHECK(as);
  releasesleep(&as->lock);
  return n;
}

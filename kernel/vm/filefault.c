// File rows of the fault case table: cache pages mapped read-only (private:
// copy-on-write; shared: write-notify), private copies on write, the zero
// tail past a region's filelen, FAULT_BUS past end of file, and fault-around
// (mapping already cached neighbours on a read fault). The cache itself is
// object.c's; this file only maps its pages.
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "vm/vm.h"
#include "vm/fault.h"
#include "lib/klib.h"

int vm_file_faultaround = 1;  // vmctl(VMCTL_FILE_FAULTAROUND)

#define AROUND 16  // pages in the aligned window fault-around fills

static uint64
pgoff_of(struct region *r, vaddr_t va)
{
  return (r->off + (va - r->start)) / PGSIZE;
}

// The prot a cache page is mapped with before any store: private
// writable pages are COW (a store copies), shared ones read-only (a store
// marks the page dirty first: write-notify).
static int
cache_prot(struct region *r)
{
  int prot = r->prot & ~PROT_WRITE;
  if ((r->prot & PROT_WRITE) && !(r->flags & REG_SHARED))
    prot |= PMAP_COW;
  return prot;
}

// Map pa (whose reference the PTE takes) at the fault's slot.
static enum fault_result
map_locked(struct fault *f, paddr_t pa, int prot)
{
  if (pmap_slot_own(&f->as->pmap, &f->slot) < 0) {
    frame_unref(pa);
    return FAULT_OOM;
  }
  pmap_slot_set(&f->as->pmap, &f->slot, pa, prot);
  return FAULT_OK;
}

// A page straddling filelen: the file's bytes, then zeros, in a private frame.
static enum fault_result
fill_tail_locked(struct fault *f, paddr_t cpa, uint64 nbytes)
{
  paddr_t pa = frame_alloc_zeroed();
  if (pa == 0)
    return FAULT_OOM;
  frame_copy_prefix(pa, cpa, nbytes);
  return map_locked(f, pa, f->r->prot);
}

// A private page of the file's region written and then paged out: its bytes
// are on swap, not in the cache. (vm.h; the host tests of the clock use it.)
int
aspace_on_swap(struct aspace *as, vaddr_t va)
{
  struct pmap_slot s;
  swapslot_t slot;
  return pmap_slot_find(&as->pmap, va, &s) == 0 && pmap_slot_swap(&as->pmap, &s, &slot);
}

// Map the cached neighbours of f->va inside an aligned window: whole file
// pages of the region, not mapped yet. Best effort: stops at the first
// failure. No I/O, no allocation but page-table pages.
static void
fault_around_locked(struct fault *f)
{
  struct region *r = f->r;
  vaddr_t lo = MAX(PGROUNDDOWN(f->va / PGSIZE / AROUND * AROUND * PGSIZE), r->start);
  vaddr_t hi = MIN(lo + AROUND * PGSIZE, r->end);
  if (r->filelen < hi - r->start)
    hi = r->start + PGROUNDDOWN(r->filelen);
  int prot = cache_prot(r);
  for (vaddr_t va = lo; va < hi; va += PGSIZE) {
    paddr_t pa;
    int old;
    if (va == f->va || pmap_query(&f->as->pmap, va, &pa, &old) || aspace_on_swap(f->as, va))
      continue;
    if (!vmobj_lookup(r->obj, pgoff_of(r, va), &pa))
      continue;
    if (pmap_enter(&f->as->pmap, va, pa, prot) < 0) {
      frame_unref(pa);
      return;
    }
    fault_count(f, FK_FILE_AROUND);
  }
}

enum fault_result
file_fill_locked(struct fault *f)
{
  struct region *r = f->r;
  uint64 rel = f->va - r->start;
  if (rel >= r->filelen)
    return anon_fill_locked(f);  // past what the region shows of the file: zeros
  paddr_t pa;
  int filled;
  enum fault_result res = vmobj_page_ex(r->obj, pgoff_of(r, f->va), &pa, &filled);
  if (res == FAULT_BUS)
    f->why = "beyond end of file";
  if (res != FAULT_OK)
    return res;
  fault_count(f, filled ? FK_FILE : FK_FILE_CACHED);
  if (r->filelen - rel < PGSIZE) {
    res = fill_tail_locked(f, pa, r->filelen - rel);
    frame_unref(pa);
    return res;
  }
  int shared = r->flags & REG_SHARED;
  int prot = cache_prot(r);
  if (f->access == ACC_WRITE && shared) {
    vmobj_dirty(r->obj, pgoff_of(r, f->va));
    prot = r->prot;
  } else if (f->access == ACC_WRITE) {
    // A private store: copy now rather than map the cache page and fault again.
    paddr_t npa = frame_alloc();
    if (npa)
      frame_copy(npa, pa);
    frame_unref(pa);
    if (npa == 0)
      return FAULT_OOM;
    pa = npa;
    prot = r->prot;
    fault_count(f, FK_COW_COPY);
  }
  if (map_locked(f, pa, prot) != FAULT_OK)
    return FAULT_OOM;
  // Neighbours share the (now private) leaf table: the window is aligned.
  if (f->access != ACC_WRITE && vm_file_faultaround)
    fault_around_locked(f);
  return FAULT_OK;
}

// A store to a read-only page of a shared file region: write-notify.
void
file_dirty_locked(struct fault *f)
{
  vmobj_dirty(f->r->obj, pgoff_of(f->r, f->va));
}

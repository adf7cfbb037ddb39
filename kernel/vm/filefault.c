// File rows of the fault case table: the first touch of a page of a region
// backed by a page-cache object (private: copy-on-write over cache pages).
// TEMPORARY (dexec, to test demand-paged exec): mmap's version replaces it.
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "vm/fault.h"
#include "lib/klib.h"

// Not present, region backed by r->obj: map the cache page (read-only, +COW
// if the region is private and writable); a private write or a page that
// straddles filelen gets a private frame (file bytes, then zeros); a page
// wholly past filelen is anonymous.
enum fault_result
file_fill_locked(struct fault *f)
{
  struct region *r = f->r;
  uint64 rel = f->va - r->start;
  if (rel >= r->filelen)
    return anon_fill_locked(f);
  paddr_t pa;
  int filled = 0;
  int res = vmobj_page_ex(r->obj, (r->off + rel) / PGSIZE, &pa, &filled);
  if (res == FAULT_BUS)
    f->why = "beyond end of file";
  if (res != FAULT_OK)
    return res;
  fault_count(f, filled ? FK_FILE : FK_FILE_CACHED);
  uint64 vis = r->filelen - rel;
  int private = !(r->flags & REG_SHARED);
  int prot = r->prot;
  if (private && (vis < PGSIZE || f->access == ACC_WRITE)) {
    paddr_t npa = frame_alloc();
    if (npa == 0) {
      frame_unref(pa);
      return FAULT_OOM;
    }
    uint64 n = MIN(vis, PGSIZE);
    memmove(P2V(npa), P2V(pa), n);
    memset((char *)P2V(npa) + n, 0, PGSIZE - n);
    frame_unref(pa);
    pa = npa;
  } else if (private && (prot & PROT_WRITE)) {
    prot = (prot & ~PROT_WRITE) | PMAP_COW;
  }
  if (pmap_slot_own(&f->as->pmap, &f->slot) < 0) {
    frame_unref(pa);
    return FAULT_OOM;
  }
  pmap_slot_set(&f->as->pmap, &f->slot, pa, prot);
  return FAULT_OK;
}

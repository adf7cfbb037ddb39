// Anonymous memory rows of the fault case table: the shared zero page,
// zero-filled frames, and the copy-on-write break of private pages
// (anonymous or file: a cache page is never ours alone, so it is copied).
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "vm/vm.h"
#include "vm/fault.h"
#include "lib/klib.h"

// First touch of an anonymous page: a read of a writable private region
// maps the zero page read-only + COW; anything else gets a zeroed frame (a
// shared region's pages must be real frames its sharers can all write).
enum fault_result
anon_fill_locked(struct fault *f)
{
  struct pmap *pm = &f->as->pmap;
  int prot = f->r->prot;
  if (f->access == ACC_READ && (prot & PROT_WRITE) && !(f->r->flags & REG_SHARED)) {
    paddr_t zp = frame_zero_page();
    if (pmap_enter(pm, f->va, zp, (prot & ~PROT_WRITE) | PMAP_COW) < 0)
      return FAULT_OOM;
    frame_ref(zp);
    fault_count(f, FK_ZERO_PAGE);
    return FAULT_OK;
  }
  paddr_t pa = frame_alloc_zeroed();
  if (pa == 0)
    return FAULT_OOM;
  if (pmap_enter(pm, f->va, pa, prot) < 0) {
    frame_unref(pa);
    return FAULT_OOM;
  }
  fault_count(f, FK_ZERO_FILL);
  return FAULT_OK;
}

// A write to a read-only page of a private writable region (COW after
// fork, the zero page, a cache page, or a page mprotect made writable).
// The leaf table is made ours first, so the frame's count is exact:
// zero page -> fresh frame; we alone hold it -> write-enable it; else copy.
enum fault_result
anon_write_locked(struct fault *f)
{
  struct pmap *pm = &f->as->pmap;
  if (pmap_own(pm, f->va) < 0)
    return FAULT_OOM;
  f->flush = 1;  // the old read-only translation may be cached
  paddr_t pa = f->pa, npa;
  int kind;
  if (pa == frame_zero_page()) {
    if ((npa = frame_alloc_zeroed()) == 0)
      return FAULT_OOM;
    kind = FK_ZERO_FILL;
  } else if (frame_refcount(pa) == 1) {
    // Only our leaf table holds it, and only we could add another holder.
    if (pmap_enter(pm, f->va, pa, f->r->prot) < 0)
      return FAULT_OOM;  // cannot happen: the table is ours
    fault_count(f, FK_COW_REUSE);
    return FAULT_OK;
  } else {
    if ((npa = frame_alloc()) == 0)
      return FAULT_OOM;
    frame_copy(npa, pa);
    kind = FK_COW_COPY;
  }
  if (pmap_enter(pm, f->va, npa, f->r->prot) < 0) {
    frame_unref(npa);  // the old mapping stays as it was
    return FAULT_OOM;
  }
  frame_unref(pa);
  fault_count(f, kind);
  return FAULT_OK;
}

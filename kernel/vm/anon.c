// Anonymous memory rows of the fault case table: the shared zero page,
// zero-filled frames (with fault-around for a sequential first touch), and
// the copy-on-write break of private pages (anonymous or file: a cache page
// is never ours alone, so it is copied).
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "vm/vm.h"
#include "vm/fault.h"
#include "lib/klib.h"

// ---- fault-around ----
// A write fault that zero-fills the page just past what the previous fault
// of this address space mapped is a sequential first touch: map the next
// pages too, zeroed (from the pre-zeroed pool when it has them), FA_MIN at
// first and twice as many each time the pattern holds, up to FA_MAX; never
// past the region (guard pages lie outside every region), the leaf table
// (one walk), an already mapped page, or what free memory allows above a
// reserve (the HIGH watermark, reclaim.c: speculation never pushes free
// memory into reclaim); none at all below the reserve.
// Pages mapped ahead have the accessed bit clear (PMAP_OLD), so the next
// fault, fork and teardown can count how many were used.
#define FA_MIN 16
#define FA_MAX 256

int vm_faultaround = 1;  // vmctl(VMCTL_FAULTAROUND)

static uint64 fa_mapped;   // atomic: pages mapped ahead since boot
static uint64 fa_touched;  // atomic: of those, found accessed
static uint64 fa_lowmem;   // atomic: sequential faults refused fault-around for low memory

static uint64
fa_reserve(void)
{
  return reclaim_high();
}

void
anon_stats(struct vmstat *st)
{
  st->faultaround = vm_faultaround;
  st->fa_mapped = __atomic_load_n(&fa_mapped, __ATOMIC_RELAXED);
  st->fa_touched = __atomic_load_n(&fa_touched, __ATOMIC_RELAXED);
  st->fa_lowmem = __atomic_load_n(&fa_lowmem, __ATOMIC_RELAXED);
  st->fa_reserve = fa_reserve();
}

void
anon_settle_locked(struct aspace *as)
{
  assert(holdingsleep(&as->lock));
  if (as->fa_hi > as->fa_lo) {
    uint64 n = pmap_count_young(&as->pmap, as->fa_lo, as->fa_hi);
    __atomic_fetch_add(&fa_touched, n, __ATOMIC_RELAXED);
  }
  as->fa_lo = as->fa_hi = 0;
}

// A page mapped ahead and still marked unaccessed was accessed: on hardware
// that faults instead of setting the accessed bit, mark it here.
void
anon_young_locked(struct fault *f)
{
  struct pmap *pm = &f->as->pmap;
  if (pmap_slot_own(pm, &f->slot) < 0)
    return;  // left as it is: a later fault tries again
  f->prot &= ~PMAP_OLD;
  pmap_slot_set(pm, &f->slot, f->pa, f->prot);
  if (f->va < f->as->fa_lo || f->va >= f->as->fa_hi)  // else the next settle counts it
    __atomic_fetch_add(&fa_touched, 1, __ATOMIC_RELAXED);
}

// After a zero-fill write fault at f->va (its slot owned and set): maybe
// map pages ahead. Records where this fault's mapping ends either way.
static void
around_locked(struct fault *f)
{
  struct aspace *as = f->as;
  struct region *r = f->r;
  int seq = f->va == as->fa_next;
  anon_settle_locked(as);
  as->fa_next = f->va + PGSIZE;
  if (!seq || !vm_faultaround || r->obj || (r->flags & REG_SHARED)) {
    as->fa_batch = 0;
    return;
  }
  uint64 nfree = frame_nfree(), reserve = fa_reserve();
  if (nfree <= reserve) {
    __atomic_fetch_add(&fa_lowmem, 1, __ATOMIC_RELAXED);
    as->fa_batch = 0;
    return;
  }
  int want = as->fa_batch ? MIN(2 * as->fa_batch, FA_MAX) : FA_MIN;
  uint64 n = MIN((uint64)want, nfree - reserve);
  n = MIN(n, (r->end - f->va) / PGSIZE - 1);
  struct pmap *pm = &as->pmap;
  struct pmap_slot s = f->slot;
  uint64 done = 0, pa;
  int prot;
  swapslot_t slot;
  while (done < n && pmap_slot_next(pm, &s) && !pmap_slot_get(pm, &s, &pa, &prot) &&
         !pmap_slot_swap(pm, &s, &slot)) {
    if ((pa = frame_alloc_zeroed()) == 0)
      break;
    pmap_slot_set(pm, &s, pa, r->prot | PMAP_OLD);
    done++;
  }
  as->fa_batch = want;
  as->fa_lo = f->va + PGSIZE;
  as->fa_hi = as->fa_next = f->va + (done + 1) * PGSIZE;
  __atomic_fetch_add(&fa_mapped, done, __ATOMIC_RELAXED);
}

// First touch of an anonymous page: a read of a writable private region
// maps the zero page read-only + COW; anything else gets a zeroed frame (a
// shared region's pages must be real frames its sharers can all write).
enum fault_result
anon_fill_locked(struct fault *f)
{
  struct pmap *pm = &f->as->pmap;
  int prot = f->r->prot;
  if (pmap_slot_own(pm, &f->slot) < 0)
    return FAULT_OOM;
  if (f->access == ACC_READ && (prot & PROT_WRITE) && !(f->r->flags & REG_SHARED)) {
    paddr_t zp = frame_zero_page();
    frame_ref(zp);
    pmap_slot_set(pm, &f->slot, zp, (prot & ~PROT_WRITE) | PMAP_COW);
    fault_count(f, FK_ZERO_PAGE);
    return FAULT_OK;
  }
  paddr_t pa = frame_alloc_zeroed();
  if (pa == 0)
    return FAULT_OOM;
  pmap_slot_set(pm, &f->slot, pa, prot);
  fault_count(f, FK_ZERO_FILL);
  if (f->access == ACC_WRITE)
    around_locked(f);
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
  if (pmap_slot_own(pm, &f->slot) < 0)
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
    pmap_slot_set(pm, &f->slot, pa, f->r->prot);
    fault_count(f, FK_COW_REUSE);
    return FAULT_OK;
  } else {
    if ((npa = frame_alloc()) == 0)
      return FAULT_OOM;
    frame_copy(npa, pa);
    kind = FK_COW_COPY;
  }
  pmap_slot_set(pm, &f->slot, npa, f->r->prot);  // the table is ours: cannot fail
  frame_unref(pa);
  fault_count(f, kind);
  return FAULT_OK;
}

// vm_fault(): the one place that decides what a user access means.
//
// | mapping now         | access | region                  | action                          |
// |---------------------|--------|-------------------------|---------------------------------|
// | -                   | any    | none / beyond MAXVA     | refuse: SEGV (reason named)     |
// | -                   | any    | prot lacks this access  | refuse: SEGV                    |
// | not present         | read   | anonymous               | map the shared zero page (COW)  |
// | not present         | write  | anonymous               | zero-fill a private frame       |
// | read-only + COW     | write  | writable                | zero page -> fresh frame;       |
// |                     |        |                         | sole owner -> reuse; else copy  |
// | present, allows it  | any    | -                       | nothing (raced or spurious)     |
// A write first makes a leaf table shared since fork private (pmap_own), so
// frame counts are exact when "sole owner" is decided.
// Callers: the trap handler (kills on refusal) and uaccess (returns -1).
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "vm/vm.h"
#include "lib/klib.h"

static uint64 faults[FK_NKINDS];   // atomic
static uint64 kills[KR_NREASONS];  // atomic

static void
count(uint64 *counts, int kind)
{
  __atomic_fetch_add(&faults[kind], 1, __ATOMIC_RELAXED);
  if (counts)
    counts[kind]++;
}

void
vm_count_kill(int reason)
{
  __atomic_fetch_add(&kills[reason], 1, __ATOMIC_RELAXED);
}

void
vm_fault_stats(struct vmstat *st)
{
  for (int i = 0; i < FK_NKINDS; i++)
    st->faults[i] = __atomic_load_n(&faults[i], __ATOMIC_RELAXED);
  for (int i = 0; i < KR_NREASONS; i++)
    st->kills[i] = __atomic_load_n(&kills[i], __ATOMIC_RELAXED);
}

// Name what lies at va when no region holds it.
static const char *
classify_hole(struct aspace *as, vaddr_t va)
{
  if (as->nregion == 0 || va < as->region[0].start)
    return "below text";
  struct region *next = 0;
  for (int i = 0; i < as->nregion; i++)
    if (as->region[i].start > va) {
      next = &as->region[i];
      break;
    }
  if (next && next->kind == RK_STACK && va >= next->start - PGSIZE)
    return "stack guard";
  if (next == 0)
    return "above stack";
  if (va >= as->heap_start && next->kind == RK_STACK)
    return "above break";
  return "unmapped address";
}

static const char *
refusal(int access)
{
  if (access == ACC_WRITE)
    return "write to read-only";
  if (access == ACC_EXEC)
    return "exec of no-exec";
  return "read of no-read";
}

// A write to a COW (or zero-page) mapping of a writable region.
static int
break_cow(struct aspace *as, struct region *r, vaddr_t va, paddr_t pa, uint64 *counts)
{
  paddr_t npa;
  int kind;
  if (pa == frame_zero_page()) {
    if ((npa = frame_alloc_zeroed()) == 0)
      return FAULT_OOM;
    kind = FK_ZERO_FILL;
  } else if (frame_refcount(pa) == 1) {
    // Only our PTE holds it, and only we could create another reference.
    pmap_enter(&as->pmap, va, pa, r->prot);  // the table exists: cannot fail
    count(counts, FK_COW_REUSE);
    return FAULT_OK;
  } else {
    if ((npa = frame_alloc()) == 0)
      return FAULT_OOM;
    frame_copy(npa, pa);
    kind = FK_COW_COPY;
  }
  pmap_enter(&as->pmap, va, npa, r->prot);
  frame_unref(pa);
  count(counts, kind);
  return FAULT_OK;
}

// First touch of an anonymous page.
static int
fill_anon(struct aspace *as, struct region *r, vaddr_t va, int access, uint64 *counts)
{
  if (access == ACC_READ && (r->prot & PROT_WRITE)) {
    paddr_t zp = frame_zero_page();
    if (pmap_enter(&as->pmap, va, zp, (r->prot & ~PROT_WRITE) | PMAP_COW) < 0)
      return FAULT_OOM;
    frame_ref(zp);
    count(counts, FK_ZERO_PAGE);
    return FAULT_OK;
  }
  paddr_t pa = frame_alloc_zeroed();
  if (pa == 0)
    return FAULT_OOM;
  if (pmap_enter(&as->pmap, va, pa, r->prot) < 0) {
    frame_unref(pa);
    return FAULT_OOM;
  }
  count(counts, FK_ZERO_FILL);
  return FAULT_OK;
}

// *flush is set when a valid PTE changed (or may be stale in the TLB).
static int
resolve(struct aspace *as, vaddr_t va, int access, uint64 *counts, const char **why, int *flush)
{
  struct region *r = aspace_find(as, va);
  if (r == 0) {
    *why = classify_hole(as, va);
    return FAULT_SEGV;
  }
  if (!(r->prot & access)) {
    *why = refusal(access);
    return FAULT_SEGV;
  }
  paddr_t pa;
  int prot;
  int res;
  if (!pmap_query(&as->pmap, va, &pa, &prot)) {
    res = fill_anon(as, r, va, access, counts);
  } else if ((prot & access) && !(access == ACC_WRITE && (prot & PMAP_COW))) {
    // Mapped and allowed: another path got here first, or this hart's TLB
    // held the PTE's old (invalid) state. Flushing settles both.
    *flush = 1;
    return FAULT_OK;
  } else if (access == ACC_WRITE && (prot & PMAP_COW)) {
    // A leaf table shared since fork must become ours before the frame's
    // count can tell whether we are its sole owner.
    if (pmap_own(&as->pmap, va) < 0) {
      *why = "out of memory";
      return FAULT_OOM;
    }
    res = break_cow(as, r, va, pa, counts);
    *flush = 1;  // the old read-only translation may be cached
  } else {
    *why = refusal(access);
    return FAULT_SEGV;
  }
  if (res == FAULT_OOM)
    *why = "out of memory";
  return res;
}

int
vm_fault(struct aspace *as, vaddr_t va, int access, uint64 *counts, const char **why)
{
  const char *dummy;
  if (why == 0)
    why = &dummy;
  if (va >= MAXVA) {
    *why = (int64)va < 0 ? "kernel address" : "above MAXVA";
    return FAULT_SEGV;
  }
  va = PGROUNDDOWN(va);
  int flush = 0;
  acquiresleep(&as->lock);
  int res = resolve(as, va, access, counts, why, &flush);
  releasesleep(&as->lock);
  // invalid -> valid needs no fence here: a hart that cached the invalid
  // PTE faults once more, finds it mapped (above) and flushes then.
  if (res == FAULT_OK && flush)
    pmap_flush_page(va);
  return res;
}

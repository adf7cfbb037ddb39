// vm_fault(): the one place that decides what a user access means.
//
// | mapping now         | access | region                   | action                          |
// |---------------------|--------|--------------------------|---------------------------------|
// | -                   | any    | none / beyond MAXVA      | refuse: SEGV (reason named)     |
// | -                   | any    | prot lacks this access   | refuse: SEGV                    |
// | swap entry          | any    | private (anonymous, or a | read the slot into a fresh      |
// |                     |        |   file page written)     |   frame, map it with the        |
// |                     |        |                          |   region's prot, drop the slot  |
// |                     |        |                          |   (OOM: entry kept; read error: |
// |                     |        |                          |   BUS "swap read error")        |
// | not present         | read   | anonymous, writable      | map the shared zero page (COW)  |
// | not present         | any    | anonymous                | zero-fill a private frame       |
// | not present         | any    | file, page past filelen  | as anonymous (bss tail: zeros)  |
// | not present         | any    | file, page wholly past   | refuse: BUS "beyond end of file"|
// |                     |        |   end of file            |                                 |
// | not present         | any    | file, page straddling    | private frame: file bytes, then |
// |                     |        |   filelen                |   zeros                         |
// | not present         | read/  | file, private            | map the cache page read-only    |
// |                     | exec   |                          |   (+COW if writable); map cached|
// |                     |        |                          |   neighbours too (fault-around) |
// | not present         | write  | file, private            | copy the cache page             |
// | not present         | read   | file, shared             | map the cache page read-only    |
// | not present         | write  | file, shared             | mark dirty, map it writable     |
// | read-only           | write  | private, writable        | zero page -> fresh frame;       |
// |                     |        |                          | sole owner -> reuse; else copy  |
// | read-only           | write  | shared, writable         | make writable (same frame); a   |
// |                     |        |                          |   file page is marked dirty     |
// |                     |        |                          |   first (write-notify)          |
// | present, allows it  | any    | -                        | nothing (raced or spurious)     |
// A write that zero-fills the page just past what the previous fault of
// this address space mapped also maps zeroed pages ahead (fault-around, anon.c).
// Rows live in anon.c (anonymous, COW), filefault.c (file pages),
// swapfault.c (swap-in) and here (dispatch, shared write).
// One page-table walk per fault: pmap_slot finds va's PTE slot once.
// A write first makes a leaf table shared since fork private (pmap_own), so
// frame counts are exact when "sole owner" is decided.
// Callers: the trap handler (kills on refusal) and uaccess (returns -1).
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "vm/vm.h"
#include "vm/fault.h"
#include "lib/klib.h"

static uint64 faults[FK_NKINDS];   // atomic
static uint64 kills[KR_NREASONS];  // atomic

void
fault_count(struct fault *f, int kind)
{
  __atomic_fetch_add(&faults[kind], 1, __ATOMIC_RELAXED);
  if (f->counts)
    f->counts[kind]++;
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
  anon_stats(st);
}

// Name what lies at va when no region holds it.
static const char *
classify_hole_locked(struct aspace *as, vaddr_t va)
{
  if (as->nregion == 0 || va < as->region[0]->start)
    return "below text";
  int i = region_index_locked(as, va);  // the first region above va
  struct region *next = i < as->nregion ? as->region[i] : 0;
  if (next && next->kind == RK_STACK && va >= next->start - PGSIZE)
    return "stack guard";
  if (next == 0)
    return "above stack";
  if (va >= as->heap_start && va < as->heap_start + HEAP_ROOM && next->kind == RK_STACK)
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

// A write to a read-only page of a shared writable region: the frame is
// the one every sharer maps, so it only becomes writable.
static enum fault_result
shared_write_locked(struct fault *f)
{
  if (f->r->obj)
    file_dirty_locked(f);  // write-notify: the page now needs writing back
  if (pmap_slot_own(&f->as->pmap, &f->slot) < 0)
    return FAULT_OOM;
  pmap_slot_set(&f->as->pmap, &f->slot, f->pa, f->r->prot);
  f->flush = 1;
  return FAULT_OK;
}

static enum fault_result
resolve_locked(struct fault *f)
{
  struct region *r = region_find_locked(f->as, f->va);
  if (r == 0) {
    f->why = classify_hole_locked(f->as, f->va);
    return FAULT_SEGV;
  }
  if (!(r->prot & f->access)) {
    f->why = refusal(f->access);
    return FAULT_SEGV;
  }
  f->r = r;
  // The one page-table walk: every row below reads and writes this slot.
  if (pmap_slot(&f->as->pmap, f->va, &f->slot) < 0)
    return FAULT_OOM;
  f->present = pmap_slot_get(&f->as->pmap, &f->slot, &f->pa, &f->prot);
  swapslot_t slot;
  if (!f->present && pmap_slot_swap(&f->as->pmap, &f->slot, &slot))
    return swap_fill_locked(f, slot);  // on swap (anonymous, or a private file page written)
  if (!f->present)
    return f->r->obj ? file_fill_locked(f) : anon_fill_locked(f);
  if (f->prot & PMAP_OLD)
    anon_young_locked(f);  // mapped ahead, accessed now; on hardware that faults for A
  if ((f->prot & f->access) && !(f->access == ACC_WRITE && (f->prot & PMAP_COW))) {
    // Mapped and allowed: another path got here first, or this hart's TLB
    // held the PTE's old (invalid) state. Flushing settles both.
    f->flush = 1;
    return FAULT_OK;
  }
  if (f->access == ACC_WRITE && (r->flags & REG_SHARED))
    return shared_write_locked(f);
  if (f->access == ACC_WRITE)
    return anon_write_locked(f);
  // A PTE never lacks a read/exec right its region has (mprotect grants them).
  f->why = refusal(f->access);
  return FAULT_SEGV;
}

enum fault_result
vm_fault(struct aspace *as, vaddr_t va, int access, uint64 *counts, const char **why)
{
  const char *dummy;
  if (why == 0)
    why = &dummy;
  if (va >= MAXVA) {
    *why = (int64)va < 0 ? "kernel address" : "above MAXVA";
    return FAULT_SEGV;
  }
  // Reclaim happens here, with no lock held: below LOW before resolving;
  // after an out-of-memory verdict, reclaim (or kill the largest process)
  // and resolve again, a bounded number of times (reclaim.c).
  reclaim_if_low();
  struct fault f;
  enum fault_result res;
  for (int tries = 0;; tries++) {
    f = (struct fault){.as = as, .va = PGROUNDDOWN(va), .access = access, .counts = counts};
    acquiresleep(&as->lock);
    res = resolve_locked(&f);
    releasesleep(&as->lock);
    if (res != FAULT_OOM || !reclaim_oom(tries))
      break;
  }
  if (res == FAULT_OOM)
    f.why = "out of memory";
  *why = f.why;
  // invalid -> valid needs no fence here: a hart that cached the invalid
  // PTE faults once more, finds it mapped (above) and flushes then.
  if (res == FAULT_OK && f.flush)
    pmap_flush_page(f.va);
  return res;
}

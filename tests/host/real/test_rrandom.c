// A seeded random mix over the real pmap.c: up to four address spaces fork
// (mostly COW), write, read, move the break across 2 MiB spans, map, unmap,
// page out to the fake swap disk and exit, memory now and then nearly
// exhausted. A shadow byte per tracked
// page catches contents leaking between address spaces or lost; after every
// step the audit recomputes every table and frame count from scratch.
#include <stdlib.h>
#include "types.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "rpmap.h"

#define HMAX (3 * SPAN + P(64))  // the break stays below: two whole spans and change
#define MMZ (8 * SPAN)           // mmap zone [MMZ, MMZ + 2 SPAN)
#define MMZ_PAGES 1024
#define NDATA 2
#define NHEAP ((HMAX - HEAP_START) / PGSIZE)
#define NSTACK 4
#define NSLOT (NDATA + NHEAP + MMZ_PAGES + NSTACK)
#define NHOT 96
#define STEPS 3000

static uint64
slot_va(int i)
{
  if (i < NDATA)
    return DATA_START + P(i);
  i -= NDATA;
  if (i < (int)NHEAP)
    return HEAP_START + P(i);
  i -= NHEAP;
  if (i < MMZ_PAGES)
    return MMZ + P(i);
  i -= MMZ_PAGES;
  return STACK_END - P(1 + i);
}

static int hot[NHOT];  // slots written more often, so that writes collide

// What the run went through: checked at the end, so that a change of the
// mix that stops exercising shared tables fails loudly.
static struct {
  int shared_steps;  // steps after which some leaf table was shared
  int shared3;       // ... by three or more page tables
  int cut_fail;      // sbrk shrink / unmap refused for want of a table copy
  int pageouts;      // pages written to swap
  int swap_full;     // page-outs refused: no slot
  uint64 faults[FK_NKINDS];
} seen_;

// Sampled bytes of a page: writes fill whole pages, so three suffice.
static int
page_holds(const uint8 *p, uint8 b)
{
  return p[0] == b && p[2049] == b && p[PGSIZE - 1] == b;
}

// The bytes of the page at va: its frame, or its slot on the fake swap disk.
static uint8 *
page_or_slot(struct aspace *as, uint64 va)
{
  uint8 *p = page_at(as, va);
  struct pmap_slot s;
  swapslot_t slot;
  if (p == 0 && pmap_slot_find(&as->pmap, va, &s) == 0 && pmap_slot_swap(&as->pmap, &s, &slot)) {
    p = fakedisk_page(8 * (uint64)(slot - 1));
    CHECKF(p != 0, "page %#lx on swap slot %u, never written", va, slot);
  }
  return p;
}

static void
verify(int t, int k, int i)
{
  struct model *m = &models[k];
  uint8 *p = page_or_slot(m->as, slot_va(i));
  if (p == 0)
    CHECKF(m->page[i] == 0, "step %d as%d: page %#lx (%#x) unmapped", t, k, slot_va(i), m->page[i]);
  else
    CHECKF(page_holds(p, m->page[i]), "step %d as%d: page %#lx holds %#x, want %#x", t, k,
           slot_va(i), p[0], m->page[i]);
}

static int
empty_slot(void)
{
  for (int k = 0; k < NMODEL; k++)
    if (models[k].as == 0)
      return k;
  return -1;
}

// A break target: span boundaries, pages near them, or anywhere.
static uint64
brk_target(void)
{
  switch (rnd(4)) {
  case 0: return SPAN * (1 + rnd(3));
  case 1: return SPAN * (1 + rnd(3)) + P(rnd(5)) - P(2);
  case 2: return HEAP_START + rnd(HMAX - HEAP_START);
  default: return HEAP_START + P(rnd(NHEAP));
  }
}

// A range in the mmap zone: whole spans or pieces of them.
static void
zone_range(uint64 *s, uint64 *e)
{
  if (rnd(3) == 0) {
    *s = MMZ + SPAN * rnd(2);
    *e = *s + SPAN * (1 + rnd(2));
    if (*e > MMZ + 2 * SPAN)
      *e = MMZ + 2 * SPAN;
  } else {
    *s = MMZ + P(rnd(MMZ_PAGES));
    *e = *s + P(1 + rnd(600));
    if (*e > MMZ + 2 * SPAN)
      *e = MMZ + 2 * SPAN;
  }
}

static void
step(int t)
{
  int k = rnd(NMODEL);
  struct model *m = &models[k];
  if (m->as == 0) {
    int src = rnd(NMODEL);
    if (models[src].as && rnd(4))
      model_fork(k, src, rnd(5) == 0);
    else if (models_all_exited() && frames_free() > 8)
      model_restart(k);
    return;
  }
  struct aspace *as = m->as;
  int op = rnd(28);
  if (op < 9) {  // a user access
    int access = op < 3 ? ACC_WRITE : op < 8 ? ACC_READ : ACC_EXEC;
    int i = rnd(2) ? hot[rnd(NHOT)] : (int)rnd(NSLOT);
    // Reads mostly, writes often, of pages that hold data: reads leave
    // shared tables shared, writes meet COW.
    int held = access == ACC_READ || (access == ACC_WRITE && rnd(3));
    for (int tries = 0; held && m->page[i] == 0 && tries < 30; tries++)
      i = rnd(2) ? hot[rnd(NHOT)] : (int)rnd(NSLOT);
    uint64 va = slot_va(i) + rnd(PGSIZE);
    int r = vm_fault(as, va, access, seen_.faults, 0);
    if (r != FAULT_OK) {
      CHECKF(r != FAULT_OOM || frames_free() < 3, "step %d: OOM with %lu frames free", t,
             frames_free());
      if (page_at(as, va))
        verify(t, k, i);
      return;
    }
    verify(t, k, i);
    if (access == ACC_WRITE) {
      m->page[i] = 1 + rnd(255);
      memset(page_at(as, va), m->page[i], PGSIZE);
    }
  } else if (op < 12) {  // sbrk
    uint64 target = brk_target(), brk = as->brk;
    vaddr_t old;
    int eager = rnd(4) == 0;
    int r = aspace_sbrk(as, (int64)(target - brk), eager, &old);
    CHECK_EQ(old, brk);
    CHECK_EQ(as->brk, r == 0 ? target : brk);
    seen_.cut_fail += r < 0 && target < brk && frames_free() == 0;
    if (r == 0 && target < brk)
      model_forget(m, slot_va, PGROUNDUP(target), HMAX);
  } else if (op < 14) {  // map in the zone
    uint64 s, e;
    zone_range(&s, &e);
    aspace_map(as, s, e, rnd(4) ? RW : PROT_READ, RK_MMAP);
  } else if (op < 16) {  // unmap in the zone
    uint64 s, e;
    zone_range(&s, &e);
    if (aspace_unmap(as, s, e) == 0)
      model_forget(m, slot_va, s, e);
    else
      seen_.cut_fail += frames_free() == 0;
  } else if (op >= 22) {  // page out hot pages, or a run of pages (what is not eligible stays)
    int run = rnd(3) == 0, n = run ? 1 + rnd(40) : 1 + rnd(12);
    uint64 va = slot_va(rnd(NSLOT));
    acquiresleep(&as->lock);
    for (int j = 0; j < n; j++) {
      int r = vm_pageout_locked(as, run ? va + P(j) : slot_va(hot[rnd(NHOT)]));
      seen_.pageouts += r == 1;
      seen_.swap_full += r < 0;
    }
    releasesleep(&as->lock);
  } else if (op < 19) {  // fork
    int d = empty_slot();
    if (d >= 0)
      model_fork(d, k, rnd(5) == 0);
  } else {  // exit
    aspace_put(as);
    m->as = 0;
  }
}

static void
tally_sharing(void)
{
  int most = 1;
  for (int k = 0; k < NMODEL; k++) {
    if (models[k].as == 0)
      continue;
    for (uint64 va = 0; va < MMZ + 2 * SPAN; va += SPAN) {
      uint64 l = rp_leaf_pa(&models[k].as->pmap, va);
      if (l && frame_refcount(l) > most)
        most = frame_refcount(l);
    }
  }
  seen_.shared_steps += most > 1;
  seen_.shared3 += most > 2;
}

static void
run(uint64 seed)
{
  rnd_seed(seed);
  fakedisk_reset(8 * 48);  // few slots: swap fills up now and then
  swap_init();
  for (int i = 0; i < NHOT; i++)
    hot[i] = rnd(NSLOT);
  models_start(NSLOT);
  uint64 lost0 = unaccounted();
  for (int t = 0; t < STEPS; t++) {
    int squeeze = rnd(5) == 0;
    if (squeeze)
      pool_drain(MIN(rnd(3) ? rnd(6) : 0, frames_free()));
    step(t);
    if (squeeze)
      pool_release();
    models_audit(t, lost0);
    tally_sharing();
    if (t % 16 == 0)
      for (int k = 0; k < NMODEL; k++)
        if (models[k].as)
          for (int i = 0; i < NSLOT; i++)
            verify(t, k, i);
  }
  models_exit_all();
}

// RR_SEED=n runs that seed instead of the two fixed ones; RR_VERBOSE=1
// prints what the run went through.
void
test_real_random_ops(void)
{
  memset(&seen_, 0, sizeof(seen_));
  const char *seed = getenv("RR_SEED");
  if (seed) {
    run(strtoull(seed, 0, 0) | 1);
    run(strtoull(seed, 0, 0) * 0x9E3779B97F4A7C15UL | 1);
  } else {
    run(0x2545F4914F6CDD1DUL);
    vm_faultaround = 1;  // the second run with anonymous fault-around
    run(0x9E3779B97F4A7C15UL);
    vm_faultaround = 0;
  }
  if (getenv("RR_VERBOSE"))
    printf("shared steps %d, three-way %d, cut refused %d, COW copy %lu reuse %lu, page-outs %d "
           "(swap full %d), swap-ins %lu\n",
           seen_.shared_steps, seen_.shared3, seen_.cut_fail, seen_.faults[FK_COW_COPY],
           seen_.faults[FK_COW_REUSE], seen_.pageouts, seen_.swap_full, seen_.faults[FK_SWAP_IN]);
  if (seed)
    return;  // the coverage below is promised for the fixed seeds only
  CHECKF(seen_.shared_steps > STEPS / 5, "only %d steps with a shared table", seen_.shared_steps);
  CHECKF(seen_.shared3 > 10, "only %d steps with a table shared three ways", seen_.shared3);
  CHECKF(seen_.cut_fail > 0, "no shrink or unmap ran out of memory");
  CHECKF(seen_.faults[FK_COW_COPY] >= 20 && seen_.faults[FK_COW_REUSE] >= 5,
         "COW copies %lu, reuses %lu", seen_.faults[FK_COW_COPY], seen_.faults[FK_COW_REUSE]);
  CHECKF(seen_.pageouts >= 200 && seen_.faults[FK_SWAP_IN] >= 5 && seen_.swap_full > 0,
         "page-outs %d, swap-ins %lu, swap full %d", seen_.pageouts, seen_.faults[FK_SWAP_IN],
         seen_.swap_full);
}

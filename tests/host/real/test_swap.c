// Swap entries in the real Sv39 page tables: an invalid PTE naming a swap
// slot, holding one slot reference per leaf table exactly as a mapping
// holds a frame reference. Tests put pages on swap by hand here (no disk:
// what the slot holds is not looked at) and follow the references through
// fork's whole-table sharing, its per-PTE copies, the copy policy, the
// first write to a shared table, partial removes, sbrk shrink and exit in
// every order. The audit after each step recounts every slot's holders.
#include "types.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "rpmap.h"

#define MM (4 * SPAN)  // an RW mmap region of two whole spans

static void
release_frame(uint64 pa)
{
  frame_unref(pa);
}

// Page va out by hand: a fresh slot replaces the mapping, the frame goes.
static swapslot_t
out_by_hand(struct aspace *as, vaddr_t va)
{
  struct pmap *pm = &as->pmap;
  struct pmap_slot s;
  paddr_t pa;
  int prot;
  CHECK(pmap_slot_find(pm, va, &s) == 0);
  CHECK(pmap_slot_own(pm, &s) == 0);
  CHECK(pmap_slot_get(pm, &s, &pa, &prot));
  swapslot_t slot = swap_alloc();
  CHECK(slot != 0);
  pmap_slot_set_swap(pm, &s, slot);
  pmap_shootdown(pm);
  frame_unref(pa);
  return slot;
}

static swapslot_t
slot_at(struct aspace *as, vaddr_t va)
{
  struct pmap_slot s;
  swapslot_t slot = 0;
  if (pmap_slot_find(&as->pmap, va, &s) == 0)
    pmap_slot_swap(&as->pmap, &s, &slot);
  return slot;
}

void
test_swap_entry_verbs(void)
{
  harness_reset_swap();
  static struct pmap pm;
  CHECK(pmap_init(&pm) == 0);
  struct pmap_slot s;
  paddr_t a = frame_alloc_zeroed(), pa;
  int prot;
  uint32 used0 = swap_used();
  CHECK(pmap_enter(&pm, SPAN + P(3), a, RW) == 0);
  CHECK(pmap_enter(&pm, SPAN + P(4), frame_alloc_zeroed(), RW) == 0);
  CHECK(pmap_slot_find(&pm, SPAN + P(3), &s) == 0);
  swapslot_t slot = swap_alloc(), got = 0;
  CHECK(slot != 0);
  CHECK(!pmap_slot_swap(&pm, &s, &got));
  pmap_slot_set_swap(&pm, &s, slot);
  frame_unref(a);
  CHECK_EQ(pm.resident, 1);
  CHECK_EQ(pm.swapped, 1);
  CHECK(pmap_slot_swap(&pm, &s, &got) && got == slot);
  uint64 pte = rp_pte(&pm, SPAN + P(3));
  CHECK_EQ(pte & RP_V, 0);  // the hardware sees nothing mapped
  CHECK_EQ(pte & RP_SWAP, RP_SWAP);
  // a swap entry is not a mapping to anyone asking for one
  CHECK(!pmap_slot_get(&pm, &s, &pa, &prot));
  CHECK(!pmap_query(&pm, SPAN + P(3), &pa, &prot));
  CHECK_EQ(pmap_count(&pm, 0, MAXVA), 1);
  CHECK_EQ(pmap_count_young(&pm, 0, MAXVA), 1);
  CHECK(pmap_slot_young(&pm, &s) == 0);
  CHECK_EQ(rp_pte(&pm, SPAN + P(3)), pte);  // young leaves it alone
  CHECK(pmap_protect(&pm, SPAN, 2 * SPAN, PROT_READ, 0, 0) == 0);
  CHECK_EQ(rp_pte(&pm, SPAN + P(3)), pte);  // so does mprotect
  CHECK_EQ(swap_refcount(slot), 1);
  CHECK_EQ(swap_used(), used0 + 1);
  // clear hands the reference back
  pmap_slot_clear(&pm, &s);
  CHECK_EQ(pm.swapped, 0);
  CHECK_EQ(rp_pte(&pm, SPAN + P(3)), 0);
  CHECK_EQ(swap_refcount(slot), 1);
  // a swap entry over an empty PTE, then removed by a partial remove
  pmap_slot_set_swap(&pm, &s, slot);
  CHECK_EQ(pm.swapped, 1);
  CHECK_EQ(pm.resident, 1);
  check_frames();
  CHECK(pmap_remove(&pm, SPAN + P(3), SPAN + P(4), release_frame) == 0);
  CHECK_EQ(pm.swapped, 0);
  CHECK_EQ(swap_used(), used0);
  CHECK_EQ(pm.resident, 1);
  // destroy returns the slots of the entries left
  CHECK(pmap_slot_find(&pm, SPAN + P(9), &s) == 0);
  pmap_slot_set_swap(&pm, &s, swap_alloc());
  CHECK(pmap_slot(&pm, 9 * SPAN + P(511), &s) == 0);
  pmap_slot_set_swap(&pm, &s, swap_alloc());
  CHECK_EQ(swap_used(), used0 + 2);
  CHECK_EQ(pm.swapped, 2);
  check_frames();
  pmap_destroy(&pm, release_frame);
  CHECK_EQ(swap_used(), used0);
}

// A swap entry in a leaf table fork shares whole: the one reference covers
// both page tables; the first change copies the table and takes another.
void
test_swap_share_whole_table(void)
{
  harness_reset_swap();
  static struct pmap pm, child;
  CHECK(pmap_init(&pm) == 0 && pmap_init(&child) == 0);
  struct pmap_slot s;
  swapslot_t sl[3];
  for (int i = 0; i < 3; i++) {
    CHECK(pmap_slot(&pm, SPAN + P(100 * i), &s) == 0);
    sl[i] = swap_alloc();
    pmap_slot_set_swap(&pm, &s, sl[i]);
  }
  CHECK(pmap_enter(&pm, SPAN + P(7), frame_alloc_zeroed(), RW) == 0);
  CHECK(pmap_share(&child, &pm, SPAN, 2 * SPAN, 1, release_frame) == 0);  // never called: whole
  CHECK_EQ(rp_leaf_pa(&child, SPAN), rp_leaf_pa(&pm, SPAN));
  CHECK_EQ(child.swapped, 3);
  CHECK_EQ(child.resident, 1);
  for (int i = 0; i < 3; i++)
    CHECK_EQ(swap_refcount(sl[i]), 1);
  check_frames();
  // sharing the shared table again (a grandchild) uses the kept counts
  static struct pmap gc;
  CHECK(pmap_init(&gc) == 0);
  CHECK(pmap_share(&gc, &child, SPAN, 2 * SPAN, 1, release_frame) == 0);
  CHECK_EQ(gc.swapped, 3);
  CHECK_EQ(frame_refcount(rp_leaf_pa(&pm, SPAN)), 3);
  check_frames();
  // the child's first change: its own table, its own references
  CHECK(pmap_slot_find(&child, SPAN, &s) == 0);
  CHECK(pmap_slot_own(&child, &s) == 0);
  CHECK(rp_leaf_pa(&child, SPAN) != rp_leaf_pa(&pm, SPAN));
  for (int i = 0; i < 3; i++)
    CHECK_EQ(swap_refcount(sl[i]), 2);
  check_frames();
  pmap_destroy(&pm, release_frame);  // the table lives on in gc: nothing freed
  for (int i = 0; i < 3; i++)
    CHECK_EQ(swap_refcount(sl[i]), 2);
  check_frames();
  pmap_destroy(&child, release_frame);
  for (int i = 0; i < 3; i++)
    CHECK_EQ(swap_refcount(sl[i]), 1);
  check_frames();
  uint32 used = swap_used();
  pmap_destroy(&gc, release_frame);  // the last holder of the shared table
  CHECK_EQ(swap_used(), used - 3);
}

// A range that covers a leaf table in part is copied per PTE: one more
// slot reference per swap entry.
void
test_swap_share_partial(void)
{
  harness_reset_swap();
  static struct pmap pm, child;
  CHECK(pmap_init(&pm) == 0 && pmap_init(&child) == 0);
  struct pmap_slot s;
  CHECK(pmap_slot(&pm, SPAN + P(10), &s) == 0);
  swapslot_t a = swap_alloc(), b = swap_alloc();
  pmap_slot_set_swap(&pm, &s, a);
  CHECK(pmap_slot(&pm, SPAN + P(20), &s) == 0);
  pmap_slot_set_swap(&pm, &s, b);
  // only page 10 is inside the range
  CHECK(pmap_share(&child, &pm, SPAN + P(5), SPAN + P(15), 1, release_frame) == 0);
  CHECK(rp_leaf_pa(&child, SPAN) != rp_leaf_pa(&pm, SPAN));
  CHECK_EQ(child.swapped, 1);
  CHECK_EQ(child.resident, 0);
  CHECK_EQ(swap_refcount(a), 2);
  CHECK_EQ(swap_refcount(b), 1);
  check_frames();
  pmap_destroy(&pm, release_frame);
  CHECK_EQ(swap_refcount(a), 1);
  check_frames();
  pmap_destroy(&child, release_frame);
}

// Through the address space: a process with pages on swap forks (COW and
// the copy policy), and both sides unmap, shrink and exit.
static struct aspace *
swapper_new(swapslot_t *sl)
{
  struct aspace *as = as_process();
  CHECK(aspace_map(as, MM, MM + 2 * SPAN, RW, RK_MMAP) == 0);
  for (int i = 0; i < 8; i++)
    user_fill(as, MM + P(60 * i), 0x30 + i);  // span 0
  user_fill(as, MM + SPAN + P(5), 0x40);
  user_fill(as, DATA_START, 0xD0);  // the text/data/heap span: shared per PTE
  CHECK(aspace_sbrk(as, P(3), 0, &(vaddr_t){0}) == 0);
  user_fill(as, HEAP_START + P(1), 0x50);
  sl[0] = out_by_hand(as, MM + P(0));
  sl[1] = out_by_hand(as, MM + P(120));
  sl[2] = out_by_hand(as, MM + SPAN + P(5));
  sl[3] = out_by_hand(as, DATA_START);
  sl[4] = out_by_hand(as, HEAP_START + P(1));
  CHECK_EQ(as->pmap.swapped, 5);
  check_as(as);
  return as;
}

void
test_swap_fork_cow(void)
{
  harness_reset_swap();
  swapslot_t sl[5];
  struct aspace *as = swapper_new(sl);
  uint32 used0 = swap_used();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  check_as(as);
  check_as(c);
  CHECK_EQ(c->pmap.swapped, 5);
  CHECK_EQ(c->pmap.resident, as->pmap.resident);
  CHECK_EQ(swap_used(), used0);       // no new slot: references only
  CHECK_EQ(swap_refcount(sl[0]), 1);  // in a shared table
  CHECK_EQ(swap_refcount(sl[2]), 1);
  CHECK_EQ(swap_refcount(sl[3]), 2);  // data: per PTE
  CHECK_EQ(swap_refcount(sl[4]), 2);  // heap: per PTE
  CHECK_EQ(slot_at(c, MM + P(120)), sl[1]);
  // the child writes a resident page of span 0: its table is copied
  CHECK_EQ(vm_fault(c, MM + P(60), ACC_WRITE, 0, 0), FAULT_OK);
  CHECK_EQ(swap_refcount(sl[0]), 2);
  CHECK_EQ(swap_refcount(sl[1]), 2);
  CHECK_EQ(swap_refcount(sl[2]), 1);  // span 1 still shared
  check_as(c);
  // munmap part of span 1 in the parent (its table is shared: copied at the edge)
  CHECK(aspace_unmap(as, MM + SPAN, MM + SPAN + P(10)) == 0);
  CHECK_EQ(swap_refcount(sl[2]), 1);  // the child's (formerly shared) table holds it
  CHECK_EQ(slot_at(c, MM + SPAN + P(5)), sl[2]);
  CHECK_EQ(as->pmap.swapped, 4);
  check_as(as);
  // sbrk shrink in the child frees its heap entry's reference
  CHECK(aspace_sbrk(c, -P(3), 0, &(vaddr_t){0}) == 0);
  CHECK_EQ(swap_refcount(sl[4]), 1);
  CHECK_EQ(c->pmap.swapped, 4);
  check_as(c);
  aspace_put(as);
  CHECK_EQ(swap_refcount(sl[0]), 1);
  CHECK_EQ(swap_refcount(sl[3]), 1);
  check_frames();
  aspace_put(c);
  CHECK_EQ(swap_used(), used0 - 5);
}

void
test_swap_fork_copy(void)
{
  harness_reset_swap();
  swapslot_t sl[5];
  struct aspace *as = swapper_new(sl);
  uint32 used0 = swap_used();
  struct aspace *c = aspace_clone(as, 1);
  CHECK(c != 0);
  check_as(c);
  CHECK_EQ(c->pmap.swapped, 5);
  CHECK_EQ(swap_used(), used0);
  for (int i = 0; i < 5; i++)
    CHECK_EQ(swap_refcount(sl[i]), 2);  // the copy's own tables
  CHECK_EQ(slot_at(c, HEAP_START + P(1)), sl[4]);
  CHECK(page_is(page_at(c, MM + P(60)), 0x31));  // resident pages copied
  CHECK(pa_of(c, MM + P(60)) != pa_of(as, MM + P(60)));
  aspace_put(c);
  for (int i = 0; i < 5; i++)
    CHECK_EQ(swap_refcount(sl[i]), 1);
  check_frames();
  aspace_put(as);
  CHECK_EQ(swap_used(), used0 - 5);
}

// Out of memory while a fork copies swap entries: nothing leaks.
void
test_swap_fork_oom_sweep(void)
{
  harness_reset_swap();
  swapslot_t sl[5];
  struct aspace *as = swapper_new(sl);
  uint32 used0 = swap_used();
  for (int copy = 0; copy <= 1; copy++) {
    int ok = 0;
    for (uint64 leave = 0; !ok && leave < 40; leave++) {
      pool_drain(leave);
      struct aspace *c = aspace_clone(as, copy);
      pool_release();
      if (c) {
        ok = 1;
        aspace_put(c);
      }
      CHECK_EQ(swap_used(), used0);
      for (int i = 0; i < 5; i++)
        CHECK_EQ(swap_refcount(sl[i]), 1);
      check_frames();
    }
    CHECK(ok);
  }
  aspace_put(as);
}

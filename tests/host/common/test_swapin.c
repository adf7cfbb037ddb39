// Tests of swapfault.c (page-out, the swap-in fault row, madvise) over the
// fake swap disk, linked into both binaries: over the fake pmap (vmtest)
// and over the real Sv39 pmap.c with shared leaf tables (pmaptest). Every
// page's bytes are checked after each trip; the audits after every step
// recount each slot's holders.
#include "types.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"

#define MMAP_AT 0x40000000UL  // an RW anonymous mapping of two whole 2 MiB spans
#define MSPAN (1UL << 21)

// A fresh fake swap disk of n slots, the slot table sized from it.
static void
swap_fresh(uint32 n)
{
  fakedisk_reset(8 * (uint64)n);
  swap_init();
  CHECK_EQ(swap_nslots(), n);
}

static int
pageout(struct aspace *as, vaddr_t va)
{
  acquiresleep(&as->lock);
  int r = vm_pageout_locked(as, va);
  releasesleep(&as->lock);
  return r;
}

static swapslot_t
slot_of(struct aspace *as, vaddr_t va)
{
  struct pmap_slot s;
  swapslot_t slot = 0;
  if (pmap_slot_find(&as->pmap, va, &s) == 0)
    pmap_slot_swap(&as->pmap, &s, &slot);
  return slot;
}

static struct aspace *
mapped_process(void)
{
  struct aspace *as = as_process();
  CHECK(aspace_map(as, MMAP_AT, MMAP_AT + 2 * MSPAN, RW, RK_MMAP) == 0);
  return as;
}

void
test_swapin_roundtrip(void)
{
  swap_fresh(64);
  struct aspace *as = mapped_process();
  for (int i = 0; i < 10; i++)
    user_fill(as, MMAP_AT + P(3 * i), 0x60 + i);
  uint64 free0 = frames_free(), res0 = as->pmap.resident;
  for (int i = 0; i < 10; i++)
    CHECK_EQ(pageout(as, MMAP_AT + P(3 * i)), 1);
  check_as(as);
  CHECK_EQ(frames_free(), free0 + 10);
  CHECK_EQ(swap_used(), 10);
  CHECK_EQ(as->pmap.swapped, 10);
  CHECK_EQ(as->pmap.resident, res0 - 10);
  CHECK(!mapping(as, MMAP_AT, 0, 0));
  CHECK_EQ(pageout(as, MMAP_AT), 0);  // on swap already: nothing to do
  struct procstat ps;
  aspace_stat(as, &ps);
  CHECK_EQ(ps.swapped, 10);
  // each slot holds the page's bytes (swap_write wrote every one)
  for (int i = 0; i < 10; i++) {
    uint8 *d = fakedisk_page(8 * (uint64)(slot_of(as, MMAP_AT + P(3 * i)) - 1));
    CHECK(d != 0 && page_is(d, 0x60 + i));
  }
  uint64 counts[FK_NKINDS] = {0};
  for (int i = 0; i < 10; i++) {
    enum fault_result r =
        vm_fault(as, MMAP_AT + P(3 * i) + 77, i % 2 ? ACC_WRITE : ACC_READ, counts, 0);
    CHECK_EQ(r, FAULT_OK);
    CHECK(page_is(page_at(as, MMAP_AT + P(3 * i)), 0x60 + i));
    CHECK_EQ(prot_of(as, MMAP_AT + P(3 * i)), RW);  // the region's prot, even after a read
    check_as(as);
  }
  CHECK_EQ(counts[FK_SWAP_IN], 10);
  CHECK_EQ(counts[FK_ZERO_FILL] + counts[FK_ZERO_PAGE], 0);
  CHECK_EQ(swap_used(), 0);
  CHECK_EQ(as->pmap.swapped, 0);
  CHECK_EQ(frames_free(), free0);
  aspace_put(as);
}

// What is not ours alone stays: nothing mapped, the zero page, a frame a
// fork shares, a shared region's page; a leaf table fork shares (real pmap).
void
test_swapin_not_eligible(void)
{
  swap_fresh(64);
  struct aspace *as = mapped_process();
  CHECK_EQ(pageout(as, MMAP_AT), 0);  // nothing mapped
  CHECK_EQ(vm_fault(as, MMAP_AT + P(1), ACC_READ, 0, 0), FAULT_OK);
  CHECK_EQ(pa_of(as, MMAP_AT + P(1)), frame_zero_page());
  CHECK_EQ(pageout(as, MMAP_AT + P(1)), 0);  // the zero page
  CHECK_EQ(pageout(as, TEXT_START), 0);      // nothing mapped in text
  CHECK_EQ(pageout(as, 0x7000000UL), 0);     // no region
  CHECK(aspace_map_obj(as, 0x50000000UL, 0x50000000UL + P(4), RW, RK_MMAP, REG_SHARED, 0, 0, 0) ==
        0);
  user_fill(as, 0x50000000UL, 0x22);
  CHECK_EQ(pageout(as, 0x50000000UL), 0);  // a shared region
  user_fill(as, MMAP_AT + P(2), 0x33);
  user_fill(as, DATA_START, 0x44);
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  CHECK_EQ(pageout(as, DATA_START), 0);  // frame shared with the child (per-PTE copy)
  CHECK_EQ(pageout(c, DATA_START), 0);
  CHECK_EQ(pageout(as, MMAP_AT + P(2)), 0);  // shared table (real) or frame (fake)
  CHECK_EQ(swap_used(), 0);
  // the child's COW break makes its copy private: that one may go
  user_fill(c, DATA_START, 0x45);
  CHECK_EQ(pageout(c, DATA_START), 1);
  CHECK_EQ(pageout(as, DATA_START), 1);  // and the parent's frame is its own again
  check_as(as);
  check_as(c);
  CHECK_EQ(vm_fault(c, DATA_START, ACC_READ, 0, 0), FAULT_OK);
  CHECK(page_is(page_at(c, DATA_START), 0x45));
  aspace_put(c);
  CHECK_EQ(vm_fault(as, DATA_START, ACC_READ, 0, 0), FAULT_OK);
  CHECK(page_is(page_at(as, DATA_START), 0x44));
  CHECK(page_is(page_at(as, MMAP_AT + P(2)), 0x33));
  aspace_put(as);
}

// No frame for the swap-in: FAULT_OOM, the entry and its slot stay; with
// memory back the same fault succeeds with the right bytes.
void
test_swapin_oom_keeps_entry(void)
{
  swap_fresh(16);
  struct aspace *as = mapped_process();
  user_fill(as, MMAP_AT + P(9), 0x71);
  CHECK_EQ(pageout(as, MMAP_AT + P(9)), 1);
  swapslot_t slot = slot_of(as, MMAP_AT + P(9));
  CHECK(slot != 0);
  pool_drain(0);
  CHECK_EQ(vm_fault(as, MMAP_AT + P(9), ACC_READ, 0, 0), FAULT_OOM);
  CHECK_EQ(slot_of(as, MMAP_AT + P(9)), slot);
  CHECK_EQ(swap_refcount(slot), 1);
  CHECK_EQ(as->pmap.swapped, 1);
  pool_release();
  check_as(as);
  CHECK_EQ(vm_fault(as, MMAP_AT + P(9), ACC_WRITE, 0, 0), FAULT_OK);
  CHECK(page_is(page_at(as, MMAP_AT + P(9)), 0x71));
  CHECK_EQ(swap_used(), 0);
  aspace_put(as);
}

// A read error kills the access with a reason and keeps the entry; a
// write error (or no slot) leaves the page mapped as it was.
void
test_swapin_io_errors(void)
{
  swap_fresh(2);
  struct aspace *as = mapped_process();
  for (int i = 0; i < 3; i++)
    user_fill(as, MMAP_AT + P(i), 0x80 + i);
  CHECK_EQ(pageout(as, MMAP_AT), 1);
  const char *why = 0;
  fakedisk_fail(1);
  CHECK_EQ(vm_fault(as, MMAP_AT + 8, ACC_READ, 0, &why), FAULT_BUS);
  CHECK_STR(why, "swap read error");
  CHECK(slot_of(as, MMAP_AT) != 0);
  check_as(as);
  // write error: PTE restored, slot given back, bytes intact
  paddr_t pa1 = pa_of(as, MMAP_AT + P(1));
  fakedisk_fail(1);
  CHECK_EQ(pageout(as, MMAP_AT + P(1)), -1);
  CHECK_EQ(pa_of(as, MMAP_AT + P(1)), pa1);
  CHECK_EQ(prot_of(as, MMAP_AT + P(1)), RW);
  CHECK_EQ(swap_used(), 1);
  check_as(as);
  // swap full: -1, nothing changed
  CHECK_EQ(pageout(as, MMAP_AT + P(1)), 1);
  CHECK_EQ(swap_used(), 2);
  paddr_t pa2 = pa_of(as, MMAP_AT + P(2));
  CHECK_EQ(pageout(as, MMAP_AT + P(2)), -1);
  CHECK_EQ(pa_of(as, MMAP_AT + P(2)), pa2);
  check_as(as);
  for (int i = 0; i < 3; i++) {
    CHECK_EQ(vm_fault(as, MMAP_AT + P(i), ACC_READ, 0, 0), FAULT_OK);
    CHECK(page_is(page_at(as, MMAP_AT + P(i)), 0x80 + i));
  }
  CHECK_EQ(swap_used(), 0);
  aspace_put(as);
}

// A copyin/copyout between its PTE lookup and its copy: the page-out puts
// the PTE back and reports "not eligible".
void
test_swapin_uaccess_backs_off(void)
{
  swap_fresh(8);
  struct aspace *as = mapped_process();
  user_fill(as, MMAP_AT, 0x91);
  paddr_t pa = pa_of(as, MMAP_AT);
  __atomic_add_fetch(&as->uaccess, 1, __ATOMIC_SEQ_CST);
  CHECK_EQ(pageout(as, MMAP_AT), 0);
  __atomic_sub_fetch(&as->uaccess, 1, __ATOMIC_SEQ_CST);
  CHECK_EQ(pa_of(as, MMAP_AT), pa);
  CHECK(page_is(P2V(pa), 0x91));
  CHECK_EQ(swap_used(), 0);
  CHECK_EQ(pageout(as, MMAP_AT), 1);
  aspace_put(as);
}

// Pages on swap go with munmap, sbrk shrink and the end of the address
// space, and fork shares them (both fork policies): each side reads its
// own bytes back.
void
test_swapin_fork_unmap_exit(void)
{
  swap_fresh(128);
  for (int copy = 0; copy <= 1; copy++) {
    struct aspace *as = mapped_process();
    CHECK(aspace_sbrk(as, P(4), 0, &(vaddr_t){0}) == 0);
    user_fill(as, HEAP_START + P(2), 0xA2);
    for (int i = 0; i < 20; i++)
      user_fill(as, MMAP_AT + P(50 * i), 0xB0 + i);  // both spans
    CHECK_EQ(pageout(as, HEAP_START + P(2)), 1);
    for (int i = 0; i < 20; i++)
      CHECK_EQ(pageout(as, MMAP_AT + P(50 * i)), 1);
    CHECK_EQ(swap_used(), 21);
    struct aspace *c = aspace_clone(as, copy);
    CHECK(c != 0);
    check_as(as);
    check_as(c);
    CHECK_EQ(swap_used(), 21);  // shared slots, none new
    CHECK_EQ(c->pmap.swapped, 21);
    // the child reads half back and rewrites them
    for (int i = 0; i < 10; i++) {
      CHECK_EQ(vm_fault(c, MMAP_AT + P(50 * i), ACC_WRITE, 0, 0), FAULT_OK);
      CHECK(page_is(page_at(c, MMAP_AT + P(50 * i)), 0xB0 + i));
      memset(page_at(c, MMAP_AT + P(50 * i)), 0xC0 + i, PGSIZE);
    }
    CHECK_EQ(swap_used(), 21);  // the parent still holds every slot
    check_as(c);
    // the parent unmaps a range holding three entries, shrinks the heap
    CHECK(aspace_unmap(as, MMAP_AT + P(100), MMAP_AT + P(201)) == 0);
    CHECK(aspace_sbrk(as, -P(4), 0, &(vaddr_t){0}) == 0);
    check_as(as);
    CHECK_EQ(as->pmap.swapped, 17);
    // the child's view is unchanged
    CHECK_EQ(vm_fault(c, MMAP_AT + P(150), ACC_READ, 0, 0), FAULT_OK);
    CHECK(page_is(page_at(c, MMAP_AT + P(150)), 0xC3));  // the child rewrote it
    CHECK_EQ(vm_fault(c, HEAP_START + P(2), ACC_READ, 0, 0), FAULT_OK);
    CHECK(page_is(page_at(c, HEAP_START + P(2)), 0xA2));
    for (int i = 0; i < 20; i++) {
      if (i >= 2 && i <= 4)
        continue;  // unmapped in the parent
      CHECK_EQ(vm_fault(as, MMAP_AT + P(50 * i), ACC_READ, 0, 0), FAULT_OK);
      CHECK(page_is(page_at(as, MMAP_AT + P(50 * i)), 0xB0 + i));
    }
    check_as(as);
    aspace_put(as);
    check_frames();
    aspace_put(c);  // the child's remaining entries
    CHECK_EQ(swap_used(), 0);
  }
}

// madvise: bad ranges and advice refused with nothing changed; a range
// over several regions pages out what is eligible and counts it.
void
test_swapin_madvise(void)
{
  swap_fresh(64);
  struct aspace *as = mapped_process();
  for (int i = 0; i < 6; i++)
    user_fill(as, MMAP_AT + P(i), 0xD0 + i);
  CHECK_EQ(vm_fault(as, MMAP_AT + P(6), ACC_READ, 0, 0), FAULT_OK);  // zero page
  CHECK_EQ(aspace_madvise(as, MMAP_AT + 1, P(6), MADV_PAGEOUT), -1);
  CHECK_EQ(aspace_madvise(as, MMAP_AT, 0, MADV_PAGEOUT), -1);
  CHECK_EQ(aspace_madvise(as, MMAP_AT, P(6), 0), -1);
  CHECK_EQ(aspace_madvise(as, MMAP_AT, P(6), MADV_PAGEOUT + 1), -1);
  CHECK_EQ(aspace_madvise(as, MAXVA, P(1), MADV_PAGEOUT), -1);
  CHECK_EQ(aspace_madvise(as, MAXVA - P(1), P(2), MADV_PAGEOUT), -1);
  CHECK_EQ(aspace_madvise(as, MMAP_AT, ~0UL, MADV_PAGEOUT), -1);
  CHECK_EQ(aspace_madvise(as, MMAP_AT - P(1), P(3), MADV_PAGEOUT), -1);  // starts in a hole
  CHECK_EQ(aspace_madvise(as, MMAP_AT + 2 * MSPAN - P(1), P(2), MADV_PAGEOUT), -1);  // runs out
  CHECK_EQ(swap_used(), 0);
  CHECK_EQ(as->pmap.swapped, 0);
  CHECK_EQ(aspace_madvise(as, MMAP_AT, P(8) - 100, MADV_PAGEOUT), 6);  // len rounded up
  CHECK_EQ(swap_used(), 6);
  CHECK_EQ(pa_of(as, MMAP_AT + P(6)), frame_zero_page());
  for (int i = 0; i < 6; i++) {
    CHECK_EQ(vm_fault(as, MMAP_AT + P(i), ACC_READ, 0, 0), FAULT_OK);
    CHECK(page_is(page_at(as, MMAP_AT + P(i)), 0xD0 + i));
  }
  CHECK_EQ(swap_used(), 0);
  check_as(as);
  // every eligible page of the address space (VMCTL_PAGEOUT_PID)
  user_fill(as, DATA_START, 0xDD);
  CHECK_EQ(aspace_pageout_all(as), 7);  // six mmap pages and the data page; not the zero page
  CHECK_EQ(swap_used(), 7);
  check_as(as);
  CHECK_EQ(aspace_pageout_all(as), 0);
  for (int i = 0; i < 6; i++) {
    CHECK_EQ(vm_fault(as, MMAP_AT + P(i), ACC_READ, 0, 0), FAULT_OK);
    CHECK(page_is(page_at(as, MMAP_AT + P(i)), 0xD0 + i));
  }
  CHECK_EQ(vm_fault(as, DATA_START, ACC_READ, 0, 0), FAULT_OK);
  CHECK(page_is(page_at(as, DATA_START), 0xDD));
  CHECK_EQ(swap_used(), 0);
  // no swap disk: refused, nothing changed
  swap_fresh(0);
  CHECK_EQ(aspace_pageout_all(as), -1);
  uint64 res = as->pmap.resident;
  CHECK_EQ(aspace_madvise(as, MMAP_AT, P(6), MADV_PAGEOUT), -1);
  CHECK_EQ(as->pmap.resident, res);
  aspace_put(as);
}

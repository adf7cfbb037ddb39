// Tests of region backing and the rules that go with it: object references
// through map, split, partial unmap, clone and teardown (audited exactly by
// check_as); write implies read; shared regions stay shared at fork; sbrk
// only moves a heap region; the gap search.
#include "types.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "fakepmap.h"

#define OBJ_START P(100)

void
test_backing_refs_map_split_unmap(void)
{
  struct aspace *as = as_process();
  struct vmobj *o = fakeobj_new();
  CHECK(aspace_map_obj(as, OBJ_START, OBJ_START + P(8), PROT_READ, RK_MMAP, 0, o, P(4), P(6)) == 0);
  CHECK_EQ(fakeobj_refs(o), 2);
  check_as(as);
  // Refused maps take no reference.
  CHECK(aspace_map_obj(as, OBJ_START + P(2), OBJ_START + P(3), PROT_READ, RK_MMAP, 0, o, 0, 0) < 0);
  CHECK(aspace_map_obj(as, P(200), P(201), PROT_READ, RK_MMAP, 0, o, 5, 0) < 0);  // unaligned off
  CHECK_EQ(fakeobj_refs(o), 2);
  // Middle unmap: two regions, two references, offsets follow the pages.
  CHECK(aspace_unmap(as, OBJ_START + P(2), OBJ_START + P(3)) == 0);
  CHECK_EQ(fakeobj_refs(o), 3);
  struct region *hi = find_region(as, OBJ_START + P(3));
  CHECK(hi && hi->obj == o);
  CHECK_EQ(hi->off, P(4) + P(3));
  CHECK_EQ(hi->filelen, P(3));
  struct region *lo = find_region(as, OBJ_START);
  CHECK_EQ(lo->off, P(4));
  CHECK_EQ(lo->end, OBJ_START + P(2));
  check_as(as);
  // Head trim keeps the reference and moves the offset; past filelen it is 0.
  CHECK(aspace_unmap(as, OBJ_START + P(3), OBJ_START + P(7)) == 0);
  hi = find_region(as, OBJ_START + P(7));
  CHECK_EQ(hi->off, P(4) + P(7));
  CHECK_EQ(hi->filelen, 0);
  CHECK_EQ(fakeobj_refs(o), 3);
  // Across both: all gone.
  CHECK(aspace_unmap(as, OBJ_START, OBJ_START + P(8)) == 0);
  CHECK_EQ(fakeobj_refs(o), 1);
  check_as(as);
  fakeobj_release(o);
  aspace_put(as);
}

void
test_backing_refs_clone_and_teardown(void)
{
  struct aspace *as = as_process();
  struct vmobj *o = fakeobj_file(P(8)), *o2 = fakeobj_new();
  CHECK(aspace_map_obj(as, OBJ_START, OBJ_START + P(4), RW, RK_MMAP, REG_SHARED, o, 0, ~0UL) == 0);
  CHECK(aspace_map_obj(as, P(200), P(202), PROT_READ, RK_MMAP, 0, o2, 0, P(1)) == 0);
  CHECK(aspace_map_obj(as, P(300), P(302), PROT_READ, RK_MMAP, 0, o2, P(2), P(1)) == 0);
  CHECK_EQ(fakeobj_refs(o2), 3);
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  check_as(c);
  CHECK_EQ(fakeobj_refs(o), 3);
  CHECK_EQ(fakeobj_refs(o2), 5);
  struct aspace *c2 = aspace_clone(c, 1);  // a copying fork takes them too
  CHECK(c2 != 0);
  CHECK_EQ(fakeobj_refs(o), 4);
  aspace_put(c);
  CHECK_EQ(fakeobj_refs(o), 3);
  CHECK_EQ(fakeobj_refs(o2), 5);
  aspace_put(as);
  aspace_put(c2);
  CHECK_EQ(fakeobj_refs(o), 1);
  CHECK_EQ(fakeobj_refs(o2), 1);
  // Out of memory part-way through a clone drops what the child took.
  as = as_process();
  CHECK(aspace_map_obj(as, OBJ_START, OBJ_START + P(4), RW, RK_MMAP, 0, o, 0, ~0UL) == 0);
  user_fill(as, OBJ_START, 3);
  uint64 free0 = frames_free();
  for (uint64 leave = 0; leave < 6; leave++) {
    pool_drain(leave);
    c = aspace_clone(as, 1);
    pool_release();
    if (c)
      aspace_put(c);
    CHECK_EQ(fakeobj_refs(o), 2);
    CHECK_EQ(frames_free(), free0);
  }
  aspace_put(as);
  fakeobj_release(o);
  fakeobj_release(o2);
}

// Sv39 reserves W without R: a write-only region must work (it used to
// loop forever on the fault) and reads of it are allowed.
void
test_backing_write_implies_read(void)
{
  struct aspace *as = as_process();
  CHECK(aspace_map(as, P(100), P(102), PROT_WRITE, RK_MMAP) == 0);
  struct region *r = find_region(as, P(100));
  CHECK_EQ(r->prot, RW);
  user_fill(as, P(100), 0x5A);
  CHECK(prot_of(as, P(100)) & PROT_READ);
  uint64 counts[FK_NKINDS] = {0};
  CHECK_EQ(vm_fault(as, P(101), ACC_READ, counts, 0), FAULT_OK);
  CHECK_EQ(counts[FK_ZERO_PAGE], 1);
  check_as(as);
  aspace_put(as);
}

// Shared regions keep writable PTEs at fork: both see the same frame.
void
test_backing_shared_stays_shared(void)
{
  struct aspace *as = as_process();
  CHECK(aspace_map_obj(as, P(100), P(102), RW, RK_MMAP, REG_SHARED, 0, 0, 0) == 0);
  user_fill(as, P(100), 0x11);
  user_fill(as, DATA_START, 0x22);
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  CHECK_EQ(pa_of(c, P(100)), pa_of(as, P(100)));
  CHECK_EQ(prot_of(c, P(100)), RW);
  CHECK_EQ(prot_of(as, P(100)), RW);
  CHECK_EQ(prot_of(as, DATA_START), COW_RO);  // private: COW as before
  page_at(c, P(100))[7] = 0x99;
  CHECK_EQ(page_at(as, P(100))[7], 0x99);
  struct aspace *c2 = aspace_clone(as, 1);  // copying fork: shared stays shared
  CHECK(c2 != 0);
  CHECK_EQ(pa_of(c2, P(100)), pa_of(as, P(100)));
  CHECK(pa_of(c2, DATA_START) != pa_of(as, DATA_START));
  check_as(c);
  check_as(c2);
  aspace_put(c);
  aspace_put(c2);
  aspace_put(as);
}

// sbrk moves a heap region only: a region of another kind at heap_start
// (a fixed mapping) blocks it.
void
test_backing_sbrk_needs_heap_kind(void)
{
  struct aspace *as = as_process();
  CHECK(aspace_map(as, HEAP_START, HEAP_START + P(1), RW, RK_MMAP) == 0);
  vaddr_t old;
  struct as_snap s;
  as_snap_take(as, &s);
  CHECK(aspace_sbrk(as, P(1), 0, &old) < 0);
  CHECK(aspace_sbrk(as, 10, 1, &old) < 0);
  as_snap_same(as, &s);
  CHECK(aspace_unmap(as, HEAP_START, HEAP_START + P(1)) == 0);
  CHECK(aspace_sbrk(as, P(1), 0, &old) == 0);
  check_as(as);
  aspace_put(as);
}

static vaddr_t
gap(struct aspace *as, uint64 len, vaddr_t lo, vaddr_t hi)
{
  vaddr_t va = 0;
  acquiresleep(&as->lock);
  int r = region_gap_locked(as, len, lo, hi, &va);
  releasesleep(&as->lock);
  return r < 0 ? 0 : va;
}

void
test_backing_gap_search(void)
{
  struct aspace *as = as_process();  // text, data, stack
  // Highest fit below the stack keeps its guard page.
  CHECK_EQ(gap(as, P(2), P(10), MAXVA), STACK_START - PGSIZE - P(2));
  CHECK(aspace_map(as, P(20), P(22), RW, RK_MMAP) == 0);
  CHECK(aspace_map(as, P(24), P(30), RW, RK_MMAP) == 0);
  CHECK_EQ(gap(as, P(2), P(10), P(30)), P(22));
  CHECK_EQ(gap(as, P(3), P(10), P(30)), P(17));
  CHECK_EQ(gap(as, P(3), P(18), P(30)), 0);  // [P(18), P(20)) too small, [P(22), P(24)) too
  CHECK_EQ(gap(as, P(2), P(22), P(24)), P(22));
  CHECK_EQ(gap(as, P(1), P(21), P(22)), 0);  // inside a region
  CHECK_EQ(gap(as, 0, P(10), P(30)), 0);
  CHECK_EQ(gap(as, P(40), P(10), P(30)), 0);
  aspace_put(as);
}

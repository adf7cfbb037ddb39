// Tests of frame refcounting and of the region table: map, overlap
// refusal, unmap with splitting (middle, head, tail, across regions), the
// full table, and aspace_check itself.
#include "types.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "fakepmap.h"

static struct aspace *
as_empty(void)
{
  struct aspace *as = aspace_create();
  CHECK(as != 0);
  check_as(as);
  return as;
}

static void
expect_region(struct aspace *as, int i, uint64 start, uint64 end, int prot, int kind)
{
  CHECKF(i < as->nregion, "region %d missing (nregion %d)", i, as->nregion);
  struct region *r = as->region[i];
  CHECKF(r->start == start && r->end == end && r->prot == prot && r->kind == kind,
         "region %d is [%#lx, %#lx) prot %d kind %d, expected [%#lx, %#lx) prot %d kind %d", i,
         r->start, r->end, r->prot, r->kind, start, end, prot, kind);
}

// Touch every page of [start, end) by writing b+page index.
static void
fill_range(struct aspace *as, uint64 start, uint64 end, uint8 b)
{
  for (uint64 va = start; va < end; va += PGSIZE)
    user_fill(as, va, b + (va - start) / PGSIZE);
}

void
test_frame_refcount_and_shared(void)
{
  struct vmstat st0 = vmstat_now();
  paddr_t pa = frame_alloc();
  CHECK(pa != 0);
  CHECK_EQ(frame_refcount(pa), 1);
  CHECK_EQ(frames_free(), st0.frames_free - 1);
  frame_ref(pa);
  CHECK_EQ(frame_refcount(pa), 2);
  CHECK_EQ(vmstat_now().frames_shared, st0.frames_shared + 1);
  frame_ref(pa);
  CHECK_EQ(vmstat_now().frames_shared, st0.frames_shared + 2);  // two copies avoided
  frame_unref(pa);
  frame_unref(pa);
  CHECK_EQ(vmstat_now().frames_shared, st0.frames_shared);
  frame_unref(pa);
  CHECK_EQ(frames_free(), st0.frames_free);
  paddr_t z = frame_zero_page();
  frame_ref(z);
  CHECK_EQ(vmstat_now().zero_page_maps, st0.zero_page_maps + 1);
  CHECK_EQ(vmstat_now().frames_shared, st0.frames_shared);  // zero page never "shared"
  frame_unref(z);
  CHECK_EQ(vmstat_now().zero_page_maps, st0.zero_page_maps);
  CHECK(page_is(P2V(z), 0));
  paddr_t zz = frame_alloc_zeroed();
  CHECK(zz != 0 && page_is(P2V(zz), 0));
  frame_unref(zz);
}

// Every free frame can be allocated once, then the allocator says 0.
// (The frames are held in the harness pool, so a failure here does not
// starve the tests that follow.)
void
test_frame_alloc_exhausts_cleanly(void)
{
  uint64 n = frames_free();
  CHECK(n <= vmstat_now().frames_total);
  pool_drain(0);
  CHECK_EQ(frame_alloc(), 0);
  CHECK_EQ(frame_alloc_zeroed(), 0);
  CHECK(kalloc() == 0);
  pool_release();
  CHECK_EQ(frames_free(), n);
}

static int
stop_now(void)
{
  return 1;
}

// The pre-zeroed pool: frame_prezero zeroes dirty free frames without
// changing the free count, up to its bound; frame_alloc_zeroed takes them
// (every byte zero), frame_alloc prefers dirty frames; the pool off is empty.
void
test_frame_prezero_pool(void)
{
  uint64 n = frames_free();
  paddr_t pa[8];
  frame_set_prezero(0);  // start from an empty pool
  for (int i = 0; i < 8; i++) {
    CHECK((pa[i] = frame_alloc()) != 0);
    memset(P2V(pa[i]), 0xa5, PGSIZE);
  }
  for (int i = 0; i < 8; i++)
    frame_unref(pa[i]);  // freed frames are dirty: the top of the dirty list
  frame_set_prezero(1);
  struct vmstat v0 = vmstat_now();
  CHECK_EQ(v0.frames_zeroed, 0);
  CHECK_EQ(frame_prezero(8, stop_now), 0);
  CHECK_EQ(frame_prezero(8, 0), 8);
  struct vmstat v1 = vmstat_now();
  CHECK_EQ(v1.frames_zeroed, 8);
  CHECK_EQ(v1.frames_free, n);
  paddr_t z = frame_alloc_zeroed();
  CHECK(z == pa[0]);  // the pool is a stack too: the last one zeroed
  CHECK(page_is(P2V(z), 0));
  struct vmstat v2 = vmstat_now();
  CHECK_EQ(v2.zeroed_hits, v1.zeroed_hits + 1);
  CHECK_EQ(v2.frames_zeroed, 7);
  CHECK_EQ(v2.frames_free, n - 1);
  memset(P2V(z), 0x5a, PGSIZE);
  frame_unref(z);
  paddr_t d = frame_alloc();  // dirty first: the pool is left for zeroed requests
  CHECK(d == z);
  CHECK_EQ(vmstat_now().frames_zeroed, 7);
  frame_unref(d);
  for (int i = 1; i < 8; i++) {
    paddr_t q = frame_alloc_zeroed();
    CHECK(q == pa[i] && page_is(P2V(q), 0));
    frame_unref(q);
  }
  CHECK_EQ(frame_prezero(100000, 0) + 0UL, v0.zeroed_max);  // bounded
  CHECK_EQ(frame_prezero(1, 0), 0);
  CHECK_EQ(vmstat_now().frames_zeroed, v0.zeroed_max);
  CHECK_EQ(frames_free(), n);
  pool_drain(0);  // the pool is free memory: it is used up last, then nothing is left
  CHECK_EQ(frame_alloc_zeroed(), 0);
  CHECK_EQ(vmstat_now().frames_zeroed, 0);
  pool_release();
  CHECK_EQ(frame_prezero(4, 0), 4);
  CHECK_EQ(frame_set_prezero(0), 1);  // off empties the pool, frees nothing
  CHECK_EQ(vmstat_now().frames_zeroed, 0);
  CHECK_EQ(frames_free(), n);
  uint64 miss0 = vmstat_now().zeroed_misses;
  z = frame_alloc_zeroed();
  CHECK(page_is(P2V(z), 0));
  CHECK_EQ(vmstat_now().zeroed_misses, miss0 + 1);
  frame_unref(z);
  CHECK_EQ(frame_prezero(4, 0), 0);  // off: idle harts do nothing
  frame_set_prezero(1);
  CHECK_EQ(frames_free(), n);
}

void
test_region_map_sorted(void)
{
  struct aspace *as = as_empty();
  CHECK(aspace_map(as, P(10), P(12), RW, RK_DATA) == 0);
  check_as(as);
  CHECK(aspace_map(as, P(1), P(3), RX, RK_TEXT) == 0);
  check_as(as);
  CHECK(aspace_map(as, P(5), P(6), PROT_READ, RK_MMAP) == 0);
  check_as(as);
  CHECK_EQ(as->nregion, 3);
  expect_region(as, 0, P(1), P(3), RX, RK_TEXT);
  expect_region(as, 1, P(5), P(6), PROT_READ, RK_MMAP);
  expect_region(as, 2, P(10), P(12), RW, RK_DATA);
  CHECK(find_region(as, 0) == 0);
  CHECK(find_region(as, P(1)) == as->region[0]);
  CHECK(find_region(as, P(3) - 1) == as->region[0]);
  CHECK(find_region(as, P(3)) == 0);
  CHECK(find_region(as, P(5) + 7) == as->region[1]);
  CHECK(find_region(as, P(11) + 5) == as->region[2]);
  CHECK(find_region(as, P(12)) == 0);
  CHECK_EQ(as->pmap.resident, 0);  // mapping a region maps no pages
  aspace_put(as);
}

void
test_region_map_refuses_bad(void)
{
  struct aspace *as = as_empty();
  CHECK(aspace_map(as, P(4), P(8), RW, RK_DATA) == 0);
  struct as_snap s;
  as_snap_take(as, &s);
  static const uint64 bad[][2] = {
      {P(4), P(8)},          {P(2), P(5)}, {P(7), P(9)}, {P(2), P(10)},
      {P(5), P(6)},          {P(4), P(5)}, {P(7), P(8)}, {P(1) + 1, P(2)},
      {P(1), P(2) + 8},      {P(2), P(2)}, {P(3), P(2)}, {MAXVA - P(1), MAXVA + P(1)},
      {MAXVA, MAXVA + P(1)},
  };
  for (uint i = 0; i < NELEM(bad); i++) {
    CHECKF(aspace_map(as, bad[i][0], bad[i][1], RW, RK_MMAP) < 0, "map [%#lx, %#lx) accepted",
           bad[i][0], bad[i][1]);
    as_snap_same(as, &s);
  }
  // Touching is not overlapping; the very top page is allowed.
  CHECK(aspace_map(as, P(8), P(9), PROT_READ, RK_MMAP) == 0);
  CHECK(aspace_map(as, P(3), P(4), PROT_READ, RK_MMAP) == 0);
  CHECK(aspace_map(as, MAXVA - P(1), MAXVA, PROT_READ, RK_MMAP) == 0);
  check_as(as);
  CHECK_EQ(as->nregion, 4);
  aspace_put(as);
}

// A data region of 8 pages at P(16), every page written.
static struct aspace *
as_with_filled_region(void)
{
  struct aspace *as = as_empty();
  CHECK(aspace_map(as, P(16), P(24), RW, RK_DATA) == 0);
  fill_range(as, P(16), P(24), 0x10);
  check_as(as);
  CHECK_EQ(as->pmap.resident, 8);
  return as;
}

void
test_region_unmap_middle_splits(void)
{
  struct aspace *as = as_with_filled_region();
  uint64 free0 = frames_free();
  CHECK(aspace_unmap(as, P(18), P(20)) == 0);
  check_as(as);
  CHECK_EQ(as->nregion, 2);
  expect_region(as, 0, P(16), P(18), RW, RK_DATA);
  expect_region(as, 1, P(20), P(24), RW, RK_DATA);
  CHECK_EQ(frames_free(), free0 + 2);
  CHECK_EQ(as->pmap.resident, 6);
  CHECK(!mapping(as, P(18), 0, 0) && !mapping(as, P(19), 0, 0));
  CHECK(page_is(page_at(as, P(17)), 0x11));
  CHECK(page_is(page_at(as, P(20)), 0x14));
  CHECK(page_is(page_at(as, P(23)), 0x17));
  const char *why = 0;
  CHECK_EQ(vm_fault(as, P(18), ACC_READ, 0, &why), FAULT_SEGV);
  CHECK_STR(why, "unmapped address");
  aspace_put(as);
}

void
test_region_unmap_head(void)
{
  struct aspace *as = as_with_filled_region();
  uint64 free0 = frames_free();
  CHECK(aspace_unmap(as, P(16), P(18)) == 0);
  check_as(as);
  CHECK_EQ(as->nregion, 1);
  expect_region(as, 0, P(18), P(24), RW, RK_DATA);
  CHECK_EQ(frames_free(), free0 + 2);
  CHECK(page_is(page_at(as, P(18)), 0x12));
  // Unmapping a head that starts below the region (in a hole) works too.
  CHECK(aspace_unmap(as, P(10), P(19)) == 0);
  check_as(as);
  expect_region(as, 0, P(19), P(24), RW, RK_DATA);
  CHECK_EQ(frames_free(), free0 + 3);
  aspace_put(as);
}

void
test_region_unmap_tail(void)
{
  struct aspace *as = as_with_filled_region();
  uint64 free0 = frames_free();
  CHECK(aspace_unmap(as, P(22), P(24)) == 0);
  check_as(as);
  CHECK_EQ(as->nregion, 1);
  expect_region(as, 0, P(16), P(22), RW, RK_DATA);
  CHECK_EQ(frames_free(), free0 + 2);
  CHECK(page_is(page_at(as, P(21)), 0x15));
  CHECK(aspace_unmap(as, P(21), P(40)) == 0);  // tail and the hole beyond
  check_as(as);
  expect_region(as, 0, P(16), P(21), RW, RK_DATA);
  CHECK_EQ(frames_free(), free0 + 3);
  aspace_put(as);
}

void
test_region_unmap_across(void)
{
  struct aspace *as = as_empty();
  CHECK(aspace_map(as, P(2), P(6), RX, RK_TEXT) == 0);
  CHECK(aspace_map(as, P(8), P(10), RW, RK_DATA) == 0);
  CHECK(aspace_map(as, P(12), P(16), RW, RK_MMAP) == 0);
  CHECK(aspace_map(as, P(20), P(22), RW, RK_MMAP) == 0);
  check_as(as);
  for (uint64 va = P(2); va < P(6); va += PGSIZE)  // text: private frames on read
    CHECK_EQ(vm_fault(as, va, ACC_READ, 0, 0), FAULT_OK);
  fill_range(as, P(8), P(10), 0x80);
  fill_range(as, P(12), P(16), 0xC0);
  fill_range(as, P(20), P(22), 0xE0);
  check_as(as);
  CHECK_EQ(as->pmap.resident, 12);
  uint64 free0 = frames_free();
  CHECK(aspace_unmap(as, P(4), P(14)) == 0);
  check_as(as);
  CHECK_EQ(as->nregion, 3);
  expect_region(as, 0, P(2), P(4), RX, RK_TEXT);
  expect_region(as, 1, P(14), P(16), RW, RK_MMAP);
  expect_region(as, 2, P(20), P(22), RW, RK_MMAP);
  CHECK_EQ(frames_free(), free0 + 6);
  CHECK_EQ(as->pmap.resident, 6);
  CHECK(page_is(page_at(as, P(14)), 0xC2));
  // A range holding only a hole changes nothing.
  struct as_snap s;
  as_snap_take(as, &s);
  CHECK(aspace_unmap(as, P(17), P(19)) == 0);
  as_snap_same(as, &s);
  // A whole region exactly, then everything.
  CHECK(aspace_unmap(as, P(20), P(22)) == 0);
  check_as(as);
  CHECK_EQ(as->nregion, 2);
  uint64 pt0 = as->pmap.ptpages;
  CHECK(aspace_unmap(as, 0, MAXVA) == 0);
  check_as(as);
  CHECK_EQ(as->nregion, 0);
  CHECK_EQ(as->pmap.resident, 0);
  // and emptied tables, and the page of region slots
  CHECK_EQ(frames_free(), free0 + 12 + (pt0 - as->pmap.ptpages) + 1);
  aspace_put(as);
}

void
test_region_unmap_bad_args(void)
{
  struct aspace *as = as_with_filled_region();
  struct as_snap s;
  as_snap_take(as, &s);
  uint64 free0 = frames_free();
  CHECK(aspace_unmap(as, P(17) + 1, P(18)) < 0);
  CHECK(aspace_unmap(as, P(17), P(18) - 1) < 0);
  CHECK(aspace_unmap(as, P(18), P(18)) < 0);
  CHECK(aspace_unmap(as, P(19), P(18)) < 0);
  CHECK(aspace_unmap(as, P(16), MAXVA + P(1)) < 0);
  as_snap_same(as, &s);
  CHECK_EQ(frames_free(), free0);
  aspace_put(as);
}

void
test_region_table_full(void)
{
  struct aspace *as = as_empty();
  for (int i = 0; i < NREGION; i++) {  // region i: [P(4i+4), P(4i+7)), 3 pages
    CHECKF(aspace_map(as, P(4 * i + 4), P(4 * i + 7), RW, RK_MMAP) == 0, "map %d", i);
    check_as(as);
  }
  fill_range(as, P(20), P(23), 0x50);  // region 4
  struct as_snap s;
  as_snap_take(as, &s);
  uint64 free0 = frames_free();
  CHECK(aspace_map(as, P(200), P(201), RW, RK_MMAP) < 0);  // no slot
  as_snap_same(as, &s);
  CHECK(aspace_unmap(as, P(21), P(22)) < 0);  // a split needs a slot
  as_snap_same(as, &s);
  CHECK_EQ(frames_free(), free0);
  CHECK(page_is(page_at(as, P(21)), 0x51));
  // Head and tail trims need no slot.
  CHECK(aspace_unmap(as, P(20), P(21)) == 0);
  check_as(as);
  expect_region(as, 4, P(21), P(23), RW, RK_MMAP);
  CHECK_EQ(frames_free(), free0 + 1);
  CHECK(aspace_unmap(as, P(9), P(14)) == 0);  // tail of region 1, head of region 2
  check_as(as);
  expect_region(as, 1, P(8), P(9), RW, RK_MMAP);
  expect_region(as, 2, P(14), P(15), RW, RK_MMAP);
  CHECK_EQ(as->nregion, NREGION);
  // Freeing a slot makes the split possible.
  CHECK(aspace_unmap(as, P(24), P(27)) == 0);
  CHECK_EQ(as->nregion, NREGION - 1);
  CHECK(aspace_unmap(as, P(33), P(34)) == 0);  // middle of [P(32), P(35))
  check_as(as);
  CHECK_EQ(as->nregion, NREGION);
  CHECK(find_region(as, P(32)) != 0 && find_region(as, P(33)) == 0);
  CHECK(find_region(as, P(34)) != 0);
  aspace_put(as);
}

// aspace_check must notice each kind of broken invariant.
void
test_aspace_check_detects(void)
{
  struct aspace *as = as_empty();
  CHECK(aspace_map(as, P(2), P(4), RW, RK_DATA) == 0);
  CHECK(aspace_map(as, P(6), P(8), RW, RK_HEAP) == 0);
  as->heap_start = P(6);
  as->brk = P(7) + 5;
  CHECK(aspace_check(as));
  struct region saved[2] = {*as->region[0], *as->region[1]};
  struct {
    const char *what;
    uint64 s0, e0, s1, e1;
  } cases[] = {
      {"unsorted", P(6), P(8), P(2), P(4)},
      {"overlapping", P(2), P(7), P(6), P(8)},
      {"unaligned", P(2) + 1, P(4), P(6), P(8)},
      {"empty", P(2), P(2), P(6), P(8)},
      {"beyond MAXVA", P(2), P(4), P(6), MAXVA + P(1)},
  };
  for (uint i = 0; i < NELEM(cases); i++) {
    as->region[0]->start = cases[i].s0;
    as->region[0]->end = cases[i].e0;
    as->region[1]->start = cases[i].s1;
    as->region[1]->end = cases[i].e1;
    CHECKF(!aspace_check(as), "aspace_check missed: %s", cases[i].what);
    *as->region[0] = saved[0];
    *as->region[1] = saved[1];
  }
  as->brk = P(6) - 1;
  CHECKF(!aspace_check(as), "aspace_check missed: brk below heap_start");
  as->brk = P(8) + 1;
  CHECKF(!aspace_check(as), "aspace_check missed: brk beyond the heap region");
  as->brk = P(7) + 5;
  as->nregion = NREGION + 1;
  CHECKF(!aspace_check(as), "aspace_check missed: nregion too big");
  as->nregion = 2;
  CHECK(aspace_check(as));
  aspace_put(as);
}

void
test_aspace_refs(void)
{
  int live0 = fakepmap_live();
  uint64 free0 = frames_free();
  struct aspace *as = as_with_filled_region();
  aspace_get(as);
  aspace_put(as);  // one reference left: nothing freed
  check_as(as);
  CHECK(page_is(page_at(as, P(16)), 0x10));
  CHECK_EQ(fakepmap_live(), live0 + 1);
  aspace_put(as);
  CHECK_EQ(fakepmap_live(), live0);
  CHECK_EQ(frames_free(), free0);
}

// Tests of aspace_sbrk: lazy and eager growth, shrinking, and every refusal
// (below heap start, into the stack guard, overflow, full region table,
// out of memory) leaving the address space exactly as it was.
#include <stdint.h>
#include "types.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"

static void
sbrk_ok(struct aspace *as, int64 n, int eager, vaddr_t want_old)
{
  vaddr_t old = 0;
  CHECKF(aspace_sbrk(as, n, eager, &old) == 0, "sbrk(%ld) failed at brk %#lx", n, as->brk);
  CHECK_EQ(old, want_old);
  CHECK_EQ(as->brk, want_old + n);
  check_as(as);
}

// sbrk(n) must fail and change nothing (regions, break, pages, frames).
static void
sbrk_refused(struct aspace *as, int64 n, int eager)
{
  struct as_snap s;
  as_snap_take(as, &s);
  uint64 free0 = frames_free();
  vaddr_t old = 0;
  CHECKF(aspace_sbrk(as, n, eager, &old) < 0, "sbrk(%ld) accepted at brk %#lx", n, s.brk);
  as_snap_same(as, &s);
  CHECK_EQ(frames_free(), free0);
}

static void
expect_heap(struct aspace *as, uint64 end)
{
  struct region *r = find_region(as, HEAP_START);
  CHECKF(r != 0, "no heap region");
  CHECK_EQ(r->start, HEAP_START);
  CHECK_EQ(r->end, end);
  CHECK_EQ(r->prot, RW);
  CHECK_EQ(r->kind, RK_HEAP);
}

void
test_sbrk_grow_lazy(void)
{
  struct aspace *as = as_process();
  uint64 free0 = frames_free();
  sbrk_ok(as, 100, 0, HEAP_START);
  expect_heap(as, HEAP_START + P(1));
  sbrk_ok(as, P(3), 0, HEAP_START + 100);
  expect_heap(as, HEAP_START + P(4));
  CHECK_EQ(as->pmap.resident, 0);  // lazy: no page yet
  CHECK_EQ(frames_free(), free0);
  struct as_snap s;
  as_snap_take(as, &s);
  sbrk_ok(as, 0, 0, HEAP_START + 100 + P(3));
  as_snap_same(as, &s);
  CHECK_EQ(vm_fault(as, as->brk - 1, ACC_WRITE, 0, 0), FAULT_OK);
  const char *why = 0;
  CHECK_EQ(vm_fault(as, HEAP_START + P(4), ACC_READ, 0, &why), FAULT_SEGV);
  CHECK_STR(why, "above break");
  check_as(as);
  aspace_put(as);
}

void
test_sbrk_grow_eager(void)
{
  struct aspace *as = as_process();
  uint64 free0 = frames_free(), pt0 = as->pmap.ptpages;
  sbrk_ok(as, P(3) + 1, 1, HEAP_START);
  expect_heap(as, HEAP_START + P(4));
  CHECK_EQ(as->pmap.resident, 4);
  CHECK_EQ(frames_free(), free0 - 4 - (as->pmap.ptpages - pt0));
  for (int i = 0; i < 4; i++) {
    paddr_t pa;
    int prot;
    CHECK(mapping(as, HEAP_START + P(i), &pa, &prot));
    CHECK(pa != frame_zero_page());
    CHECK_EQ(prot, RW);
    CHECK_EQ(frame_refcount(pa), 1);
    CHECK(page_is(page_at(as, HEAP_START + P(i)), 0));
  }
  // Growth inside the last page maps nothing more.
  sbrk_ok(as, 10, 1, HEAP_START + P(3) + 1);
  CHECK_EQ(as->pmap.resident, 4);
  aspace_put(as);
}

void
test_sbrk_shrink(void)
{
  struct aspace *as = as_process();
  sbrk_ok(as, P(4), 0, HEAP_START);
  for (int i = 0; i < 4; i++)
    user_fill(as, HEAP_START + P(i), 0x30 + i);
  uint64 free0 = frames_free();
  sbrk_ok(as, -(int64)P(2), 0, HEAP_START + P(4));
  expect_heap(as, HEAP_START + P(2));
  CHECK_EQ(frames_free(), free0 + 2);
  CHECK_EQ(as->pmap.resident, 2);
  CHECK(page_is(page_at(as, HEAP_START + P(1)), 0x31));
  sbrk_ok(as, -1, 0, HEAP_START + P(2));  // inside the last page: it stays
  expect_heap(as, HEAP_START + P(2));
  CHECK_EQ(as->pmap.resident, 2);
  sbrk_ok(as, -(int64)(P(2) - 1), 0, HEAP_START + P(2) - 1);
  CHECK_EQ(as->brk, HEAP_START);
  CHECK(find_region(as, HEAP_START) == 0);
  CHECK_EQ(as->pmap.resident, 0);
  CHECK_EQ(frames_free(), free0 + 4);
  const char *why = 0;
  CHECK_EQ(vm_fault(as, HEAP_START, ACC_READ, 0, &why), FAULT_SEGV);
  CHECK_STR(why, "above break");
  // And it grows again from scratch, zeroed.
  sbrk_ok(as, P(1), 0, HEAP_START);
  CHECK_EQ(vm_fault(as, HEAP_START, ACC_READ, 0, 0), FAULT_OK);
  CHECK(page_is(page_at(as, HEAP_START), 0));
  aspace_put(as);
}

void
test_sbrk_refuses_below_heap_start(void)
{
  struct aspace *as = as_process();
  sbrk_refused(as, -1, 0);
  sbrk_ok(as, 100, 0, HEAP_START);
  user_fill(as, HEAP_START, 0x77);
  sbrk_refused(as, -101, 0);
  sbrk_refused(as, -(int64)HEAP_START - 101, 0);
  sbrk_refused(as, INT64_MIN, 0);
  sbrk_refused(as, INT64_MIN + 1, 1);
  CHECK(page_is(page_at(as, HEAP_START), 0x77));
  aspace_put(as);
}

void
test_sbrk_refuses_stack_guard(void)
{
  struct aspace *as = as_process();
  uint64 limit = STACK_START - PGSIZE;  // the guard page stays unmapped
  sbrk_refused(as, limit - HEAP_START + 1, 0);
  sbrk_ok(as, limit - HEAP_START, 0, HEAP_START);
  expect_heap(as, limit);
  CHECK_EQ(vm_fault(as, limit - 1, ACC_WRITE, 0, 0), FAULT_OK);
  const char *why = 0;
  CHECK_EQ(vm_fault(as, limit, ACC_READ, 0, &why), FAULT_SEGV);
  CHECK_STR(why, "stack guard");
  sbrk_refused(as, 1, 0);
  sbrk_refused(as, P(1), 1);
  sbrk_ok(as, -(int64)P(1), 0, limit);  // and back down is fine
  sbrk_ok(as, P(1), 0, limit - P(1));
  aspace_put(as);
}

void
test_sbrk_refuses_overflow(void)
{
  struct aspace *as = as_process();
  sbrk_refused(as, INT64_MAX, 0);
  sbrk_refused(as, INT64_MAX, 1);
  sbrk_refused(as, (int64)MAXVA, 0);
  sbrk_ok(as, 5, 0, HEAP_START);
  sbrk_refused(as, INT64_MAX - 2, 0);
  sbrk_refused(as, -(int64)(as->brk) + INT64_MIN / 2, 0);
  aspace_put(as);
}

void
test_sbrk_refuses_table_full(void)
{
  struct aspace *as = as_process();
  // Fill the table with small regions between the heap and the stack.
  uint64 base = STACK_START - P(2 * NREGION + 100);
  for (int i = 0; as->nregion < NREGION; i++)
    CHECK(aspace_map(as, base + P(2 * i), base + P(2 * i + 1), RW, RK_MMAP) == 0);
  check_as(as);
  sbrk_refused(as, 100, 0);  // the heap region needs a slot
  sbrk_refused(as, P(2), 1);
  // The heap may not run into the first of those regions either.
  CHECK(aspace_unmap(as, base + P(2), base + P(3)) == 0);
  sbrk_refused(as, base - HEAP_START, 0);  // no guard page left
  sbrk_ok(as, base - PGSIZE - HEAP_START, 0, HEAP_START);
  aspace_put(as);
}

void
test_sbrk_eager_oom(void)
{
  struct aspace *as = as_process();
  user_fill(as, DATA_START, 0x11);  // the low tables exist: frame counts compare exactly
  for (uint64 leave = 0; leave < 8; leave++) {
    pool_drain(leave);
    sbrk_refused(as, P(8), 1);
    CHECK(find_region(as, HEAP_START) == 0);
    pool_release();
  }
  sbrk_ok(as, P(1), 0, HEAP_START);  // a heap region exists: only its end may move
  user_fill(as, HEAP_START, 0x42);
  for (uint64 leave = 0; leave < 8; leave++) {
    pool_drain(leave);
    struct as_snap s;
    as_snap_take(as, &s);
    vaddr_t old;
    CHECK(aspace_sbrk(as, P(8), 1, &old) < 0);
    as_snap_same(as, &s);  // the tables it made may stay; frames are audited
    expect_heap(as, HEAP_START + P(1));
    pool_release();
  }
  CHECK(page_is(page_at(as, HEAP_START), 0x42));
  sbrk_ok(as, P(8), 1, HEAP_START + P(1));
  CHECK_EQ(as->pmap.resident, 1 + 9);  // the data page and the heap
  aspace_put(as);
}

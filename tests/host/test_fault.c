// Tests of vm_fault's lazy paths (zero page on read, zero-fill on write,
// write after read), its refusals with their reasons, and its behaviour
// when frames or page-table pages run out.
#include "types.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "fakepmap.h"

static struct aspace *
as_with_heap(uint64 pages)
{
  struct aspace *as = as_process();
  vaddr_t old;
  CHECK(aspace_sbrk(as, P(pages), 0, &old) == 0);
  check_as(as);
  return as;
}

// counts[] must equal want[] and the system counters must have moved alike.
static void
expect_counts(const uint64 *counts, const struct vmstat *before, uint64 zf, uint64 zp, uint64 cc,
              uint64 cr)
{
  uint64 want[FK_NKINDS] = {
      [FK_ZERO_FILL] = zf, [FK_ZERO_PAGE] = zp, [FK_COW_COPY] = cc, [FK_COW_REUSE] = cr};
  struct vmstat now = vmstat_now();
  for (int k = 0; k < FK_NKINDS; k++) {
    CHECKF(counts[k] == want[k], "counts[%d] is %lu, expected %lu", k, counts[k], want[k]);
    CHECKF(now.faults[k] - before->faults[k] == want[k], "system faults[%d] moved by %lu, not %lu",
           k, now.faults[k] - before->faults[k], want[k]);
  }
}

void
test_fault_read_maps_zero_page(void)
{
  struct aspace *as = as_with_heap(2);
  user_fill(as, DATA_START, 1);  // tables exist now
  struct vmstat st0 = vmstat_now();
  uint64 counts[FK_NKINDS] = {0}, flush0 = fakepmap_flushes(), res0 = as->pmap.resident;
  const char *why = 0;
  CHECK_EQ(vm_fault(as, HEAP_START + 10, ACC_READ, counts, &why), FAULT_OK);
  paddr_t pa;
  int prot;
  CHECK(mapping(as, HEAP_START, &pa, &prot));
  CHECK_EQ(pa, frame_zero_page());
  CHECK_EQ(prot, PROT_READ | PMAP_COW);
  CHECK(page_is(page_at(as, HEAP_START), 0));
  expect_counts(counts, &st0, 0, 1, 0, 0);
  struct vmstat st1 = vmstat_now();
  CHECK_EQ(st1.zero_page_maps, st0.zero_page_maps + 1);
  CHECK_EQ(st1.frames_free, st0.frames_free);  // no frame spent
  CHECK_EQ(as->pmap.resident, res0 + 1);
  // invalid -> valid: no TLB flush (a stale invalid entry faults again).
  CHECK_EQ(fakepmap_flushes(), flush0);
  check_as(as);
  // A second read is spurious: nothing counted or changed, but the TLB is
  // flushed so a stale entry cannot fault forever.
  CHECK_EQ(vm_fault(as, HEAP_START, ACC_READ, counts, &why), FAULT_OK);
  expect_counts(counts, &st0, 0, 1, 0, 0);
  CHECK(fakepmap_flushes() > flush0);
  // Replacing the zero page by a private frame changes a valid PTE: flush.
  uint64 flush1 = fakepmap_flushes();
  CHECK_EQ(vm_fault(as, HEAP_START, ACC_WRITE, counts, &why), FAULT_OK);
  CHECK(fakepmap_flushes() > flush1);
  expect_counts(counts, &st0, 1, 1, 0, 0);
  CHECK_EQ(vmstat_now().zero_page_maps, st0.zero_page_maps);
  aspace_put(as);
  CHECK_EQ(vmstat_now().zero_page_maps, st0.zero_page_maps);
}

void
test_fault_write_zero_fills(void)
{
  struct aspace *as = as_with_heap(2);
  user_fill(as, DATA_START, 1);
  struct vmstat st0 = vmstat_now();
  uint64 counts[FK_NKINDS] = {0};
  CHECK_EQ(vm_fault(as, HEAP_START + P(1) + 7, ACC_WRITE, counts, 0), FAULT_OK);
  paddr_t pa;
  int prot;
  CHECK(mapping(as, HEAP_START + P(1), &pa, &prot));
  CHECK(pa != frame_zero_page());
  CHECK_EQ(prot, RW);
  CHECK_EQ(frame_refcount(pa), 1);
  CHECK(page_is(page_at(as, HEAP_START + P(1)), 0));  // the arena starts as garbage
  expect_counts(counts, &st0, 1, 0, 0, 0);
  CHECK_EQ(frames_free(), st0.frames_free - 1);
  // A write to a writable page is spurious.
  CHECK_EQ(vm_fault(as, HEAP_START + P(1), ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(vm_fault(as, HEAP_START + P(1), ACC_READ, counts, 0), FAULT_OK);
  expect_counts(counts, &st0, 1, 0, 0, 0);
  check_as(as);
  aspace_put(as);
}

void
test_fault_write_after_read(void)
{
  struct aspace *as = as_with_heap(1);
  user_fill(as, DATA_START, 1);
  struct vmstat st0 = vmstat_now();
  uint64 counts[FK_NKINDS] = {0};
  CHECK_EQ(vm_fault(as, HEAP_START, ACC_READ, counts, 0), FAULT_OK);
  CHECK_EQ(vm_fault(as, HEAP_START, ACC_WRITE, counts, 0), FAULT_OK);
  paddr_t pa;
  int prot;
  CHECK(mapping(as, HEAP_START, &pa, &prot));
  CHECK(pa != frame_zero_page());
  CHECK_EQ(prot, RW);
  CHECK_EQ(frame_refcount(pa), 1);
  CHECK(page_is(page_at(as, HEAP_START), 0));
  expect_counts(counts, &st0, 1, 1, 0, 0);
  struct vmstat st1 = vmstat_now();
  CHECK_EQ(st1.zero_page_maps, st0.zero_page_maps);
  CHECK_EQ(st1.frames_free, st0.frames_free - 1);
  CHECK_EQ(as->pmap.resident, 2);
  check_as(as);
  aspace_put(as);
}

void
test_fault_lazy_text_and_stack(void)
{
  struct aspace *as = as_process();
  uint64 counts[FK_NKINDS] = {0};
  // Read-only text is never given the zero page: a private zeroed frame.
  CHECK_EQ(vm_fault(as, TEXT_START, ACC_EXEC, counts, 0), FAULT_OK);
  paddr_t pa;
  int prot;
  CHECK(mapping(as, TEXT_START, &pa, &prot));
  CHECK(pa != frame_zero_page());
  CHECK_EQ(prot, RX);
  CHECK_EQ(vm_fault(as, TEXT_START + P(1), ACC_READ, counts, 0), FAULT_OK);
  CHECK(mapping(as, TEXT_START + P(1), 0, &prot) && prot == RX);
  // The whole stack region is lazily usable, top and bottom.
  CHECK_EQ(vm_fault(as, STACK_END - 8, ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(vm_fault(as, STACK_START, ACC_READ, counts, 0), FAULT_OK);
  CHECK(mapping(as, STACK_START, &pa, 0) && pa == frame_zero_page());
  CHECK_EQ(counts[FK_ZERO_FILL], 3);
  CHECK_EQ(counts[FK_ZERO_PAGE], 1);
  check_as(as);
  aspace_put(as);
}

struct segv_case {
  uint64 va;
  int access;
  const char *why;
};

static void
expect_segv(struct aspace *as, const struct segv_case *c)
{
  struct as_snap s;
  as_snap_take(as, &s);
  struct vmstat st0 = vmstat_now();
  uint64 counts[FK_NKINDS] = {0};
  const char *why = 0;
  int r = vm_fault(as, c->va, c->access, counts, &why);
  CHECKF(r == FAULT_SEGV, "va %#lx access %d: result %d, expected SEGV", c->va, c->access, r);
  CHECKF(why && strcmp(why, c->why) == 0, "va %#lx access %d: reason \"%s\", expected \"%s\"",
         c->va, c->access, why ? why : "(null)", c->why);
  expect_counts(counts, &st0, 0, 0, 0, 0);
  CHECK_EQ(frames_free(), st0.frames_free);
  as_snap_same(as, &s);
  // vm_fault accepts a null reason pointer too.
  CHECK_EQ(vm_fault(as, c->va, c->access, 0, 0), FAULT_SEGV);
}

void
test_fault_segv_reasons(void)
{
  struct aspace *as = as_with_heap(1);
  CHECK_EQ(vm_fault(as, TEXT_START, ACC_READ, 0, 0), FAULT_OK);
  const struct segv_case cases[] = {
      {HEAP_START + P(1), ACC_READ, "above break"},
      {HEAP_START + P(1), ACC_WRITE, "above break"},
      {P(0x3000), ACC_WRITE, "above break"},
      {STACK_START - P(10), ACC_WRITE, "unmapped address"},  // mmap area, not the heap's room
      {STACK_START - 1, ACC_WRITE, "stack guard"},
      {STACK_START - PGSIZE, ACC_READ, "stack guard"},
      {TEXT_START, ACC_WRITE, "write to read-only"},         // mapped already
      {TEXT_START + P(1), ACC_WRITE, "write to read-only"},  // not yet mapped
      {DATA_START, ACC_EXEC, "exec of no-exec"},
      {STACK_END - 1, ACC_EXEC, "exec of no-exec"},
      {0xFFFFFFC000000000UL, ACC_READ, "kernel address"},
      {0xFFFFFFFFFFFFF000UL, ACC_WRITE, "kernel address"},
      {(uint64)MAXVA, ACC_READ, "above MAXVA"},
      {(uint64)MAXVA + 12345, ACC_EXEC, "above MAXVA"},
      {0, ACC_READ, "below text"},
      {TEXT_START - 1, ACC_WRITE, "below text"},
  };
  for (uint i = 0; i < NELEM(cases); i++)
    expect_segv(as, &cases[i]);
  aspace_put(as);
}

// Holes between non-stack regions, and protections without read.
void
test_fault_segv_mmap_holes(void)
{
  struct aspace *as = as_with_heap(1);
  CHECK(aspace_map(as, P(0x1000), P(0x1001), PROT_EXEC, RK_MMAP) == 0);
  CHECK(aspace_map(as, P(0x2000), P(0x2001), PROT_READ, RK_MMAP) == 0);
  CHECK_EQ(vm_fault(as, P(0x2000), ACC_READ, 0, 0), FAULT_OK);
  const struct segv_case cases[] = {
      {P(0x1000), ACC_READ, "read of no-read"},     {P(0x1000), ACC_WRITE, "write to read-only"},
      {P(0x2000), ACC_WRITE, "write to read-only"}, {P(0x2000), ACC_EXEC, "exec of no-exec"},
      {P(0x1800), ACC_WRITE, "unmapped address"},
  };
  for (uint i = 0; i < NELEM(cases); i++)
    expect_segv(as, &cases[i]);
  CHECK_EQ(vm_fault(as, P(0x1000), ACC_EXEC, 0, 0), FAULT_OK);
  check_as(as);
  aspace_put(as);
}

// Addresses above the stack region (its top page, up to MAXVA) are named
// "above stack" by classify_hole, not "above break".
void
test_fault_segv_above_stack(void)
{
  struct aspace *as = as_with_heap(1);
  const struct segv_case cases[] = {
      {STACK_END, ACC_READ, "above stack"},
      {(uint64)MAXVA - 1, ACC_WRITE, "above stack"},
  };
  for (uint i = 0; i < NELEM(cases); i++)
    expect_segv(as, &cases[i]);
  aspace_put(as);
}

void
test_fault_oom_write(void)
{
  struct aspace *as = as_with_heap(4);
  user_fill(as, HEAP_START, 0x99);  // tables exist now
  struct vmstat st0 = vmstat_now();
  uint64 counts[FK_NKINDS] = {0};
  const char *why = 0;
  pool_drain(0);
  CHECK_EQ(vm_fault(as, HEAP_START + P(1), ACC_WRITE, counts, &why), FAULT_OOM);
  CHECK_STR(why, "out of memory");
  CHECK(!mapping(as, HEAP_START + P(1), 0, 0));
  CHECK_EQ(frames_free(), 0);
  // A read needs no frame when the table exists: the zero page.
  CHECK_EQ(vm_fault(as, HEAP_START + P(2), ACC_READ, counts, &why), FAULT_OK);
  // Its write-break needs a frame.
  why = 0;
  CHECK_EQ(vm_fault(as, HEAP_START + P(2), ACC_WRITE, counts, &why), FAULT_OOM);
  CHECK_STR(why, "out of memory");
  paddr_t pa;
  int prot;
  CHECK(mapping(as, HEAP_START + P(2), &pa, &prot));
  CHECK_EQ(pa, frame_zero_page());
  CHECK_EQ(prot, PROT_READ | PMAP_COW);
  CHECK_EQ(frames_free(), 0);
  expect_counts(counts, &st0, 0, 1, 0, 0);
  check_as(as);
  pool_release();
  CHECK_EQ(vm_fault(as, HEAP_START + P(2), ACC_WRITE, counts, &why), FAULT_OK);
  CHECK_EQ(vm_fault(as, HEAP_START + P(1), ACC_WRITE, counts, &why), FAULT_OK);
  CHECK(page_is(page_at(as, HEAP_START), 0x99));
  check_as(as);
  aspace_put(as);
}

// The stack lives in its own 1 GiB span: its first fault needs table pages.
void
test_fault_oom_table(void)
{
  struct aspace *as = as_process();
  struct vmstat st0 = vmstat_now();
  for (uint64 leave = 0; leave < 2; leave++) {  // middle and leaf tables missing
    pool_drain(leave);
    for (int access = ACC_READ; access <= ACC_WRITE; access <<= 1) {
      uint64 counts[FK_NKINDS] = {0};
      const char *why = 0;
      CHECK_EQ(vm_fault(as, STACK_END - 8, access, counts, &why), FAULT_OOM);
      CHECK_STR(why, "out of memory");
      CHECK(!mapping(as, STACK_END - 8, 0, 0));
      CHECK_EQ(vmstat_now().zero_page_maps, st0.zero_page_maps);
      expect_counts(counts, &st0, 0, 0, 0, 0);
      check_as(as);
    }
    pool_release();
  }
  CHECK_EQ(vm_fault(as, STACK_END - 8, ACC_WRITE, 0, 0), FAULT_OK);
  check_as(as);
  aspace_put(as);
}

// Fault-around over the fake pmap: a sequential write fault maps 16 zeroed
// pages ahead, then 32, never past the region's end; pages seen accessed
// (the fake's stand-in for the A bit) are counted at the next fault.
void
test_fault_around_sequential(void)
{
  struct aspace *as = as_with_heap(100);
  user_fill(as, DATA_START, 1);
  vm_faultaround = 1;
  struct vmstat v0 = vmstat_now();
  uint64 counts[FK_NKINDS] = {0}, res0 = as->pmap.resident, free0 = frames_free();
  CHECK_EQ(vm_fault(as, HEAP_START, ACC_WRITE, counts, 0), FAULT_OK);  // nothing before it
  CHECK_EQ(as->pmap.resident, res0 + 1);
  CHECK_EQ(vm_fault(as, HEAP_START + P(1), ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(as->pmap.resident, res0 + 18);
  for (int i = 2; i < 18; i++) {
    CHECK(page_is(page_at(as, HEAP_START + P(i)), 0));
    CHECK_EQ(prot_of(as, HEAP_START + P(i)), PROT_READ | PROT_WRITE);
  }
  for (int i = 2; i < 7; i++)
    fakepmap_touch(&as->pmap, HEAP_START + P(i));
  CHECK_EQ(vm_fault(as, HEAP_START + P(18), ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(as->pmap.resident, res0 + 51);
  struct vmstat v1 = vmstat_now();
  CHECK_EQ(v1.fa_mapped - v0.fa_mapped, 48);
  CHECK_EQ(v1.fa_touched - v0.fa_touched, 5);
  // A page mapped ahead that is still "old" faults on hardware without A
  // updates: served as spurious, marked and counted.
  CHECK_EQ(vm_fault(as, HEAP_START + P(20), ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(prot_of(as, HEAP_START + P(20)), PROT_READ | PROT_WRITE);
  // At 51 the batch would be 64: 48 pages are left in the region.
  CHECK_EQ(vm_fault(as, HEAP_START + P(51), ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(as->pmap.resident, res0 + 100);
  CHECK_EQ(vmstat_now().fa_touched - v0.fa_touched, 6);  // page 20 counted once
  CHECK(!mapping(as, HEAP_START + P(100), 0, 0));
  CHECK_EQ(counts[FK_ZERO_FILL], 4);
  CHECK_EQ(free0 - frames_free(), 100);  // the page tables existed
  check_as(as);
  aspace_put(as);
  vm_faultaround = 0;
}

// Near the reserve (frames_total / 32) fault-around takes only what lies
// above it, then stops; every fault still gets its own page.
void
test_fault_around_low_memory(void)
{
  struct aspace *as = as_with_heap(200);
  user_fill(as, HEAP_START, 1);
  vm_faultaround = 1;
  struct vmstat v0 = vmstat_now();
  pool_drain(v0.fa_reserve + 10);
  uint64 counts[FK_NKINDS] = {0};
  for (int i = 1; i < 40; i++)
    CHECK_EQ(vm_fault(as, HEAP_START + P(i), ACC_WRITE, counts, 0), FAULT_OK);
  struct vmstat v1 = vmstat_now();
  CHECK(v1.fa_mapped - v0.fa_mapped <= 10);
  CHECK(v1.fa_lowmem > v0.fa_lowmem);
  CHECK(v1.frames_free + 40 >= v0.fa_reserve);
  pool_release();
  check_as(as);
  aspace_put(as);
  vm_faultaround = 0;
}

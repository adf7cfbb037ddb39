// Tests of the reclaimer's clock (reclaim.c) over the fake pmap, whose
// accessed bit a test sets with fakepmap_touch: a page found accessed gets
// a second chance, one found unaccessed goes to swap (anonymous) or out of
// the page table (a page-cache page, its dirty claim passed on first); the
// hand goes on where it stopped; a full swap stops page-outs; the OOM
// killer picks the largest address space. Every byte is checked.
#include "types.h"
#include "param.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "fakepmap.h"

#define AT 0x40000000UL  // an RW anonymous mapping
extern struct aspace *host_proc[NPROC];
extern int host_killed[NPROC];

static struct vmstat
rstats(void)
{
  struct vmstat v;
  memset(&v, 0, sizeof(v));
  reclaim_stats(&v);
  return v;
}

static struct aspace *
clock_process(int slot, int npages, uint8 seed)
{
  struct aspace *as = as_process();
  CHECK(aspace_map(as, AT, AT + P(512), RW, RK_MMAP) == 0);
  for (int i = 0; i < npages; i++)
    user_fill(as, AT + P(i), seed + i);
  host_proc[slot] = as;
  return as;
}

static void
clock_done(void)
{
  for (int i = 0; i < NPROC; i++) {
    if (host_proc[i]) {
      aspace_put(host_proc[i]);
      host_proc[i] = 0;
    }
    host_killed[i] = 0;
  }
  fakedisk_reset(0);
  swap_table_init(0);
}

// Every page back (a read fault each) with its bytes.
static void
all_back(struct aspace *as, int npages, uint8 seed)
{
  for (int i = 0; i < npages; i++) {
    CHECK_EQ(vm_fault(as, AT + P(i) + 5, ACC_READ, 0, 0), FAULT_OK);
    CHECKF(page_is(page_at(as, AT + P(i)), seed + i), "page %d", i);
  }
}

void
test_clock_second_chance(void)
{
  fakedisk_reset(8 * 64);
  swap_init();
  struct aspace *as = clock_process(0, 8, 0x10);
  struct vmstat v0 = rstats();
  uint64 free0 = frames_free();
  // Every page was just touched: the first turn clears all eight accessed
  // bits, the second takes the first four in address order.
  CHECK_EQ(reclaim(4), 4);
  struct vmstat v1 = rstats();
  CHECK_EQ(v1.reclaim_anon - v0.reclaim_anon, 4);
  CHECK(v1.clock_young - v0.clock_young >= 8);
  CHECK_EQ(frames_free(), free0 + 4);
  CHECK_EQ(swap_used(), 4);
  for (int i = 0; i < 8; i++)
    CHECKF(aspace_on_swap(as, AT + P(i)) == (i < 4), "page %d", i);
  check_as(as);
  // The hand goes on at page 4; page 5 was used meanwhile: a second chance.
  fakepmap_touch(&as->pmap, AT + P(5));
  CHECK_EQ(reclaim(2), 2);
  CHECK(aspace_on_swap(as, AT + P(4)) && !aspace_on_swap(as, AT + P(5)) &&
        aspace_on_swap(as, AT + P(6)));
  CHECK(!aspace_on_swap(as, AT + P(7)));
  all_back(as, 8, 0x10);
  CHECK_EQ(swap_used(), 0);
  check_as(as);
  clock_done();
}

// A full swap stops page-outs: what fits goes, the rest stays mapped.
void
test_clock_swap_full(void)
{
  fakedisk_reset(8 * 3);
  swap_init();
  struct aspace *as = clock_process(0, 6, 0x20);
  CHECK_EQ(reclaim(6), 3);
  CHECK_EQ(swap_used(), 3);
  CHECK_EQ(as->pmap.swapped, 3);
  all_back(as, 6, 0x20);
  check_as(as);
  clock_done();
}

// The hand walks the process table in order: two address spaces, one
// after the other.
void
test_clock_two_spaces(void)
{
  fakedisk_reset(8 * 64);
  swap_init();
  struct aspace *a = clock_process(0, 4, 0x30);
  struct aspace *b = clock_process(3, 4, 0x40);
  // The first turn gives all eight a second chance, the second takes six:
  // the four of whichever space the hand reaches first, two of the other.
  CHECK_EQ(reclaim(6), 6);
  CHECK_EQ(a->pmap.swapped + b->pmap.swapped, 6);
  CHECK(a->pmap.swapped >= 2 && b->pmap.swapped >= 2);
  all_back(a, 4, 0x30);
  all_back(b, 4, 0x40);
  check_as(a);
  check_as(b);
  clock_done();
}

// A mapped page-cache page the clock finds unaccessed leaves the page
// table (the cache keeps it); a writable shared one passes its dirty
// claim to the object first. Anonymous neighbours go to swap.
void
test_clock_file_pages(void)
{
  fakedisk_reset(8 * 64);
  swap_init();
  struct aspace *as = clock_process(0, 0, 0);
  struct vmobj *o = fakeobj_new();
  vaddr_t f = 0x50000000UL;
  CHECK(aspace_map_obj(as, f, f + P(4), RW, RK_MMAP, REG_SHARED, o, 0, P(4)) == 0);
  CHECK_EQ(vm_fault(as, f, ACC_WRITE, 0, 0), FAULT_OK);        // writable: a dirty claim
  CHECK_EQ(vm_fault(as, f + P(1), ACC_READ, 0, 0), FAULT_OK);  // read-only
  paddr_t pa0 = pa_of(as, f), pa1 = pa_of(as, f + P(1));
  CHECK_EQ(fakeobj_dirty(o) & 1, 1);         // marked at the write fault already
  uint64 floor = reclaim_set_file_floor(0);  // two cached pages: far below the default
  struct vmstat v0 = rstats();
  CHECK_EQ(reclaim(2), 0);  // unmapped, not freed: the cache holds them
  struct vmstat v1 = rstats();
  CHECK_EQ(v1.reclaim_file - v0.reclaim_file, 2);
  CHECK(!mapping(as, f, 0, 0) && !mapping(as, f + P(1), 0, 0));
  CHECK(fakeobj_holds(pa0) && fakeobj_holds(pa1));
  CHECK_EQ(frame_refcount(pa0), 1);  // the cache's reference alone
  CHECK_EQ(fakeobj_dirty(o) & 1, 1);
  CHECK_EQ(swap_used(), 0);
  check_as(as);
  CHECK_EQ(vm_fault(as, f + P(1), ACC_READ, 0, 0), FAULT_OK);  // refaults from the cache
  CHECK_EQ(pa_of(as, f + P(1)), pa1);
  reclaim_set_file_floor(-1);
  CHECK_EQ(floor, reclaim_high());
  clock_done();
  fakeobj_release(o);
}

// The file floor: with the page cache down to it, the clock leaves mapped
// file pages where they are (the last of the running programs' working
// set: taking it would only trade an OOM kill for thrashing), and what the
// clock unmaps in one run counts against it before the cache frees them.
void
test_clock_file_floor(void)
{
  fakedisk_reset(0);
  swap_init();
  struct aspace *as = clock_process(0, 0, 0);
  struct vmobj *o = fakeobj_new();
  vaddr_t f = 0x50000000UL;
  CHECK(aspace_map_obj(as, f, f + P(6), RW, RK_MMAP, 0, o, 0, P(6)) == 0);
  for (int i = 0; i < 6; i++)
    CHECK_EQ(vm_fault(as, f + P(i), ACC_READ, 0, 0), FAULT_OK);
  CHECK_EQ(fakeobj_npages(), 6);
  uint64 floor = reclaim_set_file_floor(4);
  struct vmstat v0 = rstats();
  CHECK_EQ(v0.file_floor, 4);
  CHECK_EQ(reclaim(6), 0);  // unmapped, not freed (no cache clock here)
  struct vmstat v1 = rstats();
  CHECK_EQ(v1.reclaim_file - v0.reclaim_file, 2);  // 6 cached - 2 unmapped = the floor
  CHECK_EQ(v1.clock_floor - v0.clock_floor, 1);    // the rest stayed mapped
  int mapped = 0;
  for (int i = 0; i < 6; i++)
    mapped += mapping(as, f + P(i), 0, 0);
  CHECK_EQ(mapped, 4);
  // Floor 0: the clock may take every one (the second turn: accessed bits were cleared).
  reclaim_set_file_floor(0);
  CHECK_EQ(reclaim(6), 0);
  for (int i = 0; i < 6; i++)
    CHECKF(!mapping(as, f + P(i), 0, 0), "page %d still mapped", i);
  for (int i = 0; i < 6; i++)
    CHECK_EQ(vm_fault(as, f + P(i), ACC_READ, 0, 0), FAULT_OK);  // back from the cache
  check_as(as);
  reclaim_set_file_floor(-1);
  CHECK_EQ(reclaim_file_floor(), reclaim_high());
  CHECK_EQ(floor, reclaim_high());
  clock_done();
  fakeobj_release(o);
}

// Out of memory with nothing to reclaim (no swap): the largest address
// space is the one killed, whoever faulted.
void
test_clock_oom_picks_largest(void)
{
  clock_process(0, 4, 0x50);
  clock_process(1, 40, 0x60);
  struct aspace *small = clock_process(2, 2, 0x70);
  pool_drain(0);
  CHECK_EQ(vm_fault(small, AT + P(100), ACC_WRITE, 0, 0), FAULT_OOM);
  pool_release();
  CHECK(!host_killed[0] && host_killed[1] && !host_killed[2]);
  clock_done();
}

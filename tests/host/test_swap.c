// Tests of swap.c: the slot table (allocation until full, exact reference
// counts, freeing at zero, swap off, slot reuse order) and the device side
// over the fake disk (sizing from the disk, slot -> sector mapping, every
// byte of a page there and back, I/O errors counted and reported, the
// self-test catching a bad disk). Each test sets up its own table.
#include "types.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "sync/spinlock.h"
#include "arch/riscv/kmem.h"
#include <setjmp.h>

static struct vmstat
swapstat(void)
{
  struct vmstat st;
  memset(&st, 0, sizeof(st));
  swap_stats(&st);
  return st;
}

// Every slot 1..n has count refs[s-1].
static void
check_counts(uint32 n, const int *refs)
{
  uint32 used = 0;
  for (uint32 s = 1; s <= n; s++) {
    CHECKF(swap_refcount(s) == refs[s - 1], "slot %u has %d references, expected %d", s,
           swap_refcount(s), refs[s - 1]);
    used += refs[s - 1] > 0;
  }
  CHECK_EQ(swap_used(), used);
  CHECK_EQ(swapstat().swap_used, used);
}

void
test_swap_alloc_until_full(void)
{
  enum { N = 8 };
  int refs[N] = {0};
  swap_table_init(N);
  CHECK_EQ(swap_nslots(), N);
  CHECK_EQ(swapstat().swap_total, N);
  for (int i = 0; i < N; i++) {
    swapslot_t s = swap_alloc();
    CHECKF(s >= 1 && s <= N, "alloc %d gave slot %u", i, s);
    CHECKF(refs[s - 1] == 0, "slot %u handed out twice", s);
    refs[s - 1] = 1;
    check_counts(N, refs);
  }
  swap_ref(3);
  refs[2] = 2;
  CHECK_EQ(swap_alloc(), 0);  // full: nothing handed out, nothing changed
  CHECK_EQ(swap_alloc(), 0);
  check_counts(N, refs);
  for (int s = 1; s <= N; s++)
    while (refs[s - 1]-- > 0)
      swap_unref(s);
  CHECK_EQ(swap_used(), 0);
  swap_table_init(0);
}

void
test_swap_ref_unref_exact(void)
{
  swap_table_init(4);
  swapslot_t a = swap_alloc(), b = swap_alloc();
  CHECK(a != 0 && b != 0 && a != b);
  for (int i = 0; i < 5; i++)
    swap_ref(a);
  CHECK_EQ(swap_refcount(a), 6);
  CHECK_EQ(swap_refcount(b), 1);
  for (int i = 5; i > 0; i--) {
    swap_unref(a);
    CHECK_EQ(swap_refcount(a), i);
    CHECK_EQ(swap_used(), 2);  // still held
  }
  swap_unref(a);  // the last one: free again
  CHECK_EQ(swap_refcount(a), 0);
  CHECK_EQ(swap_used(), 1);
  CHECK_EQ(swap_alloc(), a);  // the lowest free slot comes back first
  CHECK_EQ(swap_refcount(a), 1);
  swap_unref(a);
  swap_unref(b);
  CHECK_EQ(swap_used(), 0);
  swap_table_init(0);
}

// References to a free slot, or past the table, are kernel bugs: asserts.
void
test_swap_misuse_asserts(void)
{
  swap_table_init(2);
  const char *why = 0;
  // Each call must panic (t_panic unwinds to the runner), so probe one at
  // a time through the unwinder: a sub-jump buffer per probe.
  extern jmp_buf unwind;
  jmp_buf saved;
  memcpy(saved, unwind, sizeof(saved));
  int panicked = 0;
  for (int k = 0; k < 4; k++) {
    if (setjmp(unwind) == 0) {
      switch (k) {
      case 0: swap_unref(1); break;     // free slot
      case 1: swap_ref(2); break;       // free slot
      case 2: swap_refcount(3); break;  // past the table
      case 3: swap_refcount(0); break;  // slot 0 means none
      }
      why = "no panic";
    } else {
      stubs_reset();
      panicked++;
    }
  }
  memcpy(unwind, saved, sizeof(saved));
  CHECKF(panicked == 4, "%d of 4 misuses panicked (%s)", panicked, why ? why : "");
  CHECK_EQ(swap_used(), 0);
  swap_table_init(0);
}

void
test_swap_off_refuses(void)
{
  swap_table_init(4);
  CHECK_EQ(swapstat().swap_on, 1);
  swapslot_t a = swap_alloc();
  CHECK(a != 0);
  CHECK_EQ(swap_set(0), 1);
  CHECK_EQ(swap_set(-1), 0);  // reads only
  CHECK_EQ(swapstat().swap_on, 0);
  CHECK_EQ(swap_alloc(), 0);
  CHECK_EQ(swap_used(), 1);
  swap_ref(a);  // pages already out keep working
  swap_unref(a);
  CHECK_EQ(swap_refcount(a), 1);
  CHECK_EQ(swap_set(1), 0);
  swapslot_t b = swap_alloc();
  CHECK(b != 0 && b != a);
  swap_unref(a);
  swap_unref(b);
  // No slots at all (no swap disk): swap stays off whatever is asked.
  swap_table_init(0);
  CHECK_EQ(swap_set(-1), 0);
  CHECK_EQ(swap_set(1), 0);
  CHECK_EQ(swap_set(-1), 0);
  CHECK_EQ(swap_alloc(), 0);
  CHECK_EQ(swapstat().swap_total, 0);
}

// Freed slots are reused lowest first (page-outs stay packed); otherwise
// allocation moves on from the last slot handed out.
void
test_swap_hint_reuse(void)
{
  swap_table_init(16);
  for (swapslot_t s = 1; s <= 5; s++)
    CHECK_EQ(swap_alloc(), s);
  swap_unref(2);
  CHECK_EQ(swap_alloc(), 2);
  swap_unref(4);
  swap_unref(3);
  CHECK_EQ(swap_alloc(), 3);
  CHECK_EQ(swap_alloc(), 4);
  CHECK_EQ(swap_alloc(), 6);
  // wrap-around: fill to the end, free one near the start
  for (swapslot_t s = 7; s <= 16; s++)
    CHECK_EQ(swap_alloc(), s);
  CHECK_EQ(swap_alloc(), 0);
  swap_unref(1);
  CHECK_EQ(swap_alloc(), 1);
  for (swapslot_t s = 1; s <= 16; s++)
    swap_unref(s);
  CHECK_EQ(swap_used(), 0);
  swap_table_init(0);
}

// swap_init sizes the table from the disk: a slot per whole page, capped.
void
test_swap_init_sizes_from_disk(void)
{
  uint64 sizes[][2] = {
      {0, 0}, {7, 0}, {8, 1}, {8 * 100 + 7, 100}, {8 * SWAP_MAXSLOTS + 8000, SWAP_MAXSLOTS}};
  for (uint i = 0; i < NELEM(sizes); i++) {
    fakedisk_reset(sizes[i][0]);
    swap_init();
    CHECKF(swap_nslots() == sizes[i][1], "%lu sectors gave %u slots, expected %lu", sizes[i][0],
           swap_nslots(), sizes[i][1]);
    struct vmstat st = swapstat();
    CHECK_EQ(st.swap_total, sizes[i][1]);
    CHECK_EQ(st.swap_on, sizes[i][1] > 0);
    CHECK_EQ(st.swap_used, 0);
  }
  fakedisk_reset(0);
  swap_table_init(0);
}

static void
fill(paddr_t pa, uint8 seed)
{
  uint8 *p = P2V(pa);
  for (int i = 0; i < PGSIZE; i++)
    p[i] = (uint8)(seed + i * 7 + (i >> 8));
}

static int
same(paddr_t pa, uint8 seed)
{
  uint8 *p = P2V(pa);
  for (int i = 0; i < PGSIZE; i++)
    if (p[i] != (uint8)(seed + i * 7 + (i >> 8)))
      return 0;
  return 1;
}

// Pages go to the sectors of their slot and come back whole; counters
// count them; no slot or frame is taken by I/O.
void
test_swap_io_roundtrip(void)
{
  enum { N = 6 };
  fakedisk_reset(8 * N);
  swap_init();
  struct vmstat st0 = swapstat();
  paddr_t src = frame_alloc(), dst = frame_alloc();
  CHECK(src && dst);
  swapslot_t slot[N];
  for (int i = 0; i < N; i++) {
    slot[i] = swap_alloc();
    fill(src, (uint8)(i * 31 + 1));
    CHECK_EQ(swap_write(slot[i], src), 0);
    uint8 *stored = fakedisk_page((uint64)(slot[i] - 1) * 8);
    CHECKF(stored && memcmp(stored, P2V(src), PGSIZE) == 0, "slot %u not at sector %u", slot[i],
           (slot[i] - 1) * 8);
  }
  for (int i = N - 1; i >= 0; i--) {
    memset(P2V(dst), 0x5a, PGSIZE);
    CHECK_EQ(swap_read(slot[i], dst), 0);
    CHECKF(same(dst, (uint8)(i * 31 + 1)), "slot %u came back different", slot[i]);
  }
  // rewriting a slot replaces its page
  fill(src, 200);
  CHECK_EQ(swap_write(slot[2], src), 0);
  CHECK_EQ(swap_read(slot[2], dst), 0);
  CHECK(same(dst, 200));
  struct vmstat st = swapstat();
  CHECK_EQ(st.swap_outs - st0.swap_outs, N + 1);
  CHECK_EQ(st.swap_ins - st0.swap_ins, N + 1);
  CHECK_EQ(st.swap_errors, st0.swap_errors);
  CHECK_EQ(st.swap_used, N);
  CHECK_EQ(fakedisk_writes(), N + 1);
  for (int i = 0; i < N; i++)
    swap_unref(slot[i]);
  frame_unref(src);
  frame_unref(dst);
  fakedisk_reset(0);
  swap_table_init(0);
}

// An I/O error is -1 to the caller and counted; the slot stays the caller's.
void
test_swap_io_error(void)
{
  fakedisk_reset(8 * 4);
  swap_init();
  struct vmstat st0 = swapstat();
  paddr_t pa = frame_alloc();
  swapslot_t s = swap_alloc();
  fill(pa, 9);
  fakedisk_fail(1);
  CHECK_EQ(swap_write(s, pa), -1);
  CHECK_EQ(swap_write(s, pa), 0);
  fakedisk_fail(1);
  CHECK_EQ(swap_read(s, pa), -1);
  struct vmstat st = swapstat();
  CHECK_EQ(st.swap_errors - st0.swap_errors, 2);
  CHECK_EQ(st.swap_outs - st0.swap_outs, 1);
  CHECK_EQ(st.swap_ins - st0.swap_ins, 0);
  CHECK_EQ(swap_refcount(s), 1);
  swap_unref(s);
  frame_unref(pa);
  fakedisk_reset(0);
  swap_table_init(0);
}

// The batch calls: every page to its own slot and back, in batches of at
// most SWAP_BATCH; a failure marks exactly the pages it hit.
void
test_swap_io_many(void)
{
  enum { N = 2 * SWAP_BATCH + 3 };
  fakedisk_reset(8 * N);
  swap_init();
  struct vmstat st0 = swapstat();
  swapslot_t slot[N];
  paddr_t pa[N];
  int ok[N];
  for (int i = 0; i < N; i++) {
    slot[i] = swap_alloc();
    pa[i] = frame_alloc();
    CHECK(slot[i] && pa[i]);
    fill(pa[i], (uint8)(i * 13 + 5));
  }
  CHECK_EQ(swap_write_many(N, slot, pa, ok), 0);
  CHECK_EQ(fakedisk_batches(), 3);  // 16 + 16 + 3
  for (int i = 0; i < N; i++) {
    CHECK_EQ(ok[i], 0);
    uint8 *stored = fakedisk_page((uint64)(slot[i] - 1) * 8);
    CHECKF(stored && memcmp(stored, P2V(pa[i]), PGSIZE) == 0, "page %d not in slot %u", i, slot[i]);
    memset(P2V(pa[i]), 0, PGSIZE);
  }
  // read back in another order: slot[i] into pa[N-1-i]
  swapslot_t rev[N];
  for (int i = 0; i < N; i++)
    rev[i] = slot[N - 1 - i];
  CHECK_EQ(swap_read_many(N, rev, pa, ok), 0);
  for (int i = 0; i < N; i++)
    CHECKF(ok[i] == 0 && same(pa[i], (uint8)((N - 1 - i) * 13 + 5)), "page %d came back wrong", i);
  fakedisk_fail(2);  // the first two requests of the next batch fail
  CHECK_EQ(swap_read_many(4, slot, pa, ok), 2);
  CHECK(ok[0] == -1 && ok[1] == -1 && ok[2] == 0 && ok[3] == 0);
  CHECK(same(pa[2], 2 * 13 + 5) && same(pa[3], 3 * 13 + 5));
  struct vmstat st = swapstat();
  CHECK_EQ(st.swap_outs - st0.swap_outs, N);
  CHECK_EQ(st.swap_ins - st0.swap_ins, N + 2);
  CHECK_EQ(st.swap_errors - st0.swap_errors, 2);
  CHECK_EQ(swap_write_many(0, slot, pa, ok), 0);
  for (int i = 0; i < N; i++) {
    swap_unref(slot[i]);
    frame_unref(pa[i]);
  }
  fakedisk_reset(0);
  swap_table_init(0);
}

// I/O on a slot nobody holds is a kernel bug: asserts.
void
test_swap_io_free_slot_asserts(void)
{
  fakedisk_reset(8 * 4);
  swap_init();
  paddr_t pa = frame_alloc();
  extern jmp_buf unwind;
  jmp_buf saved;
  memcpy(saved, unwind, sizeof(saved));
  int panicked = 0;
  for (int k = 0; k < 2; k++) {
    if (setjmp(unwind) == 0) {
      if (k == 0)
        swap_write(2, pa);
      else
        swap_read(2, pa);
    } else {
      stubs_reset();
      panicked++;
    }
  }
  memcpy(unwind, saved, sizeof(saved));
  frame_unref(pa);
  CHECK_EQ(panicked, 2);
  CHECK_EQ(fakedisk_writes() + fakedisk_reads(), 0);
  fakedisk_reset(0);
  swap_table_init(0);
}

// The self-test passes on a good disk and returns every slot and frame;
// it fails (cleanly) on a disk that errs, corrupts a byte, or is full.
void
test_swap_selftest(void)
{
  fakedisk_reset(8 * 64);
  swap_init();
  uint64 free0 = frames_free();
  CHECK_EQ(swap_selftest(1), 0);
  CHECK_EQ(swap_selftest(64), 0);
  CHECK_EQ(fakedisk_writes(), 65);
  CHECK_EQ(fakedisk_reads(), 65);
  CHECK_EQ(fakedisk_batches(), 0);
  CHECK_EQ(swap_selftest(-64), 0);  // batched
  CHECK_EQ(fakedisk_batches(), 8);  // 4 batches of 16 out, 4 in
  CHECK_EQ(swap_selftest(-1), 0);
  CHECK_EQ(swap_selftest(-65), -1);
  CHECK_EQ(swap_selftest((int)0x80000000), -1);
  fakedisk_corrupt(1);
  CHECK_EQ(swap_selftest(-10), -1);
  fakedisk_fail(1);
  CHECK_EQ(swap_selftest(-10), -1);
  CHECK_EQ(swap_selftest(65), -1);  // more than there are
  CHECK_EQ(swap_selftest(0), -1);
  CHECK_EQ(swap_selftest(SWAP_TEST_MAX + 1), -1);
  fakedisk_corrupt(1);
  CHECK_EQ(swap_selftest(10), -1);
  fakedisk_fail(1);
  CHECK_EQ(swap_selftest(10), -1);
  swap_set(0);
  CHECK_EQ(swap_selftest(1), -1);
  swap_set(1);
  CHECK_EQ(swap_used(), 0);
  CHECK_EQ(frames_free(), free0);
  fakedisk_reset(0);
  swap_init();
  CHECK_EQ(swap_selftest(1), -1);  // no swap disk
  CHECK_EQ(frames_free(), free0);
  swap_table_init(0);
}

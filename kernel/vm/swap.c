// Swap slots: page-sized places on the swap disk where anonymous pages go
// when memory runs short. A slot has a reference count like a frame: one
// per leaf table whose PTE holds the slot as a swap entry (a leaf table
// shared since fork counts once, as for frames). The count reaching zero
// frees the slot. Counts are exact and visible (vmstat swap_used), so tests
// audit slots the way they audit frames.
//
// Slot s lives on the swap disk (virtio disk 1) at sectors (s-1)*8 ..
// (s-1)*8+7, moved a whole page per request. What goes into a slot, and
// when, is the pageout and fault paths' business, not this file's.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "vmstat.h"
#include "sync/spinlock.h"
#include "vm/vm.h"
#include "dev/dev.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/kmem.h"
#include "lib/klib.h"

#define SECTORS_PER_SLOT (PGSIZE / 512)

// A slot is referenced at most once per leaf table covering its address,
// and at most one table per process covers an address: NPROC bounds a count.
_Static_assert(NPROC < 255, "slot counts are bytes");

// Lock key: s = sw.lock.
static struct {
  struct spinlock lock;
  uint8 refs[SWAP_MAXSLOTS];  // s: references of slot i+1
  uint32 nslots;              // slots the device has (fixed after swap_init)
  uint32 used;                // s: slots with a reference
  uint32 hint;                // s: where the next search starts
  int on;                     // s: 0: no new slots (vmctl swap off)
} sw;

// Counters since boot (atomic, no lock): pages moved, time spent moving
// them (time-CSR ticks, successful and failed requests alike), errors.
static struct {
  uint64 ins, outs;
  uint64 in_ticks, out_ticks;
  uint64 errors;
} cnt;

// The slot table for n slots (n capped at SWAP_MAXSLOTS), all free. Boot,
// once (host tests call it again to start over).
void
swap_table_init(uint32 n)
{
  initlock(&sw.lock, "swap");
  memset(sw.refs, 0, sizeof(sw.refs));
  sw.used = 0;
  sw.hint = 0;
  sw.nslots = MIN(n, (uint32)SWAP_MAXSLOTS);
  sw.on = sw.nslots > 0;
}

// The slot table sized from the swap disk: a slot per whole page of it,
// at most SWAP_MAXSLOTS; no slots (swap off for good) if there is no swap
// disk. Boot, once, after virtio_disk_init.
void
swap_init(void)
{
  uint64 slots = virtio_disk_capacity(SWAP_DISK) / SECTORS_PER_SLOT;
  swap_table_init((uint32)MIN(slots, (uint64)SWAP_MAXSLOTS));
  if (sw.nslots > 0)
    printf("swap: %u slots (%lu KiB)\n", sw.nslots, ((uint64)sw.nslots * PGSIZE) >> 10);
}

uint32
swap_nslots(void)
{
  return sw.nslots;
}

swapslot_t
swap_alloc(void)
{
  swapslot_t s = 0;
  acquire(&sw.lock);
  if (sw.on && sw.used < sw.nslots) {
    for (uint32 k = 0; k < sw.nslots; k++) {
      uint32 i = (sw.hint + k) % sw.nslots;
      if (sw.refs[i] == 0) {
        sw.refs[i] = 1;
        sw.used++;
        sw.hint = i + 1;
        s = i + 1;
        break;
      }
    }
  }
  release(&sw.lock);
  return s;
}

static uint8 *
refs_of(swapslot_t s)
{
  assert(s >= 1 && s <= sw.nslots);
  return &sw.refs[s - 1];
}

void
swap_ref(swapslot_t s)
{
  acquire(&sw.lock);
  uint8 *r = refs_of(s);
  assert(*r > 0 && *r < 255);
  (*r)++;
  release(&sw.lock);
}

void
swap_unref(swapslot_t s)
{
  acquire(&sw.lock);
  uint8 *r = refs_of(s);
  assert(*r > 0);
  if (--*r == 0) {
    sw.used--;
    if (s - 1 < sw.hint)
      sw.hint = s - 1;  // keep slots packed low: page-outs stay near each other
  }
  release(&sw.lock);
}

int
swap_refcount(swapslot_t s)
{
  acquire(&sw.lock);
  int n = *refs_of(s);
  release(&sw.lock);
  return n;
}

// vmctl(VMCTL_SWAP): off stops new page-outs (pages already out stay and
// come back in on their faults); on < 0 only reads. With no swap disk swap
// stays off. Returns the old value.
int
swap_set(int on)
{
  acquire(&sw.lock);
  int old = sw.on;
  if (on >= 0)
    sw.on = on && sw.nslots > 0;
  release(&sw.lock);
  return old;
}

uint32
swap_used(void)
{
  return __atomic_load_n(&sw.used, __ATOMIC_RELAXED);
}

// Slot s must exist and be held by the caller: moving a page to or from
// a free slot is a kernel bug.
static void
assert_held(swapslot_t s)
{
  acquire(&sw.lock);
  assert(*refs_of(s) > 0);
  release(&sw.lock);
}

// One page between frame pa and slot s; counts it. No spinlock; sleeps.
static int
swap_io(swapslot_t s, paddr_t pa, int write)
{
  assert_held(s);
  uint64 t0 = r_time();
  int r = virtio_disk_page(SWAP_DISK, (uint64)(s - 1) * SECTORS_PER_SLOT, pa, write);
  uint64 dt = r_time() - t0;
  __atomic_fetch_add(write ? &cnt.out_ticks : &cnt.in_ticks, dt, __ATOMIC_RELAXED);
  if (r < 0)
    __atomic_fetch_add(&cnt.errors, 1, __ATOMIC_RELAXED);
  else
    __atomic_fetch_add(write ? &cnt.outs : &cnt.ins, 1, __ATOMIC_RELAXED);
  return r;
}

// Write frame pa (its whole page) to slot s. 0, or -1 on an I/O error
// (the slot's old contents are then undefined). The caller holds a
// reference to s and no spinlock; sleeps.
int
swap_write(swapslot_t s, paddr_t pa)
{
  return swap_io(s, pa, 1);
}

// Read slot s into frame pa (every byte of the page). 0, or -1 on an I/O
// error (pa's contents undefined). Same rules as swap_write.
int
swap_read(swapslot_t s, paddr_t pa)
{
  return swap_io(s, pa, 0);
}

// n pages between frames pa[i] and slots s[i] with the requests in flight
// together (one device round trip for up to 10 pages instead of one each).
// ok[i] = 0 / -1 per page; returns how many failed. Same rules as
// swap_write: references to every s[i] held, no spinlock; sleeps.
static int
swap_io_many(int n, const swapslot_t *s, const paddr_t *pa, int write, int *ok)
{
  uint64 sector[SWAP_BATCH];
  int failed = 0;
  for (int base = 0; base < n; base += SWAP_BATCH) {
    int k = MIN(n - base, SWAP_BATCH);
    for (int i = 0; i < k; i++) {
      assert_held(s[base + i]);
      sector[i] = (uint64)(s[base + i] - 1) * SECTORS_PER_SLOT;
    }
    uint64 t0 = r_time();
    int f = virtio_disk_pages(SWAP_DISK, k, sector, pa + base, write, ok + base);
    uint64 dt = r_time() - t0;
    __atomic_fetch_add(write ? &cnt.out_ticks : &cnt.in_ticks, dt, __ATOMIC_RELAXED);
    __atomic_fetch_add(&cnt.errors, f, __ATOMIC_RELAXED);
    __atomic_fetch_add(write ? &cnt.outs : &cnt.ins, k - f, __ATOMIC_RELAXED);
    failed += f;
  }
  return failed;
}

int
swap_write_many(int n, const swapslot_t *s, const paddr_t *pa, int *ok)
{
  return swap_io_many(n, s, pa, 1, ok);
}

int
swap_read_many(int n, const swapslot_t *s, const paddr_t *pa, int *ok)
{
  return swap_io_many(n, s, pa, 0, ok);
}

static uint64
ticks_to_ns(uint64 t)
{
  return t * (1000000000UL / TIMEBASE_HZ);
}

// Fills the swap_* fields of st.
void
swap_stats(struct vmstat *st)
{
  acquire(&sw.lock);
  st->swap_total = sw.nslots;
  st->swap_used = sw.used;
  st->swap_on = sw.on;
  release(&sw.lock);
  st->swap_ins = __atomic_load_n(&cnt.ins, __ATOMIC_RELAXED);
  st->swap_outs = __atomic_load_n(&cnt.outs, __ATOMIC_RELAXED);
  st->swap_in_ns = ticks_to_ns(__atomic_load_n(&cnt.in_ticks, __ATOMIC_RELAXED));
  st->swap_out_ns = ticks_to_ns(__atomic_load_n(&cnt.out_ticks, __ATOMIC_RELAXED));
  st->swap_errors = __atomic_load_n(&cnt.errors, __ATOMIC_RELAXED);
}

// ---- the device self-test (vmctl VMCTL_SWAPTEST) ----

// The word at index w of the self-test's page for slot s in run seed:
// differs between slots, runs and words, so a dropped write, a wrong
// sector or a stale page from an earlier run never matches.
static uint64
selftest_word(uint64 seed, swapslot_t s, uint64 w)
{
  uint64 x = seed ^ ((uint64)s << 32) ^ (w * 0x9e3779b97f4a7c15UL);
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9UL;
  x ^= x >> 29;
  return x;
}

// Fill frame pa with the self-test's page for slot s in run seed.
static void
selftest_fill(paddr_t pa, uint64 seed, swapslot_t s)
{
  uint64 *p = P2V(pa);
  for (uint64 w = 0; w < PGSIZE / sizeof(uint64); w++)
    p[w] = selftest_word(seed, s, w);
}

// Frame pa holds the page for slot s: 0, or -1 (and a console line).
static int
selftest_check(paddr_t pa, uint64 seed, swapslot_t s)
{
  uint64 *p = P2V(pa);
  for (uint64 w = 0; w < PGSIZE / sizeof(uint64); w++)
    if (p[w] != selftest_word(seed, s, w)) {
      printf("swap self-test: slot %u word %lu differs\n", s, w);
      return -1;
    }
  return 0;
}

// Whatever a read leaves out shows: the complement of the expected page.
static void
selftest_poison(paddr_t pa, uint64 seed, swapslot_t s)
{
  uint64 *p = P2V(pa);
  for (uint64 w = 0; w < PGSIZE / sizeof(uint64); w++)
    p[w] = ~selftest_word(seed, s, w);
}

// Write pages slot[0..n) then read them back in the opposite order and
// compare every byte, one swap_write/swap_read per page through frame
// f[0] and f[1]; or (batch) SWAP_BATCH pages at a time with
// swap_write_many/swap_read_many through f[0..SWAP_BATCH). 0 if all
// match; -1 on an I/O error or a mismatch.
static int
selftest_run(swapslot_t *slot, int n, uint64 seed, paddr_t *f, int batch)
{
  int ok[SWAP_BATCH];
  for (int i = 0; i < n;) {
    int k = batch ? MIN(n - i, SWAP_BATCH) : 1;
    for (int j = 0; j < k; j++)
      selftest_fill(f[j], seed, slot[i + j]);
    if (batch ? swap_write_many(k, slot + i, f, ok) != 0 : swap_write(slot[i], f[0]) < 0)
      return -1;
    i += k;
  }
  for (int i = n; i > 0;) {
    int k = batch ? MIN(i, SWAP_BATCH) : 1;
    i -= k;
    paddr_t *into = batch ? f : f + 1;
    for (int j = 0; j < k; j++)
      selftest_poison(into[j], seed, slot[i + j]);
    if (batch ? swap_read_many(k, slot + i, into, ok) != 0 : swap_read(slot[i], into[0]) < 0)
      return -1;
    for (int j = 0; j < k; j++)
      if (selftest_check(into[j], seed, slot[i + j]) < 0)
        return -1;
  }
  return 0;
}

// A self-test of the swap device for tests and teaching, like
// VMCTL_FS_CRASH: take n fresh slots (1 <= |n| <= SWAP_TEST_MAX), write a
// distinct page to each, read each back and compare every byte, then give
// the slots and frames used back. n > 0 moves one page per call
// (swap_write/swap_read), n < 0 |n| pages SWAP_BATCH at a time
// (swap_write_many/swap_read_many). 0 if every page came back; -1 if n is
// out of range, swap is off or absent, slots or frames ran out, or a page
// did not come back. Sleeps.
int
swap_selftest(int n)
{
  static uint64 runs;
  int batch = n < 0;
  if (batch)
    n = n == (int)0x80000000 ? 0 : -n;
  if (n < 1 || n > SWAP_TEST_MAX)
    return -1;
  swapslot_t *slot = kalloc();
  paddr_t f[SWAP_BATCH];
  int nf = batch ? SWAP_BATCH : 2, got = 0, r = -1, have = 0;
  while (have < nf && (f[have] = frame_alloc()) != 0)
    have++;
  if (slot && have == nf) {
    while (got < n && (slot[got] = swap_alloc()) != 0)
      got++;
    if (got == n) {
      uint64 seed = r_time() ^ (__atomic_add_fetch(&runs, 1, __ATOMIC_RELAXED) << 48);
      r = selftest_run(slot, n, seed, f, batch);
    }
  }
  while (got > 0)
    swap_unref(slot[--got]);
  while (have > 0)
    frame_unref(f[--have]);
  if (slot)
    kfree(slot);
  return r;
}

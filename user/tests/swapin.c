// Pages on swap and back: madvise(MADV_PAGEOUT) puts a process's private
// anonymous pages on the swap disk deterministically (no memory pressure
// needed), and the next touch reads each back. Every byte is checked after
// every trip; slots and frames are counted before and after (the harness
// also checks swap_used after each test). What is not eligible (the zero
// page, pages still shared since fork) stays put. Fork of a mostly-swapped
// process shares the slots, and both sides see their own bytes. munmap,
// sbrk shrink and exit give every slot back. Bad madvise calls get -1 and
// change nothing. With no swap disk, madvise refuses and the rest is
// skipped (make test runs these with swap).
#include "harness.h"

static int
have_swap(void)
{
  struct vmstat vs;
  xvmstat(&vs);
  if (vs.swap_total == 0 || !vs.swap_on) {
    printf("  (no swap disk or swap off: skipped)\n");
    return 0;
  }
  return 1;
}

// n fresh heap pages, page-aligned, each written with its own pattern.
static char *
heap_pages(int n, uint64 seed)
{
  char *p = sbrk(n * PGSIZE + PGSIZE);
  CHECK(p != (char *)-1, "sbrk %d pages", n);
  p = (char *)PGROUNDUP((uint64)p);
  pages_fill(p, n, seed);
  return p;
}

static char *
anon_map(uint64 len)
{
  char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED, "mmap %d bytes", (int)len);
  return p;
}

static uint64
swap_used(void)
{
  struct vmstat vs;
  xvmstat(&vs);
  return vs.swap_used;
}

static uint64
my_swapped(void)
{
  struct procstat ps;
  xprocstat(&ps);
  return ps.swapped;
}

static uint64
my_resident(void)
{
  struct procstat ps;
  xprocstat(&ps);
  return ps.resident;
}

// madvise(MADV_PAGEOUT) of n pages at p, which must all go.
static void
page_out(char *p, int n)
{
  int got = madvise(p, (uint64)n * PGSIZE, MADV_PAGEOUT);
  CHECK(got == n, "madvise paged out %d of %d pages", got, n);
}

// N heap pages with distinct patterns go out and come back byte for byte.
TEST(swap_pageout_readback)
{
  if (!have_swap())
    return;
  int n = 64;
  char *p = heap_pages(n, 11);
  struct vmstat v0, v1, v2;
  struct procstat p0, p1, p2;
  xvmstat(&v0);
  xprocstat(&p0);
  page_out(p, n);
  xvmstat(&v1);
  xprocstat(&p1);
  CHECK(v1.swap_used == v0.swap_used + n, "swap_used %d -> %d", (int)v0.swap_used,
        (int)v1.swap_used);
  CHECK(v1.swap_outs == v0.swap_outs + n, "swap_outs grew by %d",
        (int)(v1.swap_outs - v0.swap_outs));
  CHECK(p1.swapped == p0.swapped + n, "procstat swapped %d -> %d", (int)p0.swapped,
        (int)p1.swapped);
  CHECK(p1.resident == p0.resident - n, "resident %d -> %d", (int)p0.resident, (int)p1.resident);
  CHECK(v1.frames_free >= v0.frames_free + n - 4, "frames_free %d -> %d: frames not freed",
        (int)v0.frames_free, (int)v1.frames_free);
  // the pages are not here any more: a second madvise finds nothing to do
  CHECK(madvise(p, (uint64)n * PGSIZE, MADV_PAGEOUT) == 0, "second madvise paged out pages");
  CHECK(pages_check(p, n, 11) == 0, "pages came back wrong");
  xvmstat(&v2);
  xprocstat(&p2);
  CHECK(v2.swap_used == v0.swap_used, "swap_used %d after swap-in, %d before", (int)v2.swap_used,
        (int)v0.swap_used);
  CHECK(v2.swap_ins == v1.swap_ins + n, "swap_ins grew by %d", (int)(v2.swap_ins - v1.swap_ins));
  CHECK(p2.faults[FK_SWAP_IN] == p1.faults[FK_SWAP_IN] + n, "%d FK_SWAP_IN faults for %d pages",
        (int)(p2.faults[FK_SWAP_IN] - p1.faults[FK_SWAP_IN]), n);
  CHECK(p2.swapped == p0.swapped && p2.resident == p0.resident, "swapped %d resident %d after",
        (int)p2.swapped, (int)p2.resident);
}

// A page read back is an ordinary private page: writes go to it, its
// neighbours on swap are untouched, and it can go out again.
TEST(swap_write_after_swapin)
{
  if (!have_swap())
    return;
  int n = 8;
  char *p = heap_pages(n, 21);
  page_out(p, n);
  // a write is the first touch of page 3: swap-in, then the store
  p[3 * PGSIZE + 100] = 0x5a;
  CHECK(my_swapped() == (uint64)n - 1, "swapped %d after one touch", (int)my_swapped());
  pages_fill(p + 3 * PGSIZE, 1, 22);
  CHECK(pages_check(p + 3 * PGSIZE, 1, 22) == 0, "rewritten page");
  page_out(p + 3 * PGSIZE, 1);
  CHECK(pages_check(p + 3 * PGSIZE, 1, 22) == 0, "rewritten page after a second trip");
  CHECK(pages_check(p, 3, 21) == 0 && pages_check(p + 4 * PGSIZE, n - 4, 21) == 0,
        "neighbours changed");
  pages_fill(p, n, 23);  // every page writable again
  CHECK(pages_check(p, n, 23) == 0, "pages after rewrite");
  CHECK(my_swapped() == 0, "swapped %d at the end", (int)my_swapped());
}

// The zero page is never written out (reads of untouched memory map it);
// a page whose frame fork shares is not ours to write out; after the COW
// break it is.
TEST(swap_zero_and_cow_pages_stay)
{
  if (!have_swap())
    return;
  int n = 16, fds[2];
  char *z = sbrk(n * PGSIZE + PGSIZE);
  CHECK(z != (char *)-1, "sbrk");
  z = (char *)PGROUNDUP((uint64)z);
  for (int i = 0; i < n; i++)
    CHECK(z[i * PGSIZE] == 0, "untouched heap not zero");  // zero-page mappings
  uint64 u0 = swap_used();
  CHECK(madvise(z, (uint64)n * PGSIZE, MADV_PAGEOUT) == 0, "zero-page mappings paged out");
  CHECK(swap_used() == u0, "swap_used moved");
  CHECK(pages_nonzero(z, n) == 0, "zero pages not zero");
  char *p = heap_pages(n, 31);
  CHECK(pipe(fds) == 0, "pipe");
  int pid = xfork();
  if (pid == 0) {
    char c;
    read(fds[0], &c, 1);  // hold the shared frames until the parent is done
    CHECK(pages_check(p, n, 31) == 0, "child's view changed");
    exit(0);
  }
  CHECK(madvise(p, (uint64)n * PGSIZE, MADV_PAGEOUT) == 0, "pages shared with a child paged out");
  CHECK(swap_used() == u0, "swap_used moved");
  pages_fill(p, n / 2, 32);  // COW break: the first half is ours alone now
  CHECK(madvise(p, (uint64)n * PGSIZE, MADV_PAGEOUT) == n / 2, "private copies not paged out");
  CHECK(write(fds[1], "x", 1) == 1, "signal");
  CHECK(xwait(0) == 0, "child failed");
  CHECK(pages_check(p, n / 2, 32) == 0, "parent's copies after swap-in");
  CHECK(pages_check(p + (n / 2) * PGSIZE, n / 2, 31) == 0, "parent's shared half");
  close(fds[0]);
  close(fds[1]);
}

// fork of a process whose pages are mostly on swap: the child shares the
// slots (no new slot, no read), both sides read their bytes back, write
// different patterns and see only their own. Run under both fork policies;
// the 4 MiB mapping has whole leaf tables (shared whole by fork) and the
// heap a partial one (copied per entry).
static void
fork_mostly_swapped(uint64 seed)
{
  int n = 1024, h = 32;
  char *m = anon_map((uint64)n * PGSIZE);
  char *p = heap_pages(h, seed + 1);
  pages_fill(m, n, seed);
  page_out(m, n - 8);  // mostly: the last 8 pages stay resident
  page_out(p, h);
  uint64 u0 = swap_used();
  struct vmstat v0, v1;
  xvmstat(&v0);
  int pid = xfork();
  if (pid == 0) {
    CHECK(swap_used() == u0, "fork took slots: %d -> %d", (int)u0, (int)swap_used());
    CHECK(my_swapped() == (uint64)(n - 8 + h), "child swapped %d", (int)my_swapped());
    CHECK(pages_check(m, n, seed) == 0, "child reads the mapping back wrong");
    CHECK(pages_check(p, h, seed + 1) == 0, "child reads the heap back wrong");
    pages_fill(m, n, seed + 2);
    pages_fill(p, h, seed + 3);
    CHECK(pages_check(m, n, seed + 2) == 0 && pages_check(p, h, seed + 3) == 0, "child's writes");
    exit(0);
  }
  CHECK(xwait(0) == 0, "child failed");
  xvmstat(&v1);
  CHECK(v1.swap_used == u0, "child exit left swap_used %d (was %d)", (int)v1.swap_used, (int)u0);
  CHECK(pages_check(m, n, seed) == 0, "parent's mapping after the child wrote");
  CHECK(pages_check(p, h, seed + 1) == 0, "parent's heap after the child wrote");
  pages_fill(m, n, seed + 4);
  CHECK(pages_check(m, n, seed + 4) == 0, "parent's writes");
  CHECK(swap_used() == u0 - (n - 8 + h), "slots not freed after swap-in: %d", (int)swap_used());
  CHECK(munmap(m, (uint64)n * PGSIZE) == 0, "munmap");
}

TEST(swap_fork_mostly_swapped)
{
  if (!have_swap())
    return;
  fork_mostly_swapped(41);
}

TEST(swap_fork_copy_mostly_swapped)
{
  if (!have_swap())
    return;
  int old = vmctl(VMCTL_FORK_COPY, 1);
  fork_mostly_swapped(51);
  vmctl(VMCTL_FORK_COPY, old);
}

// Both sides of a fork touch pages whose slot they share while the other
// still holds it; then the one that did not touch them reads them.
TEST(swap_shared_slots_after_fork)
{
  if (!have_swap())
    return;
  int n = 600, fds[2], back[2];
  char *m = anon_map((uint64)n * PGSIZE);
  pages_fill(m, n, 61);
  page_out(m, n);
  uint64 u0 = swap_used();
  CHECK(pipe(fds) == 0 && pipe(back) == 0, "pipe");
  int pid = xfork();
  if (pid == 0) {
    char c;
    CHECK(pages_check(m, n / 2, 61) == 0, "child's first half");
    CHECK(write(back[1], "c", 1) == 1, "signal");
    read(fds[0], &c, 1);
    CHECK(pages_check(m + (n / 2) * PGSIZE, n / 2, 61) == 0, "child's second half");
    exit(0);
  }
  char c;
  read(back[0], &c, 1);
  CHECK(swap_used() == u0, "slots freed while the parent still holds them");
  CHECK(pages_check(m, n, 61) == 0, "parent's pages");
  CHECK(write(fds[1], "p", 1) == 1, "signal");
  CHECK(xwait(0) == 0, "child failed");
  CHECK(swap_used() == u0 - n, "swap_used %d, expected %d", (int)swap_used(), (int)(u0 - n));
  munmap(m, (uint64)n * PGSIZE);
  close(fds[0]);
  close(fds[1]);
  close(back[0]);
  close(back[1]);
}

// munmap, sbrk shrink and exit of ranges on swap give every slot back.
TEST(swap_unmap_shrink_exit_free_slots)
{
  if (!have_swap())
    return;
  uint64 u0 = swap_used();
  int n = 200;
  char *m = anon_map((uint64)n * PGSIZE);
  pages_fill(m, n, 71);
  page_out(m, n);
  CHECK(swap_used() == u0 + n, "swap_used after pageout");
  CHECK(munmap(m + 50 * PGSIZE, 100 * PGSIZE) == 0, "munmap middle");
  CHECK(swap_used() == u0 + 100, "munmap of 100 swapped pages: swap_used %d",
        (int)(swap_used() - u0));
  CHECK(pages_check(m, 50, 71) == 0 && pages_check(m + 150 * PGSIZE, 50, 71) == 0,
        "edges after munmap");
  CHECK(swap_used() == u0, "the edges read back still hold slots");
  CHECK(munmap(m, (uint64)n * PGSIZE) == 0, "munmap rest");
  CHECK(swap_used() == u0, "munmap left %d slots", (int)(swap_used() - u0));
  // sbrk shrink
  char *p = heap_pages(64, 72);
  page_out(p, 64);
  CHECK(swap_used() == u0 + 64, "heap pageout");
  CHECK(sbrk(-(40 * PGSIZE)) != (char *)-1, "sbrk shrink");
  // the break now ends inside page 25 of p (p was rounded up from the old break)
  CHECK(swap_used() == u0 + 25, "sbrk shrink left %d slots", (int)(swap_used() - u0));
  CHECK(pages_check(p, 25, 72) == 0, "heap left after shrink");
  CHECK(swap_used() == u0, "swap_used %d after reading the rest back", (int)(swap_used() - u0));
  // exit of a process with pages on swap
  int pid = xfork();
  if (pid == 0) {
    char *q = anon_map(300 * PGSIZE);
    pages_fill(q, 300, 73);
    page_out(q, 300);
    exit(swap_used() == u0 + 300 ? 0 : 2);
  }
  CHECK(xwait(0) == 0, "child's pageout");
  CHECK(swap_used() == u0, "exit left %d slots", (int)(swap_used() - u0));
}

// System calls that copy into or out of pages on swap bring them back.
TEST(swap_syscalls_touch_swapped)
{
  if (!have_swap())
    return;
  int fds[2];
  char *p = heap_pages(4, 81), *q = heap_pages(4, 82);
  page_out(p, 4);
  page_out(q, 4);
  CHECK(pipe(fds) == 0, "pipe");
  // write() from a page on swap (copyin), read() into one (copyout)
  CHECK(write(fds[1], p + PGSIZE + 8, 512) == 512, "write from a swapped page");
  CHECK(read(fds[0], q + 2 * PGSIZE + 16, 512) == 512, "read into a swapped page");
  CHECK(memcmp(q + 2 * PGSIZE + 16, p + PGSIZE + 8, 512) == 0, "bytes through the pipe");
  CHECK(pages_check(p, 4, 81) == 0, "source pages");
  CHECK(pages_check(q, 2, 82) == 0 && pages_check(q + 3 * PGSIZE, 1, 82) == 0, "other pages");
  close(fds[0]);
  close(fds[1]);
}

// Every bad call gets -1 and changes nothing.
TEST(swap_madvise_bad_inputs)
{
  int n = 4;
  char *p = heap_pages(n, 91);
  uint64 u0 = swap_used(), r0 = my_resident();
  uint64 len = (uint64)n * PGSIZE;
  CHECK(madvise(p + 1, len, MADV_PAGEOUT) == -1, "unaligned address");
  CHECK(madvise(p, 0, MADV_PAGEOUT) == -1, "len 0");
  CHECK(madvise(p, len, 0) == -1, "advice 0");
  CHECK(madvise(p, len, 20) == -1, "advice 20");
  CHECK(madvise(p, len, 22) == -1, "advice 22");
  CHECK(madvise(p, len, -1) == -1, "advice -1");
  CHECK(madvise((void *)MAXVA, PGSIZE, MADV_PAGEOUT) == -1, "at MAXVA");
  CHECK(madvise((void *)(MAXVA - PGSIZE), 2 * PGSIZE, MADV_PAGEOUT) == -1, "across MAXVA");
  CHECK(madvise(p, ~0UL, MADV_PAGEOUT) == -1, "len wraps");
  CHECK(madvise((void *)0x80000000UL, PGSIZE, MADV_PAGEOUT) == -1, "kernel base (a hole)");
  CHECK(madvise((void *)0xffffffc000000000UL, PGSIZE, MADV_PAGEOUT) == -1, "kernel address");
  // a hole: the page above the break, and a range that runs into it
  char *top = (char *)PGROUNDUP((uint64)sbrk(0));
  CHECK(madvise(top + 64 * PGSIZE, PGSIZE, MADV_PAGEOUT) == -1, "unmapped page");
  CHECK(madvise(p, (uint64)(top - p) + 64 * PGSIZE, MADV_PAGEOUT) == -1, "range into a hole");
  char *m = anon_map(4 * PGSIZE);
  CHECK(munmap(m + PGSIZE, PGSIZE) == 0, "munmap");
  CHECK(madvise(m, 4 * PGSIZE, MADV_PAGEOUT) == -1, "range with a hole");
  CHECK(swap_used() == u0, "swap_used moved");
  CHECK(my_resident() == r0, "resident %d -> %d", (int)r0, (int)my_resident());
  CHECK(my_swapped() == 0, "something went to swap");
  CHECK(pages_check(p, n, 91) == 0, "pages changed");
  struct vmstat vs;
  xvmstat(&vs);
  if (vs.swap_total == 0 || !vs.swap_on)
    CHECK(madvise(p, len, MADV_PAGEOUT) == -1, "madvise without swap");
}

// The TLB argument on the real machine: a child keeps writing and checking
// every byte of its pages (so it runs, on another hart, with its page table
// loaded) while the parent pages the child's memory out again and again
// (vmctl VMCTL_PAGEOUT_PID). Each page-out must reach the child's hart
// (a shootdown) before the frame is written and freed; a store through a
// stale translation would land in a freed frame and the child's check, or
// the frame audit, would see it.
TEST(swap_pageout_while_running)
{
  if (!have_swap())
    return;
  int n = 128, pid, rounds = 12, out = 0;
  char *m = anon_map((uint64)n * PGSIZE);
  volatile int *stop =
      (volatile int *)mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(stop != MAP_FAILED, "mmap shared");
  stop[0] = stop[1] = 0;  // [0]: the parent says stop; [1]: rounds the child has done
  struct vmstat v0, v1;
  xvmstat(&v0);
  pid = xfork();
  if (pid == 0) {
    for (uint64 r = 1; !stop[0]; r++) {
      pages_fill(m, n, 100 + r);
      if (pages_check(m, n, 100 + r) != 0)
        exit(3);
      stop[1] = (int)r;
    }
    exit(0);
  }
  while (stop[1] == 0)
    sleep(1);  // the child's pages exist and it is running
  for (int k = 0; k < rounds; k++) {
    int done = stop[1];
    while (stop[1] == done)
      ;  // the child has read its pages back and is filling them again: running
    int got = vmctl(VMCTL_PAGEOUT_PID, pid);
    CHECK(got >= 0, "VMCTL_PAGEOUT_PID failed");
    out += got;
  }
  *stop = 1;
  int st = xwait(0);
  xvmstat(&v1);
  CHECK(st == 0, "the child saw a wrong byte (status %d)", st);
  CHECK(out >= rounds * n / 2, "only %d pages paged out in %d rounds", out, rounds);
  CHECK(v1.swap_ins > v0.swap_ins, "the child never read a page back");
  CHECK(v1.tlb_shootdowns > v0.tlb_shootdowns, "no shootdown reached another hart");
  printf("  %d pages out, %d back in, %d shootdowns\n", out, (int)(v1.swap_ins - v0.swap_ins),
         (int)(v1.tlb_shootdowns - v0.tlb_shootdowns));
  CHECK(vmctl(VMCTL_PAGEOUT_PID, 99999) == -1, "a missing pid");
  CHECK(vmctl(VMCTL_PAGEOUT_PID, -3) == -1, "a negative pid");
  munmap(m, (uint64)n * PGSIZE);
  munmap((void *)stop, PGSIZE);
}

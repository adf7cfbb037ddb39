// Programs larger than RAM (the reclaimer's clock and swap): a working set
// of twice the machine's memory keeps every byte, alone, two at once, and
// across fork; with swap full or off the largest process is killed and
// every frame and slot comes back; the system stays responsive while it
// thrashes. These tests size themselves from vmstat and need a swap disk
// of at least twice RAM: make test runs them in a small-memory boot of
// their own (tests/run-all.sh), and they run only when named (harness.c).
#include "harness.h"

// Frames a working set of "times x RAM" means here (x in quarters).
static int
ram_pages(int quarters)
{
  struct vmstat v;

  xvmstat(&v);
  return (int)(v.frames_total * quarters / 4);
}

static void
need_swap(int pages)
{
  struct vmstat v;

  xvmstat(&v);
  CHECK(v.swap_on && v.swap_total - v.swap_used >= (uint64)pages,
        "needs %d free swap slots (swap on %d, %d of %d used)", pages, (int)v.swap_on,
        (int)v.swap_used, (int)v.swap_total);
}

static char *
heap(int npages)
{
  char *p = sbrklazy(npages * PGSIZE + PGSIZE);

  CHECK(p != (char *)-1, "sbrk %d pages", npages);
  return (char *)PGROUNDUP((uint64)p);
}

// Write a pattern over npages pages, read every byte back.
static void
big_pass(void *arg)
{
  int n = *(int *)arg;
  char *p = heap(n);

  pages_fill(p, n, 200 + n % 7);
  int bad = pages_check(p, n, 200 + n % 7);
  CHECK(bad == 0, "%d of %d pages wrong", bad, n);
}

// Slots and frames where they were. The clock pages out and unmaps other
// processes' pages too: every page on swap comes back first, and cached
// file pages count as free (as the harness counts around these tests).
struct base {
  uint64 free, used;
};

static void
base(struct base *b)
{
  struct vmstat v;

  CHECK(vmctl(VMCTL_SETTLE, 1) >= 0, "swap-in of everything failed");
  vmctl(VMCTL_CACHE_DROP, 1);
  xvmstat(&v);
  b->free = v.frames_free + v.cache_pages + v.cache_index;
  b->used = v.swap_used;
}

static void
same_base(struct base *a, const char *what)
{
  struct base b;

  base(&b);
  CHECK(b.used == a->used, "%s: swap_used %d -> %d", what, (int)a->used, (int)b.used);
  CHECK(b.free == a->free, "%s: %d frames not returned", what, (int)(a->free - b.free));
}

// One process touching twice RAM: every byte back, pages went out and
// came in again, nobody was killed.
TEST(reclaim_swap_2x)
{
  struct vmstat v0, v1;
  struct base b;
  int n = ram_pages(8);

  need_swap(n);
  base(&b);
  xvmstat(&v0);
  CHECK(child_status(big_pass, &n) == 0, "the 2x-RAM process failed");
  xvmstat(&v1);
  CHECK(v1.oom_kills == v0.oom_kills, "%d OOM kills", (int)(v1.oom_kills - v0.oom_kills));
  CHECK(v1.reclaim_anon - v0.reclaim_anon >= (uint64)n / 2, "only %d pages to swap",
        (int)(v1.reclaim_anon - v0.reclaim_anon));
  CHECK(v1.swap_ins > v0.swap_ins, "nothing came back from swap");
  CHECK(v1.clock_young > v0.clock_young, "the clock gave no second chance");
  same_base(&b, "after the 2x run");
}

// Two processes of 1x RAM each at once (2x together).
TEST(reclaim_swap_two)
{
  struct vmstat v0, v1;
  struct base b;
  int n = ram_pages(4), pids[2];

  need_swap(2 * n);
  base(&b);
  xvmstat(&v0);
  for (int i = 0; i < 2; i++) {
    pids[i] = xfork();
    if (pids[i] == 0) {
      big_pass(&n);
      exit(0);
    }
  }
  for (int i = 0; i < 2; i++)
    CHECK(xwait(0) == 0, "a 1x-RAM process failed");
  xvmstat(&v1);
  CHECK(v1.oom_kills == v0.oom_kills, "%d OOM kills", (int)(v1.oom_kills - v0.oom_kills));
  CHECK(v1.reclaim_anon > v0.reclaim_anon, "nothing went to swap");
  same_base(&b, "after two 1x runs");
}

// Fork of a process whose pages are mostly on swap: the child sees every
// byte, both sides then write their own, neither sees the other's.
TEST(reclaim_swap_fork)
{
  struct base b;
  int n = ram_pages(6);  // 1.5x RAM: most of it on swap

  need_swap(2 * n - ram_pages(4));  // at the peak both sides' copies: 3x RAM
  base(&b);
  int pid = xfork();
  if (pid == 0) {
    char *p = heap(n);
    pages_fill(p, n, 210);
    int kid = xfork();
    if (kid == 0) {
      int bad = pages_check(p, n, 210);
      CHECK(bad == 0, "child: %d of %d inherited pages wrong", bad, n);
      pages_fill(p, n / 2, 211);
      bad = pages_check(p, n / 2, 211);
      CHECK(bad == 0, "child: %d of its own pages wrong", bad);
      exit(0);
    }
    pages_fill(p + (uint64)(n / 2) * PGSIZE, n - n / 2, 212);
    CHECK(xwait(0) == 0, "child failed");
    CHECK(pages_check(p, n / 2, 210) == 0, "the child's stores reached the parent");
    CHECK(pages_check(p + (uint64)(n / 2) * PGSIZE, n - n / 2, 212) == 0, "parent's pages wrong");
    exit(0);
  }
  CHECK(xwait(0) == 0, "the forking process failed");
  same_base(&b, "after fork of a swapped process");
}

// Swap nearly full: a hog takes most of RAM and swap and sleeps; a small
// process then needs more. The hog (the largest) is killed, the small one
// finishes with every byte, and every frame and slot comes back.
TEST(oom_swap_full_kills_largest)
{
  struct vmstat v0, v1;
  struct base b;
  int ready[2], hold[2];
  char c;

  base(&b);
  xvmstat(&v0);
  int room = (int)(v0.frames_free + v0.swap_total - v0.swap_used);
  CHECK(pipe(ready) == 0 && pipe(hold) == 0, "pipe");
  int hog = xfork();
  if (hog == 0) {
    int n = room * 8 / 10;
    char *p = heap(n);
    pages_fill(p, n, 220);
    write(ready[1], "r", 1);
    read(hold[0], &c, 1);
    exit(5);  // released: nobody killed it
  }
  CHECK(read(ready[0], &c, 1) == 1, "hog not ready");
  int m = room / 4;  // more than what is left of RAM + swap
  int small = xfork();
  if (small == 0) {
    big_pass(&m);
    exit(0);
  }
  int shog, ssmall;
  CHECK(wait_hog_small(hog, small, hold[1], &shog, &ssmall) == 0, "unknown child");
  xvmstat(&v1);
  close(ready[0]);
  close(ready[1]);
  close(hold[0]);
  close(hold[1]);
  CHECK(shog == -1, "hog status %d, want -1 (killed as the largest)", shog);
  CHECK(ssmall == 0, "small process status %d, want 0", ssmall);
  CHECK(v1.oom_kills == v0.oom_kills + 1, "%d OOM kills", (int)(v1.oom_kills - v0.oom_kills));
  same_base(&b, "after the OOM kill");
}

// With swap off the 2x run cannot fit: it is refused by an OOM kill, and
// nothing is left behind.
TEST(oom_swap_off_refuses_2x)
{
  struct vmstat v0, v1;
  struct base b;
  int n = ram_pages(8);

  base(&b);
  int old = vmctl(VMCTL_SWAP, 0);
  xvmstat(&v0);
  int st = child_status(big_pass, &n);
  xvmstat(&v1);
  vmctl(VMCTL_SWAP, old);
  CHECK(st == -1, "2x run with swap off: status %d, want -1 (OOM kill)", st);
  CHECK(v1.oom_kills == v0.oom_kills + 1, "%d OOM kills", (int)(v1.oom_kills - v0.oom_kills));
  CHECK(v1.swap_outs == v0.swap_outs, "%d pages went to swap while it was off",
        (int)(v1.swap_outs - v0.swap_outs));
  same_base(&b, "after the refused run");
}

// Thrashing does not hang the system: while a 2x-RAM process pages
// round after round, a ps run from here answers (generously: within 30 s),
// and the pager was still paging when it did.
TEST(reclaim_swap_ps_answers)
{
  struct vmstat v0, v1;
  struct procstat ps;
  int n = ram_pages(8);
  char *argv[] = {"ps", 0};

  need_swap(n);
  int pid = xfork();
  if (pid == 0) {
    char *p = heap(n);
    for (int round = 0;; round++)
      pages_fill(p, n, 230 + round % 2);
  }
  sleep(10);  // let it fill RAM and start paging
  xvmstat(&v0);
  int t0 = uptime();
  int st = run_to_file("/ps", argv, "t_ps");
  int took = uptime() - t0;
  xvmstat(&v1);
  int alive = procstat(pid, &ps) == 0 && ps.state != PS_ZOMBIE;
  kill(pid);
  CHECK(xwait(0) == -1, "the pager was not killed");
  static char buf[2048];
  int got = read_file("t_ps", buf, sizeof(buf));
  unlink("t_ps");
  CHECK(st == 0 && got > 0, "ps status %d, %d bytes", st, got);
  CHECK(contains(buf, "PID"), "ps printed no table: %s", buf);
  CHECK(alive, "the pager had stopped");
  CHECK(v1.swap_outs > v0.swap_outs, "no paging while ps ran");
  CHECK(took < 300, "ps took %d ticks while the system thrashed", took);
}

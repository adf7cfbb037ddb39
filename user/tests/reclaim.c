// The reclaimer and the OOM killer (kernel/vm/reclaim.c): clean cached
// file pages give way to a process that needs their memory; when nothing
// can be reclaimed the largest process is killed, not whichever faulted,
// and every frame comes back.
#include "harness.h"

static uint64
cache_drop(void)
{
  return vmctl(VMCTL_CACHE_DROP, 1);
}

// Read the whole file path (into the page cache); returns its size.
static long
read_all(const char *path)
{
  static char buf[4096];
  int fd = open(path, O_RDONLY), n;
  long total = 0;

  CHECK(fd >= 0, "open %s", path);
  while ((n = read(fd, buf, sizeof(buf))) > 0)
    total += n;
  close(fd);
  return total;
}

// Allocate npages of lazy heap, write a pattern to every byte and read it
// all back; exits 0 if every byte is right.
static void
fill_and_check(int npages, uint64 seed)
{
  char *p = sbrklazy(npages * PGSIZE + PGSIZE);

  CHECK(p != (char *)-1, "sbrk %d pages", npages);
  p = (char *)PGROUNDUP((uint64)p);
  pages_fill(p, npages, seed);
  int bad = pages_check(p, npages, seed);
  CHECK(bad == 0, "%d of %d pages wrong", bad, npages);
}

static void
big_child(void *arg)
{
  fill_and_check(*(int *)arg, 81);
}

TEST(reclaim_watermarks)
{
  struct vmstat v;

  xvmstat(&v);
  CHECK(v.low_wmark > 0 && v.low_wmark < v.high_wmark, "watermarks %d / %d", (int)v.low_wmark,
        (int)v.high_wmark);
  CHECK(v.high_wmark < v.frames_total / 16, "HIGH %d of %d frames", (int)v.high_wmark,
        (int)v.frames_total);
  CHECK(v.fa_reserve == v.high_wmark, "fault-around reserve %d, HIGH %d", (int)v.fa_reserve,
        (int)v.high_wmark);
}

// vmctl(VMCTL_RECLAIM, n) frees clean unmapped cache pages now; bad
// values are refused.
TEST(reclaim_vmctl)
{
  struct vmstat a, b;

  CHECK(vmctl(VMCTL_RECLAIM, 0) == -1, "0 accepted");
  CHECK(vmctl(VMCTL_RECLAIM, -2) == -1, "-2 accepted");
  CHECK(vmctl(VMCTL_RECLAIM, -1) == 0, "-1 did something");
  CHECK(read_all("/README") > 2 * PGSIZE, "/README too small");
  xvmstat(&a);
  CHECK(a.cache_pages >= 2, "README not cached");
  int n = vmctl(VMCTL_RECLAIM, 2);  // the clean cache alone has them: pass 1 only
  xvmstat(&b);
  CHECK(n == 2, "reclaimed %d", n);
  CHECK(b.reclaim_runs == a.reclaim_runs + 1, "%d runs", (int)(b.reclaim_runs - a.reclaim_runs));
  CHECK(b.reclaim_freed - a.reclaim_freed == (uint64)n, "freed %d, counted %d", n,
        (int)(b.reclaim_freed - a.reclaim_freed));
  CHECK(b.reclaim_cache - a.reclaim_cache == (uint64)n, "cache pages counted %d",
        (int)(b.reclaim_cache - a.reclaim_cache));
  CHECK(b.cache_pages + n <= a.cache_pages, "cache %d -> %d", (int)a.cache_pages,
        (int)b.cache_pages);
}

// A page cache full of clean pages is free memory in waiting: a process
// that needs more frames than are free gets them from the cache, with no
// OOM kill.
TEST(reclaim_cache_gives_way)
{
  struct vmstat v0, v1, v2;

  xvmstat(&v0);
  CHECK(read_all("/bigprog") > 4 * 1024 * 1024, "/bigprog too small");
  xvmstat(&v1);
  int cached = v1.cache_pages - v0.cache_pages;
  CHECK(cached > 1000, "only %d pages cached", cached);
  // More than is free: half the cached pages must be reclaimed.
  int n = frames_free() + cached / 2;
  CHECK(child_status(big_child, &n) == 0, "the %d-page child failed", n);
  xvmstat(&v2);
  CHECK(v2.kills[KR_OOM] == v1.kills[KR_OOM], "%d OOM kills",
        (int)(v2.kills[KR_OOM] - v1.kills[KR_OOM]));
  CHECK(v2.oom_kills == v1.oom_kills, "oom_kills grew");
  CHECK(v2.reclaim_cache - v1.reclaim_cache >= (uint64)cached / 2, "only %d cache pages reclaimed",
        (int)(v2.reclaim_cache - v1.reclaim_cache));
  CHECK(v2.reclaim_runs > v1.reclaim_runs, "no reclaim run");
}

// A process that holds its pages until killed: n pages written, then a
// byte on ready, then it waits on hold (a pipe nobody writes). With
// check, a byte on hold instead makes it verify every page and exit 0.
static void
holder(int n, int ready, int hold, uint64 seed)
{
  char *p = sbrklazy(n * PGSIZE + PGSIZE), c;

  CHECK(p != (char *)-1, "holder sbrk");
  p = (char *)PGROUNDUP((uint64)p);
  pages_fill(p, n, seed);
  CHECK(write(ready, "r", 1) == 1, "ready");
  if (read(hold, &c, 1) != 1)
    exit(5);  // the pipe was closed: nobody killed us
  int bad = pages_check(p, n, seed);
  CHECK(bad == 0, "holder: %d of %d pages wrong", bad, n);
  exit(0);
}

// A big hog sleeps holding 70% of free memory; a small process then
// needs more than is left. The OOM killer kills the hog (the largest),
// not the small one that faulted: it gets the hog's frames and finishes
// with every byte right, and every frame comes back.
TEST(oom_kills_largest_not_faulter)
{
  struct vmstat v0, v1;
  int ready[2], hold[2], shog, ssmall;
  char c;

  cache_drop();
  uint64 f0 = frames_free();
  CHECK(pipe(ready) == 0 && pipe(hold) == 0, "pipe");
  xvmstat(&v0);
  int hog = xfork();
  if (hog == 0)
    holder(frames_free() * 7 / 10, ready[1], hold[0], 90);
  CHECK(read(ready[0], &c, 1) == 1, "hog not ready");
  int n = frames_free() + 1000;  // 1000 pages more than are free: only the hog has them
  int small = xfork();
  if (small == 0) {
    fill_and_check(n, 91);
    exit(0);
  }
  CHECK(wait_hog_small(hog, small, hold[1], &shog, &ssmall) == 0, "unknown child");
  xvmstat(&v1);
  close(ready[0]);
  close(ready[1]);
  close(hold[0]);
  close(hold[1]);
  CHECK(shog == -1, "hog status %d, want -1 (killed)", shog);
  CHECK(ssmall == 0, "small faulter status %d, want 0", ssmall);
  CHECK(v1.oom_kills == v0.oom_kills + 1, "%d OOM-killer kills",
        (int)(v1.oom_kills - v0.oom_kills));
  CHECK(v1.kills[KR_OOM] == v0.kills[KR_OOM] + 1, "%d OOM kills",
        (int)(v1.kills[KR_OOM] - v0.kills[KR_OOM]));
  cache_drop();
  CHECK(frames_free() == f0, "%d frames not returned", (int)(f0 - frames_free()));
}

// The faulter is itself the largest: it is the one killed; a smaller
// sleeping process keeps every byte.
TEST(oom_kills_faulter_when_largest)
{
  struct vmstat v0, v1;
  int ready[2], hold[2], sheld, sgrow;
  char c;

  cache_drop();
  uint64 f0 = frames_free();
  CHECK(pipe(ready) == 0 && pipe(hold) == 0, "pipe");
  xvmstat(&v0);
  int held = xfork();
  if (held == 0)
    holder(frames_free() * 3 / 10, ready[1], hold[0], 92);
  CHECK(read(ready[0], &c, 1) == 1, "holder not ready");
  int grow = xfork();
  if (grow == 0) {
    fill_and_check(v0.frames_total, 93);  // more than the machine has
    exit(0);
  }
  int pid, st = xwait(&pid);
  CHECK(pid == grow, "pid %d exited first, not the grower %d", pid, grow);
  sgrow = st;
  CHECK(write(hold[1], "g", 1) == 1, "release the holder");
  sheld = xwait(0);
  xvmstat(&v1);
  close(ready[0]);
  close(ready[1]);
  close(hold[0]);
  close(hold[1]);
  CHECK(sgrow == -1, "grower status %d, want -1 (killed)", sgrow);
  CHECK(sheld == 0, "holder status %d, want 0 (its pages intact)", sheld);
  CHECK(v1.oom_kills == v0.oom_kills + 1, "%d OOM-killer kills",
        (int)(v1.oom_kills - v0.oom_kills));
  cache_drop();
  CHECK(frames_free() == f0, "%d frames not returned", (int)(f0 - frames_free()));
}

// sbrk tests: growing and shrinking the break, the limits (below the heap
// start, into the stack, huge arguments), a sparse 1 GiB heap, release in
// a forked child, and running out of memory through malloc.
#include "harness.h"

TEST(sbrk_basic)
{
  struct procstat ps;
  char *a = sbrk(0);
  char *b;

  CHECK(sbrk(0) == a, "sbrk(0) moved the break");
  xprocstat(&ps);
  CHECK(ps.brk == (uint64)a, "procstat brk %p, sbrk(0) %p", (void *)ps.brk, a);
  CHECK(ps.heap_start <= ps.brk, "heap_start above brk");
  b = sbrk(PGSIZE);
  CHECK(b == a, "sbrk(n) returned %p, old break %p", b, a);
  CHECK(sbrk(0) == a + PGSIZE, "break not moved by PGSIZE");
  for (int i = 0; i < PGSIZE; i++)
    b[i] = i * 7 + 1;
  for (int i = 0; i < PGSIZE; i++)
    CHECK(b[i] == (char)(i * 7 + 1), "heap byte %d lost its data", i);
  CHECK(sbrk(-PGSIZE) == a + PGSIZE, "shrink returned %p", sbrk(0));
  CHECK(sbrk(0) == a, "break not restored");
}

TEST(sbrk_unaligned)
{
  char *a = sbrk(0);

  CHECK(sbrk(1) == a, "sbrk(1)");
  CHECK(sbrk(0) == a + 1, "break after sbrk(1)");
  a[0] = 'x';
  CHECK(sbrk(3 * PGSIZE + 5) == a + 1, "odd grow");
  a[3 * PGSIZE + 5] = 'y';
  CHECK(a[0] == 'x' && a[3 * PGSIZE + 5] == 'y', "data lost");
  CHECK(sbrk(-(3 * PGSIZE + 6)) == a + 3 * PGSIZE + 6, "odd shrink");
  CHECK(sbrk(0) == a, "break not restored");
}

TEST(sbrk_shrink_frees)
{
  int n = 64;
  uint64 f0 = frames_free();
  char *p = sbrk(n * PGSIZE);
  uint64 f1, f2;

  CHECK(p != (char *)-1, "sbrk");
  for (int i = 0; i < n; i++)
    p[i * PGSIZE] = i;
  f1 = frames_free();
  CHECK(f0 - f1 >= (uint64)n, "touching %d pages took %d frames", n, (int)(f0 - f1));
  CHECK(sbrk(-n * PGSIZE) == p + n * PGSIZE, "shrink");
  f2 = frames_free();
  CHECK(f2 - f1 >= (uint64)n, "shrink freed only %d frames", (int)(f2 - f1));
}

static void
touch_after_shrink(void *arg)
{
  volatile char *p = sbrk(4 * PGSIZE);

  for (int i = 0; i < 4; i++)
    p[i * PGSIZE] = 1;
  sbrk(-4 * PGSIZE);
  p[2 * PGSIZE] = 2;  // must be killed here
  exit(0);
}

TEST(sbrk_touch_after_shrink_killed)
{
  int st = child_status(touch_after_shrink, 0);

  CHECK(st == -1, "touch of a released heap page: status %d, want -1", st);
}

TEST(sbrk_below_heap_start)
{
  struct procstat ps;
  char *brk0;
  long len;

  sbrk(2 * PGSIZE);
  xprocstat(&ps);
  brk0 = sbrk(0);
  len = ps.brk - ps.heap_start;
  CHECK(sbrk(-(len + PGSIZE)) == (char *)-1, "shrink below heap start succeeded");
  CHECK(sbrk(0) == brk0, "failed shrink moved the break");
  CHECK(sbrk(-(len + 1)) == (char *)-1, "shrink one byte below heap start");
  CHECK(sbrk(0) == brk0, "failed shrink moved the break");
  CHECK(sbrk(-len) == brk0, "shrink to exactly heap start failed");
  CHECK(sbrk(0) == (char *)ps.heap_start, "break not at heap start");
  CHECK(sbrk(len) == (char *)ps.heap_start, "regrow");
}

TEST(sbrk_huge_arguments)
{
  char *brk0 = sbrk(0);

  CHECK(sbrk(-2147483647 - 1) == (char *)-1, "sbrk(INT_MIN) succeeded");
  CHECK(sbrk(0) == brk0, "sbrk(INT_MIN) moved the break");
  CHECK(sbrk(-(int)(uint64)brk0 - 5 * PGSIZE) == (char *)-1, "shrink below 0");
  CHECK(sbrk(0) == brk0, "failed shrink moved the break");
  // one big lazy step is fine and costs no frames
  uint64 f0 = frames_free();
  CHECK(sbrk(0x7fffffff) == brk0, "sbrk(INT_MAX) failed");
  CHECK(frames_free() == f0, "lazy 2 GiB grow took frames");
  CHECK(sbrk(-0x7fffffff) == brk0 + 0x7fffffff, "shrink back");
  CHECK(sbrk(0) == brk0, "break not restored");
}

// Grow in 1 GiB steps until refused: the refusal must come when the next
// step would reach the stack, never earlier, and nothing may change.
TEST(sbrk_grow_into_stack_refused)
{
  uint64 stacklo = USTACKTOP - USTACKMAX;
  char *brk0 = sbrk(0), *top;
  int steps = 0;

  while (sbrk(1 << 30) != (char *)-1)
    CHECK(++steps < 300, "heap grew past 300 GiB");
  top = sbrk(0);
  CHECK((uint64)top <= stacklo - PGSIZE, "heap %p covers the stack guard", top);
  CHECK((uint64)top + (1 << 30) > stacklo - PGSIZE, "refused with %d MiB left before the stack",
        (int)((stacklo - (uint64)top) >> 20));
  CHECK(sbrk(stacklo - (uint64)top + PGSIZE) == (char *)-1, "grow into stack");
  CHECK(sbrk(0) == top, "refused grow moved the break");
  // the top page of this huge heap works like any other
  char *tp = (char *)PGROUNDDOWN((uint64)top - 1);
  CHECK(pages_nonzero(tp, 1) == 0, "top heap page not zero");
  pages_fill(tp, 1, 7);
  CHECK(pages_check(tp, 1, 7) == 0, "top heap page lost its data");
  CHECK(pages_nonzero((char *)PGROUNDUP((uint64)brk0), 1) == 0, "bottom heap page not zero");
  while (sbrk(0) - brk0 >= (1 << 30))
    CHECK(sbrk(-(1 << 30)) != (char *)-1, "shrink step");
  sbrk(-(int)(sbrk(0) - brk0));
  CHECK(sbrk(0) == brk0, "break not restored");
}

// A 1 GiB heap with every 64th page written with its own address; a child
// releases the region and must be killed when it touches it again, while
// the parent keeps its copy.
static char *sparse;
#define SPARSE_BYTES (1 << 30)
#define SPARSE_STEP 64

static void
sparse_release_and_touch(void *arg)
{
  char *p = sparse;

  if (sbrk(-SPARSE_BYTES) != p + SPARSE_BYTES)
    exit(2);
  if (sbrk(0) != p)
    exit(3);
  *(volatile uint64 *)(p + 64 * PGSIZE) = 1;  // must be killed
  exit(0);
}

TEST(sbrk_sparse_1g)
{
  int npages = SPARSE_BYTES / PGSIZE, bad = 0, st;
  struct procstat ps0, ps1;
  uint64 f0, f1;

  sbrk(PGROUNDUP((uint64)sbrk(0)) - (uint64)sbrk(0));  // page-align the break
  xprocstat(&ps0);
  f0 = frames_free();
  sparse = sbrk(SPARSE_BYTES);
  CHECK(sparse != (char *)-1, "sbrk 1 GiB");
  for (int i = 0; i < npages; i += SPARSE_STEP)
    pages_fill(sparse + (uint64)i * PGSIZE, 1, i);
  for (int i = 0; i < npages; i += SPARSE_STEP)
    bad += pages_check(sparse + (uint64)i * PGSIZE, 1, i);
  CHECK(bad == 0, "%d sparse pages lost their data", bad);
  CHECK(pages_nonzero(sparse + 5 * PGSIZE, 1) == 0, "unwritten page not zero");

  st = child_status(sparse_release_and_touch, 0);
  CHECK(st == -1, "child touched released region: status %d, want -1", st);
  for (int i = 0; i < npages; i += SPARSE_STEP)
    bad += pages_check(sparse + (uint64)i * PGSIZE, 1, i);
  CHECK(bad == 0, "%d parent pages changed after the child released", bad);

  CHECK(sbrk(-SPARSE_BYTES) == sparse + SPARSE_BYTES, "release 1 GiB");
  xprocstat(&ps1);
  f1 = frames_free();
  // whatever is still held must be page tables
  CHECK((long)(f0 - f1) <= (long)(ps1.pt_pages - ps0.pt_pages),
        "%d frames still held, %d page-table pages", (int)(f0 - f1),
        (int)(ps1.pt_pages - ps0.pt_pages));
}

// Allocate and dirty 1 MiB at a time (a byte per page) until malloc fails
// or the kernel kills the child; report each MiB on a pipe.
static void
oom_child(void *arg)
{
  int fd = *(int *)arg;

  for (;;) {
    char *p = malloc(1 << 20);
    if (p == 0)
      exit(0);
    for (int i = 0; i < (1 << 20); i += PGSIZE)  // dirty every page
      p[i] = 0xa5;
    write(fd, "m", 1);
  }
}

TEST(sbrk_oom_malloc)
{
  struct vmstat v0, v1;

  for (int round = 0; round < 2; round++) {
    int fds[2], pid, st, mib = 0;
    char c;

    xvmstat(&v0);
    CHECK(pipe(fds) == 0, "pipe");
    pid = xfork();
    if (pid == 0) {
      close(fds[0]);
      oom_child(&fds[1]);
    }
    close(fds[1]);
    while (read(fds[0], &c, 1) == 1)
      mib++;
    close(fds[0]);
    st = xwait(0);
    xvmstat(&v1);
    CHECK(st == -1 || st == 0, "round %d: status %d", round, st);
    if (st == -1)
      CHECK(v1.kills[KR_OOM] > v0.kills[KR_OOM], "killed, but not for OOM");
    CHECK((uint64)mib * 256 >= v0.frames_free / 2,
          "round %d: only %d MiB before failure, %d frames were free", round, mib,
          (int)v0.frames_free);
    CHECK(v1.frames_free == v0.frames_free, "round %d: %d frames not returned", round,
          (int)(v0.frames_free - v1.frames_free));
  }
}

// Compatibility choice (README "Compatibility notes"): a shrink past the
// start of the heap is an error, SBRK_ERROR with nothing changed, under
// every policy. (2025 xv6 returns the old break and changes nothing.)
TEST(sbrk_shrink_past_heap_is_error)
{
  struct procstat ps;
  char *p = sbrk(3 * PGSIZE), *brk0;
  long len;

  CHECK(p != SBRK_ERROR, "sbrk");
  memset(p, 0x5a, 3 * PGSIZE);
  brk0 = sbrk(0);
  xprocstat(&ps);
  len = ps.brk - ps.heap_start;
  CHECK(sbrk(-(len + 1)) == SBRK_ERROR, "sbrk(-(heap + 1)) did not return SBRK_ERROR");
  CHECK(sbrk(-(len + 100 * PGSIZE)) == SBRK_ERROR, "sbrk(-(heap + 100 pages))");
  CHECK(sbrklazy(-(len + PGSIZE)) == SBRK_ERROR, "sbrklazy past the heap start");
  CHECK(sbrkeager(-(len + PGSIZE)) == SBRK_ERROR, "sbrkeager past the heap start");
  CHECK(sbrk(0) == brk0, "a refused shrink moved the break");
  for (int i = 0; i < 3 * PGSIZE; i++)
    CHECK((uchar)p[i] == 0x5a, "heap byte %d changed by a refused shrink", i);
}

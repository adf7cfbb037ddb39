// Copy-on-write fork tests: isolation between parent, child and
// grandchild, many writers of the same pages, read() into shared pages,
// fork of a process holding most of RAM, running out of memory while
// breaking COW, and the cost of fork+exec and of the copying policy.
#include "harness.h"

// Wait for one byte on fd (or EOF).
static void
await(int fd)
{
  char c;

  read(fd, &c, 1);
}

static void
signal_fd(int fd)
{
  CHECK(write(fd, "s", 1) == 1, "signal write");
}

static char *
filled_heap(int npages, uint64 seed)
{
  char *p = sbrk(npages * PGSIZE + PGSIZE);

  CHECK(p != (char *)-1, "sbrk %d pages", npages);
  p = (char *)PGROUNDUP((uint64)p);
  pages_fill(p, npages, seed);
  return p;
}

TEST(cow_fork_shares_frames)
{
  int n = 512, pid;
  struct vmstat v0, v1;
  struct procstat p0, p1;
  char *p = filled_heap(n, 1);

  xvmstat(&v0);
  pid = xfork();
  if (pid == 0) {
    xvmstat(&v1);
    CHECK(v0.frames_free - v1.frames_free < (uint64)n / 4,
          "fork took %d frames for %d shared pages", (int)(v0.frames_free - v1.frames_free), n);
    CHECK(v1.frames_shared - v0.frames_shared >= (uint64)n, "frames_shared grew by %d only",
          (int)(v1.frames_shared - v0.frames_shared));
    xprocstat(&p0);
    pages_fill(p, n, 2);
    xprocstat(&p1);
    CHECK(p1.faults[FK_COW_COPY] - p0.faults[FK_COW_COPY] >= (uint64)n,
          "child writes: %d COW copies", (int)(p1.faults[FK_COW_COPY] - p0.faults[FK_COW_COPY]));
    CHECK(pages_check(p, n, 2) == 0, "child data");
    exit(0);
  }
  CHECK(xwait(0) == 0, "child failed");
  // the child is gone: every page is ours alone, so writes reuse frames
  xvmstat(&v0);
  xprocstat(&p0);
  pages_fill(p, n, 3);
  xprocstat(&p1);
  xvmstat(&v1);
  CHECK(p1.faults[FK_COW_REUSE] - p0.faults[FK_COW_REUSE] >= (uint64)n,
        "parent writes after child exit: %d COW reuses",
        (int)(p1.faults[FK_COW_REUSE] - p0.faults[FK_COW_REUSE]));
  CHECK(p1.faults[FK_COW_COPY] == p0.faults[FK_COW_COPY], "parent copied frames it owned alone");
  CHECK(v1.frames_free == v0.frames_free, "sole-owner writes took frames");
  CHECK(pages_check(p, n, 3) == 0, "parent data");
}

// With the copying policy fork takes a frame per page and shares nothing.
TEST(cow_fork_copy_policy)
{
  int n = 256, pid, old;
  struct vmstat v0;
  char *p = filled_heap(n, 4);

  old = vmctl(VMCTL_FORK_COPY, 1);
  xvmstat(&v0);
  pid = xfork();
  if (pid == 0) {
    struct vmstat v1;
    struct procstat p0, p1;
    xvmstat(&v1);
    CHECK(v0.frames_free - v1.frames_free >= (uint64)n, "copying fork took only %d frames",
          (int)(v0.frames_free - v1.frames_free));
    xprocstat(&p0);
    pages_fill(p, n, 5);
    xprocstat(&p1);
    CHECK(p1.faults[FK_COW_COPY] == p0.faults[FK_COW_COPY] &&
              p1.faults[FK_COW_REUSE] == p0.faults[FK_COW_REUSE],
          "copied pages still took COW faults");
    exit(0);
  }
  CHECK(xwait(0) == 0, "child failed");
  vmctl(VMCTL_FORK_COPY, old);
  CHECK(pages_check(p, n, 4) == 0, "parent data changed");
}

// A write of one byte to a shared page copies the whole page: the child
// rewrites one byte of each page with the value it already holds, and
// every byte of every page must still be there, in the child (copies) and
// in the parent (sole owner again after the child exits).
TEST(cow_copy_keeps_every_byte)
{
  int n = 64;
  char *p = filled_heap(n, 70);

  if (xfork() == 0) {
    struct procstat p0, p1;
    xprocstat(&p0);
    for (int i = 0; i < n; i++) {
      volatile char *b = p + (uint64)i * PGSIZE + (i * 61) % PGSIZE;
      *b = *b;
    }
    xprocstat(&p1);
    CHECK(p1.faults[FK_COW_COPY] - p0.faults[FK_COW_COPY] >= (uint64)n, "only %d COW copies",
          (int)(p1.faults[FK_COW_COPY] - p0.faults[FK_COW_COPY]));
    int bad = pages_check(p, n, 70);
    CHECK(bad == 0, "%d of %d copied pages differ from the original", bad, n);
    exit(0);
  }
  CHECK(xwait(0) == 0, "child failed");
  for (int i = 0; i < n; i++)
    p[(uint64)i * PGSIZE + 8] = p[(uint64)i * PGSIZE + 8];
  CHECK(pages_check(p, n, 70) == 0, "parent pages changed");
}

// Parent and child write different values into a shared array in turn;
// each sees only its own.
TEST(cow_private_writes)
{
  int n = 256, tochild[2], toparent[2], pid;
  char *p = filled_heap(n, 10);

  CHECK(pipe(tochild) == 0 && pipe(toparent) == 0, "pipe");
  pid = xfork();
  if (pid == 0) {
    pages_fill(p, n, 11);
    signal_fd(toparent[1]);
    await(tochild[0]);
    CHECK(pages_check(p, n, 11) == 0, "child saw parent's writes");
    exit(0);
  }
  await(toparent[0]);
  CHECK(pages_check(p, n, 10) == 0, "parent saw child's writes");
  pages_fill(p, n, 12);
  signal_fd(tochild[1]);
  CHECK(xwait(0) == 0, "child failed");
  CHECK(pages_check(p, n, 12) == 0, "parent data");
  close(tochild[0]);
  close(tochild[1]);
  close(toparent[0]);
  close(toparent[1]);
}

// Three generations share one array; each rewrites its own pages (an
// interleaved set) and must see the original everywhere else.
#define GEN_PAGES 192

static void
gen_write(char *p, int gen)
{
  for (int i = gen; i < GEN_PAGES; i += 3)
    pages_fill(p + i * PGSIZE, 1, 100 + gen);
}

static void
gen_check(char *p, int gen)
{
  for (int i = 0; i < GEN_PAGES; i++) {
    uint64 seed = (i % 3 == gen) ? 100 + gen : 20;
    CHECK(pages_check(p + i * PGSIZE, 1, seed) == 0, "gen %d page %d wrong", gen, i);
  }
}

TEST(cow_three_generations)
{
  char *p = filled_heap(GEN_PAGES, 20);
  int go[2], pid;

  CHECK(pipe(go) == 0, "pipe");
  pid = xfork();
  if (pid == 0) {
    int pid2 = xfork();
    if (pid2 == 0) {
      await(go[0]);
      gen_write(p, 2);
      gen_check(p, 2);
      exit(0);
    }
    await(go[0]);
    gen_write(p, 1);
    gen_check(p, 1);
    CHECK(xwait(0) == 0, "grandchild failed");
    gen_check(p, 1);
    exit(0);
  }
  // release both descendants at once so their writes interleave with ours
  CHECK(write(go[1], "gg", 2) == 2, "release");
  gen_write(p, 0);
  gen_check(p, 0);
  CHECK(xwait(0) == 0, "child failed");
  gen_check(p, 0);
  close(go[0]);
  close(go[1]);
}

TEST(cow_many_writers)
{
  int n = 64, nchild = 8, go[2];
  struct vmstat v0, v1;
  char *p = filled_heap(n, 30);

  xvmstat(&v0);
  CHECK(pipe(go) == 0, "pipe");
  for (int c = 0; c < nchild; c++) {
    if (xfork() == 0) {
      await(go[0]);
      for (int r = 0; r < 3; r++) {
        pages_fill(p, n, 31 + c);
        CHECK(pages_check(p, n, 31 + c) == 0, "child %d round %d", c, r);
      }
      exit(0);
    }
  }
  for (int c = 0; c < nchild; c++)
    signal_fd(go[1]);
  for (int c = 0; c < nchild; c++)
    CHECK(xwait(0) == 0, "writer failed");
  close(go[0]);
  close(go[1]);
  CHECK(pages_check(p, n, 30) == 0, "parent saw a child's writes");
  xvmstat(&v1);
  CHECK(v1.frames_shared <= v0.frames_shared, "frames still shared: %d > %d", (int)v1.frames_shared,
        (int)v0.frames_shared);
}

// read() into a page shared with a child copies it for the reader only.
TEST(cow_read_into_shared_page)
{
  char *p = filled_heap(2, 0);
  int fd, pid, fds[2], toparent[2], tochild[2];

  memset(p, 'A', 2 * PGSIZE);
  write_file("t_cowread", "from the file");
  CHECK(pipe(fds) == 0 && pipe(toparent) == 0 && pipe(tochild) == 0, "pipe");
  pid = xfork();
  if (pid == 0) {
    CHECK(read(fds[0], p + PGSIZE, 9) == 9, "child pipe read");
    CHECK(memcmp(p + PGSIZE, "from pipe", 9) == 0, "child pipe data");
    for (int i = 9; i < PGSIZE; i++)
      CHECK(p[PGSIZE + i] == 'A', "child's copied page lost byte %d", i);
    signal_fd(toparent[1]);
    await(tochild[0]);
    for (int i = 0; i < PGSIZE; i++)
      CHECK(p[i] == 'A', "child sees parent's file read at %d", i);
    exit(0);
  }
  CHECK(write(fds[1], "from pipe", 9) == 9, "pipe write");
  await(toparent[0]);  // the child has read into its page 1
  fd = open("t_cowread", O_RDONLY);
  CHECK(fd >= 0, "open");
  CHECK(read(fd, p, 13) == 13, "parent file read");
  close(fd);
  CHECK(memcmp(p, "from the file", 13) == 0, "parent file data");
  for (int i = 13; i < PGSIZE; i++)
    CHECK(p[i] == 'A', "parent's copied page lost byte %d", i);
  signal_fd(tochild[1]);
  CHECK(xwait(0) == 0, "child failed");
  for (int i = 0; i < PGSIZE; i++)
    CHECK(p[PGSIZE + i] == 'A', "parent sees child's pipe read at %d", i);
  unlink("t_cowread");
  close(fds[0]);
  close(fds[1]);
  close(toparent[0]);
  close(toparent[1]);
  close(tochild[0]);
  close(tochild[1]);
}

// A process holding ~70% of free RAM can still fork; the child runs.
TEST(cow_fork_most_of_ram)
{
  int n = frames_free() * 7 / 10, pid;
  char *p = sbrk(n * PGSIZE);

  CHECK(p != (char *)-1, "sbrk %d pages", n);
  p = (char *)PGROUNDUP((uint64)p);
  n--;
  pages_fill(p, n, 60);
  pid = xfork();
  if (pid == 0) {
    int bad = pages_check(p, n, 60);
    CHECK(bad == 0, "child: %d of %d pages wrong", bad, n);
    pages_fill(p, 1, 61);
    exit(0);
  }
  CHECK(xwait(0) == 0, "child failed");
  CHECK(pages_check(p, n, 60) == 0, "child write visible to parent");
}

// A child that rewrites a shared array bigger than free memory is killed
// for OOM; the parent and a sibling sharer keep their data.
TEST(cow_oom_during_break)
{
  struct vmstat v0, v1;
  int n, go[2], sib, pid, st;
  char *p;

  n = frames_free() * 6 / 10;
  p = filled_heap(n, 40);
  CHECK(pipe(go) == 0, "pipe");
  sib = xfork();
  if (sib == 0) {
    await(go[0]);
    CHECK(pages_check(p, n, 40) == 0, "sibling lost its data");
    exit(0);
  }
  xvmstat(&v0);
  pid = xfork();
  if (pid == 0) {
    pages_fill(p, n, 41);  // needs n more frames: must run out
    exit(0);
  }
  st = xwait(&pid);
  xvmstat(&v1);
  CHECK(st == -1, "COW-breaking child status %d, want -1 (OOM)", st);
  CHECK(v1.kills[KR_OOM] == v0.kills[KR_OOM] + 1, "%d OOM kills",
        (int)(v1.kills[KR_OOM] - v0.kills[KR_OOM]));
  CHECK(pages_check(p, n, 40) == 0, "parent lost its data");
  signal_fd(go[1]);
  CHECK(xwait(0) == 0, "sibling failed");
  close(go[0]);
  close(go[1]);
  // memory is usable again
  pages_fill(p, n, 42);
  CHECK(pages_check(p, n, 42) == 0, "parent rewrite");
}

// fork+exec of a process holding 32 MiB costs the child only page-table
// pages (and a little kernel state) before exec replaces the image. The
// heap's leaf tables (16 for 32 MiB) are shared with the parent, not
// copied: the child holds many more page-table pages than fork took frames.
TEST(cow_fork_exec_cheap)
{
  int n = (32 << 20) / PGSIZE, pid;
  struct vmstat v0;
  char *p = filled_heap(n, 50);

  xvmstat(&v0);
  pid = xfork();
  if (pid == 0) {
    struct vmstat v1;
    struct procstat ps;
    char *argv[] = {"true", 0};
    xvmstat(&v1);
    xprocstat(&ps);
    long taken = v0.frames_free - v1.frames_free;
    CHECK(taken <= (long)ps.pt_pages + 16, "fork of 32 MiB took %d frames, %d page-table pages",
          (int)taken, (int)ps.pt_pages);
    CHECK((long)ps.pt_pages - taken >= n / 512 / 2,
          "leaf tables copied, not shared: fork took %d frames, child has %d page-table pages",
          (int)taken, (int)ps.pt_pages);
    exec("/true", argv);
    FAILF("exec /true failed");
  }
  CHECK(xwait(0) == 0, "child failed");
  CHECK(pages_check(p, n, 50) == 0, "parent data");
}

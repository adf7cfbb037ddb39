// The reverse map from a file's pages to every mapping of them: truncating
// a mapped file unmaps the pages past the new end in every process (a
// forked child, an unrelated process), so a later touch kills each with
// "beyond end of file"; msync and munmap write-protect every sharer's
// writable PTEs, so a forked child's stores reach the disk at its parent's
// msync.
#include "harness.h"

static char
rpat(int off, int seed)
{
  return (char)((off * 7 + seed * 13 + (off >> 11)) & 0xff);
}

// path with npages pages of pattern seed; returns an fd open O_RDWR.
static int
rfile(const char *path, int npages, int seed)
{
  return pattern_file(path, npages, seed, rpat);
}

// Offset of the first byte of [p, p+n) that is not pattern seed, or -1.
static int
rbad(const char *p, int n, int seed)
{
  for (int i = 0; i < n; i++)
    if (p[i] != rpat(i, seed))
      return i;
  return -1;
}

static void
touch(void *arg)
{
  volatile char *p = arg;
  (void)*p;
}

static void
touch_pages(volatile char *p, int npages)
{
  for (int i = 0; i < npages; i++)
    (void)p[i * PGSIZE];
}

static void
xtruncate(const char *path)
{
  int t = open(path, O_RDWR | O_TRUNC);
  CHECK(t >= 0, "open %s O_TRUNC", path);
  close(t);
}

// After the truncation: this process maps none of the file's pages, and a
// touch of any page (in a child, which inherits the page table) kills.
static void
check_gone(char *sh, char *pr, int npages, const char *who)
{
  CHECK(resident_at(sh) == 0, "%s: %d shared pages still mapped", who, resident_at(sh));
  CHECK(resident_at(pr) == 0, "%s: %d private pages still mapped", who, resident_at(pr));
  for (int i = 0; i < npages; i++) {
    CHECK(child_status(touch, sh + i * PGSIZE) == -1, "%s: shared page %d readable", who, i);
    CHECK(child_status(touch, pr + i * PGSIZE) == -1, "%s: private page %d readable", who, i);
  }
}

#define NP 4

// A sharer waits on the pipe for the truncation, then checks it is unmapped
// and touches page 1, which must kill it. Exit 2: still mapped.
static void
sharer(char *sh, char *pr, int ready, int go)
{
  char c = 'r';
  if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
    exit(3);
  if (resident_at(sh) != 0 || resident_at(pr) != 0)
    exit(2);
  touch(sh + PGSIZE);
  exit(0);
}

static void
map_both(int fd, char **sh, char **pr)
{
  *sh = mmap(0, NP * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  *pr = mmap(0, NP * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  CHECK(*sh != MAP_FAILED && *pr != MAP_FAILED, "mmap");
  CHECK(rbad(*sh, NP * PGSIZE, 5) == -1 && rbad(*pr, NP * PGSIZE, 5) == -1, "file bytes");
  (*pr)[2 * PGSIZE] = 1;  // a private copy: it goes too (the page lies past the end)
  touch_pages(*sh, NP);
  touch_pages(*pr, NP);
  CHECK(resident_at(*sh) == NP && resident_at(*pr) == NP, "pages not all mapped");
}

static void
truncate_with_sharer(int inherit)
{
  const char *path = inherit ? "t_rm1" : "t_rm2";
  int fd = rfile(path, NP, 5);
  char *sh = 0, *pr = 0;
  if (inherit)
    map_both(fd, &sh, &pr);
  int ready[2], go[2];
  CHECK(pipe(ready) == 0 && pipe(go) == 0, "pipe");
  int pid = xfork();
  if (pid == 0) {
    if (!inherit) {  // an unrelated mapping: its own open and mmap
      int cfd = open(path, O_RDONLY);
      char *csh = mmap(0, NP * PGSIZE, PROT_READ, MAP_SHARED, cfd, 0);
      char *cpr = mmap(0, NP * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, cfd, 0);
      if (cfd < 0 || csh == MAP_FAILED || cpr == MAP_FAILED)
        exit(4);
      touch_pages(csh, NP);
      touch_pages(cpr, NP);
      sh = csh;
      pr = cpr;
    } else {
      touch_pages(sh, NP);  // the child's own PTEs (not only shared leaf tables)
      pr[3 * PGSIZE] = 2;
    }
    sharer(sh, pr, ready[1], go[0]);
  }
  if (!inherit)
    map_both(fd, &sh, &pr);
  char c;
  CHECK(read(ready[0], &c, 1) == 1, "sharer not ready");
  xtruncate(path);
  CHECK(write(go[1], &c, 1) == 1, "go");
  int st = xwait(0);
  CHECK(st == -1, "the sharer was not killed by its touch past the end (exit %d%s)", st,
        st == 2 ? ": its pages were still mapped" : "");
  check_gone(sh, pr, NP, "truncating process");
  CHECK(munmap(sh, NP * PGSIZE) == 0 && munmap(pr, NP * PGSIZE) == 0, "munmap");
  close(fd);
  close(ready[0]);
  close(ready[1]);
  close(go[0]);
  close(go[1]);
  CHECK(unlink(path) == 0, "unlink");
}

TEST(rmap_truncate_parent_and_child)
{
  truncate_with_sharer(1);
}

TEST(rmap_truncate_unrelated)
{
  truncate_with_sharer(0);
}

// A forked child stores, the parent's msync writes the pages back; the
// child stores again, through PTEs still writable unless that msync
// write-protected them too (then the stores fault and dirty the pages
// again). The parent's second msync (or munmap) must write those stores,
// and the file must hold every byte while the child is still alive.
static void
child_stores_parent_syncs(int unmap)
{
  const char *path = unmap ? "t_rm4" : "t_rm3";
  int fd = rfile(path, NP, 6);
  char *m = mmap(0, NP * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap");
  int ready[2], go[2];
  CHECK(pipe(ready) == 0 && pipe(go) == 0, "pipe");
  int pid = xfork();
  if (pid == 0) {
    char c = 0;
    for (int i = 0; i < NP * PGSIZE; i++)
      m[i] = rpat(i, 7);  // write-notify: dirty, PTEs writable
    if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
      exit(3);
    for (int i = 0; i < NP * PGSIZE; i++)
      m[i] = rpat(i, 8);  // after the parent's first msync
    if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
      exit(3);
    exit(0);
  }
  char c;
  CHECK(read(ready[0], &c, 1) == 1, "child not ready");
  CHECK(msync(m, NP * PGSIZE, MS_SYNC) == 0, "first msync");
  CHECK(write(go[1], &c, 1) == 1, "go");
  CHECK(read(ready[0], &c, 1) == 1, "child not ready");
  struct vmstat a, b;
  xvmstat(&a);
  if (unmap)
    CHECK(munmap(m, NP * PGSIZE) == 0, "munmap");
  else
    CHECK(msync(m, NP * PGSIZE, MS_SYNC) == 0, "msync");
  xvmstat(&b);
  CHECK(b.cache_writebacks - a.cache_writebacks == NP,
        "%s wrote %d pages back, want the child's %d", unmap ? "munmap" : "msync",
        (int)(b.cache_writebacks - a.cache_writebacks), NP);
  // Every byte, through read() (the cache the disk now agrees with).
  static char buf[NP * PGSIZE];
  int r = open(path, O_RDONLY);
  CHECK(r >= 0 && read(r, buf, sizeof(buf)) == sizeof(buf), "read back");
  close(r);
  int bad = rbad(buf, sizeof(buf), 8);
  CHECK(bad == -1, "byte %d of the file is %d, want %d", bad, buf[bad] & 0xff, rpat(bad, 8) & 0xff);
  CHECK(write(go[1], &c, 1) == 1, "go");
  CHECK(xwait(0) == 0, "child failed");
  // Nobody maps it now: drop the cache and read the disk itself.
  if (!unmap)
    CHECK(munmap(m, NP * PGSIZE) == 0, "munmap");
  close(fd);
  vmctl(VMCTL_CACHE_DROP, 1);
  r = open(path, O_RDONLY);
  CHECK(r >= 0 && read(r, buf, sizeof(buf)) == sizeof(buf), "read from disk");
  close(r);
  bad = rbad(buf, sizeof(buf), 8);
  CHECK(bad == -1, "disk byte %d is %d, want %d", bad, buf[bad] & 0xff, rpat(bad, 8) & 0xff);
  close(ready[0]);
  close(ready[1]);
  close(go[0]);
  close(go[1]);
  CHECK(unlink(path) == 0, "unlink");
}

TEST(rmap_msync_reaches_child_stores)
{
  child_stores_parent_syncs(0);
}

TEST(rmap_munmap_reaches_child_stores)
{
  child_stores_parent_syncs(1);
}

// A private copy of a file page past the new end that sits on swap goes
// too: its slot comes back at the truncation and a touch there kills.
TEST(rmap_truncate_swapped_copy)
{
  int fd = rfile("t_rm5", NP, 9);
  char *pr = mmap(0, NP * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  CHECK(pr != MAP_FAILED, "mmap");
  for (int i = 0; i < PGSIZE; i++)
    pr[3 * PGSIZE + i] = (char)(i * 3 + 1);  // a private copy of page 3
  struct vmstat a, b, c;
  xvmstat(&a);
  if (a.swap_total == 0 || !a.swap_on) {
    printf("rmap_truncate_swapped_copy: no swap, checking the plain case only\n");
  } else {
    CHECK(madvise(pr + 3 * PGSIZE, PGSIZE, MADV_PAGEOUT) == 1, "page-out of the private copy");
    xvmstat(&b);
    CHECK(b.swap_used == a.swap_used + 1, "swap_used %d, want %d", (int)b.swap_used,
          (int)a.swap_used + 1);
  }
  xtruncate("t_rm5");
  xvmstat(&c);
  CHECK(c.swap_used == a.swap_used, "the slot of the copy past the end was not freed (%d, want %d)",
        (int)c.swap_used, (int)a.swap_used);
  CHECK(child_status(touch, pr + 3 * PGSIZE) == -1, "the copy past the end is still readable");
  CHECK(munmap(pr, NP * PGSIZE) == 0, "munmap");
  close(fd);
  CHECK(unlink("t_rm5") == 0, "unlink");
}

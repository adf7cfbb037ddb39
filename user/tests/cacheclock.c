// The page-cache clock (kernel/vm/object.c, vmobj_reclaim), driven through
// vmctl: clean unmapped pages are freed and read again from the disk with
// every byte right; a file used again keeps its pages (second chance);
// dirty mapped pages are unmapped from every page table (the reverse map),
// written back through the log and freed, and the file holds the stores
// when it is read again from the disk. The fsck of make test then checks
// the image after this heavy eviction of dirty file pages.
#include "harness.h"

static char
cpat(int off, int seed)
{
  return (char)((off * 11 + seed * 29 + (off >> 12) * 3) & 0xff);
}

static char buf[16 * PGSIZE];

// path with npages pages of pattern seed, closed.
static void
cfile(const char *path, int npages, int seed)
{
  unlink(path);
  int fd = open(path, O_CREATE | O_RDWR);
  CHECK(fd >= 0, "create %s", path);
  for (int done = 0; done < npages;) {
    int n = npages - done < 16 ? npages - done : 16;
    for (int i = 0; i < n * PGSIZE; i++)
      buf[i] = cpat(done * PGSIZE + i, seed);
    CHECK(write(fd, buf, n * PGSIZE) == n * PGSIZE, "write %s", path);
    done += n;
  }
  close(fd);
}

// read() the whole file, checking every byte against pattern seed; returns
// the pages the cache had to read from the disk meanwhile.
static int
cread(const char *path, int npages, int seed)
{
  struct vmstat a, b;
  xvmstat(&a);
  int fd = open(path, O_RDONLY);
  CHECK(fd >= 0, "open %s", path);
  for (int done = 0; done < npages;) {
    int n = npages - done < 16 ? npages - done : 16;
    CHECK(read(fd, buf, n * PGSIZE) == n * PGSIZE, "read %s", path);
    for (int i = 0; i < n * PGSIZE; i++)
      CHECK(buf[i] == cpat(done * PGSIZE + i, seed), "%s: byte %d is %d, want %d", path,
            done * PGSIZE + i, buf[i] & 0xff, cpat(done * PGSIZE + i, seed) & 0xff);
    done += n;
  }
  close(fd);
  xvmstat(&b);
  return (int)(b.cache_fills - a.cache_fills);
}

TEST(cacheclock_bad_args)
{
  CHECK(vmctl(VMCTL_CACHE_RECLAIM, 0) == -1, "reclaim 0 pages accepted");
  CHECK(vmctl(VMCTL_CACHE_RECLAIM, -5) == -1, "reclaim -5 pages accepted");
  CHECK(vmctl(VMCTL_CACHE_RECLAIM, -1) == 0, "reclaim -1 is a query: 0");
  CHECK(vmctl(VMCTL_CACHE_EVICT, 0) == -1, "evict 0 pages accepted");
  CHECK(vmctl(VMCTL_CACHE_EVICT, -1) == 0, "evict -1 is a query: 0");
}

#define NA 48

// Read a file twice (the second time from the cache), reclaim: the pages
// are freed (counted), and a third read fetches every byte from the disk.
TEST(cacheclock_reclaim_clean)
{
  cfile("t_cc1", NA, 1);
  vmctl(VMCTL_CACHE_DROP, 1);
  CHECK(cread("t_cc1", NA, 1) == NA, "first read: not every page from the disk");
  CHECK(cread("t_cc1", NA, 1) == 0, "second read: not every page from the cache");
  struct vmstat a, b;
  xvmstat(&a);
  int freed = vmctl(VMCTL_CACHE_RECLAIM, 1 << 20);
  xvmstat(&b);
  CHECK(freed >= NA, "reclaim freed %d pages, want at least the file's %d", freed, NA);
  CHECK((int)(b.cache_reclaimed - a.cache_reclaimed) == freed, "cache_reclaimed grew by %d, not %d",
        (int)(b.cache_reclaimed - a.cache_reclaimed), freed);
  CHECK((int)(a.cache_pages - b.cache_pages) == freed, "cache_pages fell by %d, not %d",
        (int)(a.cache_pages - b.cache_pages), freed);
  CHECK((int)(b.frames_free - a.frames_free) >= freed, "frames_free grew by %d, less than %d",
        (int)(b.frames_free - a.frames_free), freed);
  CHECK(b.cache_written == a.cache_written, "clean pages written");
  CHECK(cread("t_cc1", NA, 1) == NA, "after reclaim: not every page from the disk");
  CHECK(unlink("t_cc1") == 0, "unlink");
}

// Two files cached, every page's bit cleared by a first turn of the hand;
// then one of them is read again. Reclaiming all the other unmapped pages
// must leave it whole (the hand gives its pages a second chance). Twice,
// with the roles swapped, so the hand's starting point does not matter.
TEST(cacheclock_second_chance)
{
  const char *name[2] = {"t_cc2", "t_cc3"};
  cfile(name[0], NA, 2);
  cfile(name[1], NA, 3);
  for (int round = 0; round < 4; round++) {
    int keep = round % 2, other = 1 - keep;
    cread(name[other], NA, 2 + other);  // both cached
    cread(name[keep], NA, 2 + keep);
    CHECK(vmctl(VMCTL_CACHE_RECLAIM, 1) == 1, "reclaim 1");
    cread(name[keep], NA, 2 + keep);  // used again (refills a page the hand took)
    struct vmstat st;
    xvmstat(&st);
    int want = (int)(st.cache_pages - st.cache_mapped) - NA;
    CHECK(want > 0, "round %d: only %d unmapped cache pages", round, want + NA);
    int freed = vmctl(VMCTL_CACHE_RECLAIM, want);
    CHECK(freed == want, "round %d: freed %d of %d", round, freed, want);
    int fills = cread(name[keep], NA, 2 + keep);
    CHECK(fills == 0, "round %d: %d pages of the file used again were taken", round, fills);
  }
  CHECK(unlink(name[0]) == 0 && unlink(name[1]) == 0, "unlink");
}

#define NC 32

// A parent and its forked child store into a shared mapping (half each);
// evicting takes the pages out of both page tables (claims passed), writes
// them back and frees them. The file read from the disk holds every store;
// both mappings refault the same bytes.
TEST(cacheclock_evict_dirty_mapped)
{
  cfile("t_cc4", NC, 4);
  int fd = open("t_cc4", O_RDWR);
  CHECK(fd >= 0, "open");
  char *m = mmap(0, NC * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap");
  int ready[2], go[2];
  CHECK(pipe(ready) == 0 && pipe(go) == 0, "pipe");
  int half = NC / 2 * PGSIZE;
  int pid = xfork();
  if (pid == 0) {
    char c = 0;
    for (int i = half; i < NC * PGSIZE; i++)
      m[i] = cpat(i, 5);
    if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
      exit(3);
    if (resident_at(m) != 0)
      exit(2);  // the eviction did not reach the child's page table
    for (int i = 0; i < NC * PGSIZE; i++)
      if (m[i] != cpat(i, 5))
        exit(4);
    exit(0);
  }
  for (int i = 0; i < half; i++)
    m[i] = cpat(i, 5);
  char c;
  CHECK(read(ready[0], &c, 1) == 1, "child not ready");
  struct vmstat a, b;
  xvmstat(&a);
  int freed = vmctl(VMCTL_CACHE_EVICT, 1 << 20);
  xvmstat(&b);
  CHECK(freed >= NC, "evict freed %d pages, want at least %d", freed, NC);
  CHECK(b.cache_written - a.cache_written == NC, "%d dirty pages written by eviction, want %d",
        (int)(b.cache_written - a.cache_written), NC);
  CHECK(b.cache_dirty == 0, "%d pages still dirty", (int)b.cache_dirty);
  CHECK(resident_at(m) == 0, "%d pages still mapped here", resident_at(m));
  CHECK(cread("t_cc4", NC, 5) == NC, "not every page read back from the disk");
  CHECK(write(go[1], &c, 1) == 1, "go");
  int st = xwait(0);
  CHECK(st == 0, "child: %s", st == 2 ? "still mapped" : st == 4 ? "wrong bytes" : "failed");
  for (int i = 0; i < NC * PGSIZE; i++)
    CHECK(m[i] == cpat(i, 5), "mapping byte %d is %d after refault", i, m[i] & 0xff);
  CHECK(munmap(m, NC * PGSIZE) == 0, "munmap");
  close(fd);
  close(ready[0]);
  close(ready[1]);
  close(go[0]);
  close(go[1]);
  CHECK(unlink("t_cc4") == 0, "unlink");
}

#define NH 64

// Rounds of stores to every page of a mapped file, each followed by an
// eviction that writes them all back through the log: the file holds the
// last round, read from the disk. The image is fscked after the suite.
TEST(cacheclock_heavy_dirty_eviction)
{
  cfile("t_cc5", NH, 6);
  int fd = open("t_cc5", O_RDWR);
  char *m = mmap(0, NH * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(fd >= 0 && m != MAP_FAILED, "mmap");
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < NH * PGSIZE; i++)
      m[i] = cpat(i, 10 + round);
    struct vmstat a, b;
    xvmstat(&a);
    vmctl(VMCTL_CACHE_EVICT, 1 << 20);
    xvmstat(&b);
    CHECK(b.cache_written - a.cache_written == NH, "round %d: %d pages written, want %d", round,
          (int)(b.cache_written - a.cache_written), NH);
    CHECK(cread("t_cc5", NH, 10 + round) == NH, "round %d: not read back from the disk", round);
  }
  CHECK(munmap(m, NH * PGSIZE) == 0, "munmap");
  close(fd);
  // Left on the disk for the fsck (a later test run recreates it).
}

// Run only when named (make test runs it in a small guest: MEM=32M): a
// file bigger than half of RAM read twice (the second time wholly from the
// cache), reclaimed (the cache gives its pages back), read a third time
// from the disk, every byte checked each time.
TEST(bigcache_half_ram)
{
  struct vmstat st;
  xvmstat(&st);
  int np = (int)(st.frames_total / 2) + 64;
  CHECK((uint64)np + 512 < st.frames_free, "%d free frames: too few for a %d-page file",
        (int)st.frames_free, np);
  cfile("t_big", np, 7);
  vmctl(VMCTL_CACHE_DROP, 1);
  CHECK(cread("t_big", np, 7) == np, "first read: not every page from the disk");
  xvmstat(&st);
  CHECK(st.cache_pages >= (uint64)np, "only %d pages cached", (int)st.cache_pages);
  CHECK(cread("t_big", np, 7) == 0, "second read: not every page from the cache");
  struct vmstat a, b;
  xvmstat(&a);
  uint64 t0 = nsec();
  int freed = vmctl(VMCTL_CACHE_RECLAIM, np);
  uint64 t1 = nsec();
  xvmstat(&b);
  printf("bigcache: %d-page file (RAM %d frames): reclaimed %d pages in %d us\n", np,
         (int)st.frames_total, freed, (int)((t1 - t0) / 1000));
  CHECK(freed == np, "reclaim freed %d of %d pages", freed, np);
  CHECK((int)(a.cache_pages - b.cache_pages) == np, "cache_pages fell by %d, not %d",
        (int)(a.cache_pages - b.cache_pages), np);
  CHECK((int)(b.frames_free - a.frames_free) >= np, "frames_free grew by %d only",
        (int)(b.frames_free - a.frames_free));
  CHECK(cread("t_big", np, 7) == np, "after reclaim: not every page from the disk");
  CHECK(unlink("t_big") == 0, "unlink");
}

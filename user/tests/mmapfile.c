// Private file mappings: every byte is the file's, the page straddling end
// of file reads zeros past it, a page wholly past it kills with "beyond
// end of file", nothing is read at mmap time, private stores never reach
// the file and survive close(fd).
#include "harness.h"

#define FSIZE (5 * PGSIZE + 100)

static int
killed(void (*fn)(void *), void *arg, int reason)
{
  struct vmstat v0, v1;
  xvmstat(&v0);
  int st = child_status(fn, arg);
  xvmstat(&v1);
  if (st != -1)
    return 0;
  CHECK(v1.kills[reason] == v0.kills[reason] + 1, "kill not counted as reason %d", reason);
  return 1;
}

static void
load(void *a)
{
  (void)*(volatile char *)a;
}

static void
store(void *a)
{
  *(volatile char *)a = 1;
}

// A file of n bytes holding bytes_fill(seed); returns its name.
static char *
make_file(uint64 n, int seed)
{
  static char name[32];
  snprintf(name, sizeof(name), "/mf_%s", test_name);
  name[15] = 0;
  char *buf = malloc(n);
  bytes_fill(buf, n, seed);
  int fd = open(name, O_CREATE | O_TRUNC | O_RDWR);
  CHECK(fd >= 0, "create %s", name);
  CHECK(write(fd, buf, n) == (int)n, "write %s", name);
  close(fd);
  free(buf);
  return name;
}

static long
file_check(const char *name, uint64 n, int seed)
{
  char *buf = malloc(n + 1);
  int fd = open(name, O_RDONLY);
  CHECK(fd >= 0, "open %s", name);
  int got = read(fd, buf, n + 1);
  close(fd);
  long bad = got == (int)n ? bytes_check(buf, n, seed) : -2;
  free(buf);
  return bad;
}

TEST(mmap_file_private_read)
{
  char *name = make_file(FSIZE, 3);
  int fd = open(name, O_RDONLY);
  struct procstat p0, p1;
  xprocstat(&p0);
  uint64 f0 = frames_free();
  char *p = mmap(0, 8 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  CHECK(p != MAP_FAILED, "mmap");
  CHECK(frames_free() == f0, "mmap read pages in");
  xprocstat(&p1);
  CHECK(p1.faults[FK_FILE] + p1.faults[FK_FILE_CACHED] ==
            p0.faults[FK_FILE] + p0.faults[FK_FILE_CACHED],
        "faults at mmap time");
  CHECK(bytes_check(p, FSIZE, 3) == -1, "contents differ at %ld", bytes_check(p, FSIZE, 3));
  for (int i = FSIZE; i < 6 * PGSIZE; i++)
    CHECK(p[i] == 0, "byte %d past end of file is %d", i, p[i]);
  xprocstat(&p1);
  CHECK(p1.faults[FK_FILE] + p1.faults[FK_FILE_CACHED] + p1.faults[FK_FILE_AROUND] -
                (p0.faults[FK_FILE] + p0.faults[FK_FILE_CACHED] + p0.faults[FK_FILE_AROUND]) ==
            6,
        "6 file pages, counted %d", (int)(p1.faults[FK_FILE] - p0.faults[FK_FILE]));
  CHECK(killed(load, p + 6 * PGSIZE, KR_BUS), "touch wholly past end of file not killed (BUS)");
  CHECK(killed(load, p + 7 * PGSIZE + 9, KR_BUS), "touch past end of file not killed (BUS)");
  CHECK(killed(store, p, KR_SEGV), "store to a read-only mapping not killed");
  CHECK(read(-1, p + 6 * PGSIZE, 1) == -1, "read() into a page past end of file");
  struct regioninfo r[VM_MAXREGIONS];
  int n = procregions(0, r, VM_MAXREGIONS), found = 0;
  struct stat st;
  CHECK(fstat(fd, &st) == 0, "fstat");
  for (int i = 0; i < n; i++)
    if (r[i].start == (uint64)p)
      found = r[i].inum == st.ino && r[i].off == 0 && !r[i].shared && r[i].kind == RK_MMAP;
  CHECK(found, "procregions does not show inode %d", st.ino);
  CHECK(munmap(p, 8 * PGSIZE) == 0, "munmap");
  close(fd);
  unlink(name);
}

// An offset maps from there on.
TEST(mmap_file_offset)
{
  char *name = make_file(FSIZE, 4);
  int fd = open(name, O_RDONLY);
  char *p = mmap(0, 2 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 3 * PGSIZE);
  CHECK(p != MAP_FAILED, "mmap");
  char *all = malloc(FSIZE);
  bytes_fill(all, FSIZE, 4);
  CHECK(memcmp(p, all + 3 * PGSIZE, 2 * PGSIZE) == 0, "offset contents");
  free(all);
  CHECK(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED, "unaligned offset");
  CHECK(munmap(p, 2 * PGSIZE) == 0, "munmap");
  close(fd);
  unlink(name);
}

TEST(mmap_file_private_write)
{
  char *name = make_file(FSIZE, 5);
  int fd = open(name, O_RDWR);
  char *p = mmap(0, 6 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  CHECK(p != MAP_FAILED, "mmap");
  p[3 * PGSIZE] = 1;                     // a store first: copied at once
  (void)*(volatile char *)(p + PGSIZE);  // read first: the cache page, then a copy
  bytes_fill(p, 6 * PGSIZE, 6);
  close(fd);
  CHECK(bytes_check(p, 6 * PGSIZE, 6) == -1, "private stores lost after close");
  CHECK(file_check(name, FSIZE, 5) == -1, "private stores reached the file");
  // A second private mapping sees the file, not the first one's stores.
  fd = open(name, O_RDONLY);
  char *q = mmap(0, FSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  CHECK(q != MAP_FAILED && bytes_check(q, FSIZE, 5) == -1, "second mapping");
  CHECK(munmap(p, 6 * PGSIZE) == 0 && munmap(q, FSIZE) == 0, "munmap");
  CHECK(file_check(name, FSIZE, 5) == -1, "file changed by munmap");
  close(fd);
  unlink(name);
}

// A private file page is copy-on-write across fork like anonymous memory.
TEST(mmap_file_private_fork)
{
  char *name = make_file(2 * PGSIZE, 7);
  int fd = open(name, O_RDWR);
  char *p = mmap(0, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  CHECK(p != MAP_FAILED, "mmap");
  char *exp = malloc(2 * PGSIZE);
  bytes_fill(exp, 2 * PGSIZE, 7);
  p[0] = 'P';
  if (xfork() == 0) {
    if (p[0] != 'P' || memcmp(p + 1, exp + 1, 2 * PGSIZE - 1) != 0)
      exit(2);
    p[0] = 'C';
    p[PGSIZE] = 'C';
    exit(0);
  }
  CHECK(xwait(0) == 0, "child");
  CHECK(p[0] == 'P', "parent sees the child's store");
  CHECK(memcmp(p + 1, exp + 1, 2 * PGSIZE - 1) == 0, "child's stores reached the parent");
  free(exp);
  CHECK(munmap(p, 2 * PGSIZE) == 0, "munmap");
  close(fd);
  CHECK(file_check(name, 2 * PGSIZE, 7) == -1, "file changed");
  unlink(name);
}

// Out of memory while a file page is filled kills only that process.
TEST(mmap_file_oom_kills_only_it)
{
  char *name = make_file(4 * PGSIZE, 8);
  vmctl(VMCTL_CACHE_DROP, 1);
  int fd = open(name, O_RDONLY);
  char *p = mmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  CHECK(p != MAP_FAILED, "mmap");
  struct vmstat v0, v1;
  xvmstat(&v0);
  int pid = xfork();
  if (pid == 0) {
    while (sbrkeager(64 * PGSIZE) != (char *)-1)
      ;
    while (sbrkeager(PGSIZE) != (char *)-1)
      ;
    for (int i = 0; i < 4; i++) {
      (void)*(volatile char *)(p + i * PGSIZE);  // a frame unless still cached
      p[i * PGSIZE] = 1;                         // a private copy: a frame for sure
    }
    exit(0);
  }
  int st = xwait(0);
  xvmstat(&v1);
  CHECK(st == -1, "child status %d, want killed", st);
  CHECK(v1.kills[KR_OOM] == v0.kills[KR_OOM] + 1, "not counted as OOM");
  CHECK(bytes_check(p, 4 * PGSIZE, 8) == -1, "parent's mapping");
  CHECK(munmap(p, 4 * PGSIZE) == 0, "munmap");
  close(fd);
  unlink(name);
}

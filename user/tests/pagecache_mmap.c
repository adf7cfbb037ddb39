// Page cache shared by read()/write() and file mappings: one frame per file
// page, so a write() shows in a MAP_SHARED mapping at once and a shared
// store shows in read() at once; read() into / write() from a mapping of
// the same file; writeback of dirty pages only; truncation and unlink of
// mapped files.
#include "harness.h"

static char
mpat(int off, int seed)
{
  return (char)((off * 5 + seed * 11 + (off >> 10)) & 0xff);
}

// Create path with npages pages of pattern seed; returns an fd open O_RDWR.
static int
mfile(const char *path, int npages, int seed)
{
  return pattern_file(path, npages, seed, mpat);
}

static void
check_bytes(const char *p, int off, int n, int seed, const char *what)
{
  for (int i = 0; i < n; i++)
    CHECK(p[i] == mpat(off + i, seed), "%s: byte %d is %d, want %d", what, off + i, p[i] & 0xff,
          mpat(off + i, seed) & 0xff);
}

// A fresh descriptor at offset 0 of path, so reads do not share fd's offset.
static int
reopen(const char *path)
{
  int fd = open(path, O_RDWR);
  CHECK(fd >= 0, "reopen %s", path);
  return fd;
}

TEST(pagecache_mmap_sees_write)
{
  int fd = mfile("t_pm1", 3, 1);
  char *m = mmap(0, 3 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap");
  check_bytes(m, 0, 3 * PGSIZE, 1, "mapping");
  // write() across a page boundary: the mapping shows it at once.
  static char buf[PGSIZE + 100];
  for (int i = 0; i < (int)sizeof(buf); i++)
    buf[i] = mpat(PGSIZE - 50 + i, 2);
  int w = reopen("t_pm1");
  char skip[PGSIZE - 50];
  CHECK(read(w, skip, sizeof(skip)) == sizeof(skip), "skip");
  CHECK(write(w, buf, sizeof(buf)) == sizeof(buf), "write");
  close(w);
  check_bytes(m, 0, PGSIZE - 50, 1, "before the write");
  check_bytes(m + PGSIZE - 50, PGSIZE - 50, sizeof(buf), 2, "written");
  check_bytes(m + 2 * PGSIZE + 50, 2 * PGSIZE + 50, PGSIZE - 50, 1, "after the write");
  CHECK(munmap(m, 3 * PGSIZE) == 0, "munmap");
  close(fd);
  CHECK(unlink("t_pm1") == 0, "unlink");
}

TEST(pagecache_mmap_store_seen_by_read)
{
  static char buf[2 * PGSIZE];
  int fd = mfile("t_pm2", 2, 3);
  char *m = mmap(0, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap");
  for (int i = 0; i < 2 * PGSIZE; i++)
    m[i] = mpat(i, 4);
  int r = reopen("t_pm2");
  CHECK(read(r, buf, sizeof(buf)) == sizeof(buf), "read");
  close(r);
  check_bytes(buf, 0, sizeof(buf), 4, "read() after the store");
  CHECK(munmap(m, 2 * PGSIZE) == 0, "munmap");
  close(fd);
  // Written back at munmap: still there once the cache is dropped.
  vmctl(VMCTL_CACHE_DROP, 1);
  r = reopen("t_pm2");
  CHECK(read(r, buf, sizeof(buf)) == sizeof(buf), "read from disk");
  close(r);
  check_bytes(buf, 0, sizeof(buf), 4, "read() from disk");
  CHECK(unlink("t_pm2") == 0, "unlink");
}

// read() into a shared mapping of the same file, and write() from one:
// no deadlock (no inode lock is held across the user copy), right bytes.
TEST(pagecache_mmap_same_file_io)
{
  int fd = mfile("t_pm3", 4, 5);
  char *m = mmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap");
  int r = reopen("t_pm3");
  static char skip[2 * PGSIZE];
  CHECK(read(r, skip, 2 * PGSIZE) == 2 * PGSIZE, "skip");
  // Pages 2-3 of the file into pages 0-1 of the mapping (page 0 untouched so far).
  CHECK(read(r, m, 2 * PGSIZE) == 2 * PGSIZE, "read into the mapping");
  check_bytes(m, 2 * PGSIZE, 2 * PGSIZE, 5, "read into the mapping");
  close(r);
  // Pages 0-1 of the mapping (= old pages 2-3) written to file pages 2-3: unchanged.
  int w = reopen("t_pm3");
  CHECK(read(w, skip, 2 * PGSIZE) == 2 * PGSIZE, "skip");
  CHECK(write(w, m, 2 * PGSIZE) == 2 * PGSIZE, "write from the mapping");
  close(w);
  check_bytes(m + 2 * PGSIZE, 2 * PGSIZE, 2 * PGSIZE, 5, "pages 2-3");
  CHECK(munmap(m, 4 * PGSIZE) == 0, "munmap");
  close(fd);
  CHECK(unlink("t_pm3") == 0, "unlink");
}

// Only pages stored to are written back; clean afterwards; a later store
// is caught again.
TEST(pagecache_mmap_writeback_dirty_only)
{
  struct vmstat a, b, c, d;
  int fd = mfile("t_pm4", 8, 6);
  char *m = mmap(0, 8 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap");
  for (int pg = 0; pg < 8; pg++)
    CHECK(m[pg * PGSIZE] == mpat(pg * PGSIZE, 6), "page %d", pg);  // all mapped, clean
  xvmstat(&a);
  CHECK(a.cache_mapped >= 8, "cache_mapped %d", (int)a.cache_mapped);
  m[2 * PGSIZE + 7] = 'x';
  m[5 * PGSIZE + 9] = 'y';
  CHECK(msync(m, 8 * PGSIZE, MS_SYNC) == 0, "msync");
  xvmstat(&b);
  CHECK(b.cache_writebacks - a.cache_writebacks == 2, "msync wrote %d pages, want 2",
        (int)(b.cache_writebacks - a.cache_writebacks));
  CHECK(msync(m, 8 * PGSIZE, 0) == 0, "msync again");
  xvmstat(&c);
  CHECK(c.cache_writebacks == b.cache_writebacks, "clean pages written: %d",
        (int)(c.cache_writebacks - b.cache_writebacks));
  m[5 * PGSIZE + 10] = 'z';  // after writeback: must be caught again
  CHECK(munmap(m, 8 * PGSIZE) == 0, "munmap");
  xvmstat(&d);
  CHECK(d.cache_writebacks - c.cache_writebacks == 1, "munmap wrote %d pages, want 1",
        (int)(d.cache_writebacks - c.cache_writebacks));
  CHECK(d.cache_dirty == 0, "%d dirty pages left", (int)d.cache_dirty);
  close(fd);
  vmctl(VMCTL_CACHE_DROP, 1);
  static char buf[PGSIZE];
  int r = reopen("t_pm4");
  for (int pg = 0; pg < 8; pg++) {
    CHECK(read(r, buf, PGSIZE) == PGSIZE, "read page %d", pg);
    for (int i = 0; i < PGSIZE; i++) {
      char want = mpat(pg * PGSIZE + i, 6);
      if (pg == 2 && i == 7)
        want = 'x';
      if (pg == 5 && i == 9)
        want = 'y';
      if (pg == 5 && i == 10)
        want = 'z';
      CHECK(buf[i] == want, "page %d byte %d", pg, i);
    }
  }
  close(r);
  CHECK(unlink("t_pm4") == 0, "unlink");
}

// A mapped file unlinked and closed stays readable through the mapping;
// its inode, pages and blocks go at munmap.
TEST(pagecache_mmap_unlinked)
{
  struct vmstat a, b;
  int fd = mfile("t_pm5", 4, 7);
  char *m = mmap(0, 4 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap");
  close(fd);
  CHECK(unlink("t_pm5") == 0, "unlink");
  CHECK(open("t_pm5", O_RDONLY) < 0, "still has a name");
  check_bytes(m, 0, 4 * PGSIZE, 7, "unlinked mapping");
  xvmstat(&a);
  CHECK(a.cache_refs >= 1, "no object reference");
  CHECK(munmap(m, 4 * PGSIZE) == 0, "munmap");
  xvmstat(&b);
  CHECK(a.cache_refs - b.cache_refs == 1, "references %d -> %d", (int)a.cache_refs,
        (int)b.cache_refs);
  CHECK(a.cache_pages - b.cache_pages == 4, "pages %d -> %d", (int)a.cache_pages,
        (int)b.cache_pages);
}

// O_TRUNC of a mapped file drops its cached pages: a page never touched
// through the mapping is then beyond end of file (killed); a page already
// mapped keeps showing its old bytes (detached from the file, documented).
static void
touch_page(void *arg)
{
  volatile char *p = arg;
  (void)*p;
}

TEST(pagecache_mmap_truncated)
{
  struct vmstat a, b;
  // File fault-around would map page 1 ahead of the touch of page 0.
  int fa = vmctl(VMCTL_FILE_FAULTAROUND, 0);
  int fd = mfile("t_pm6", 3, 8);
  char *m = mmap(0, 3 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  CHECK(m != MAP_FAILED, "mmap");
  check_bytes(m, 0, PGSIZE, 8, "page 0");
  xvmstat(&a);
  int t = open("t_pm6", O_RDWR | O_TRUNC);
  CHECK(t >= 0, "O_TRUNC");
  close(t);
  xvmstat(&b);
  CHECK(a.cache_pages - b.cache_pages == 3, "truncation dropped %d pages, want 3",
        (int)(a.cache_pages - b.cache_pages));
  CHECK(child_status(touch_page, m + PGSIZE) == -1, "touch past the new end not killed");
  // Page 0 was mapped, but it lies past the new end too: unmapped (rmap.c).
  CHECK(child_status(touch_page, m) == -1, "mapped page 0 still readable after truncation");
  CHECK(munmap(m, 3 * PGSIZE) == 0, "munmap");
  close(fd);
  vmctl(VMCTL_FILE_FAULTAROUND, fa);
  CHECK(unlink("t_pm6") == 0, "unlink");
}

// Mappings pin inodes: a process that maps files and closes them fills
// the inode table; then open/create fails cleanly (-1), and every slot
// comes back at munmap.
TEST(pagecache_mmap_pins_inode_table)
{
  static char *maps[NINODE + 1];
  char name[16];
  int n = 0, fd = -1;

  for (n = 0; n <= NINODE; n++) {
    snprintf(name, sizeof(name), "t_pmp%d", n);
    fd = open(name, O_CREATE | O_RDWR);
    if (fd < 0)
      break;
    CHECK(write(fd, "x", 1) == 1, "write %s", name);
    maps[n] = mmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(maps[n] != MAP_FAILED, "mmap %s", name);
    close(fd);
    CHECK(maps[n][0] == 'x', "%s mapped wrong", name);
  }
  CHECK(fd < 0 && n > 10 && n < NINODE, "inode table never filled: %d files mapped", n);
  // A file whose inode is in the table (pinned by its mapping) still opens.
  char c = 0;
  fd = open("t_pmp0", O_RDONLY);
  CHECK(fd >= 0 && read(fd, &c, 1) == 1 && c == 'x', "open of a pinned file with the table full");
  close(fd);
  for (int i = 0; i < n; i++)
    CHECK(munmap(maps[i], PGSIZE) == 0, "munmap %d", i);
  fd = open("t_pmpnew", O_CREATE | O_RDWR);
  CHECK(fd >= 0, "create after munmap failed");
  close(fd);
  CHECK(unlink("t_pmpnew") == 0, "unlink");
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof(name), "t_pmp%d", i);
    CHECK(unlink(name) == 0, "unlink %s", name);
  }
}

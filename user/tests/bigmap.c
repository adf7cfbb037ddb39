// Files bigger than RAM, mapped and written through (issue 11). The file is
// made bigger than the guest's whole RAM (vmstat ram_pages), so its pages
// cannot all be in memory at once: while a MAP_SHARED mapping stores a new
// pattern over every byte, dirty file pages must leave the page tables and
// be written back through the log by the reclaimer's dirty pass (pass 3,
// the cache clock) to make room. Then every byte is checked through read()
// from the disk, through a fresh shared mapping, and through a private one.
// make test runs bigmap_* in a MEM=4M guest (writes through the log are
// slow under emulation: a 4 MiB file is what fits in its time) and fscks the
// image afterwards: the file system must be consistent after the eviction.
//
// bigmap_shared_reclaimer_alone leaves all of it to the reclaimer;
// bigmap_shared_evict_by_hand drives the unmapping with vmctl
// VMCTL_CACHE_EVICT (the caller's shared pages leave every page table, their
// dirty claims pass to the object) every EVICT_EVERY pages, standing in for
// the address-space clock (reclaim pass 2): the write-back itself is the
// automatic reclaim of vm_fault's low-memory path.
#include "harness.h"

#define EVICT_EVERY 64  // pages touched between two VMCTL_CACHE_EVICTs
#define MAXFILE_PAGES ((MAXFILE * BSIZE) / PGSIZE)

// Byte off of the file in pattern seed: not periodic in the page size; two
// seeds differ in every byte (they differ in their low bits and are xored in).
static char
bpat(int off, int seed)
{
  return (char)(((off * 131) + (off >> 12) * 7 + (off >> 20)) ^ seed);
}

#define OLD 0x11  // the pattern write() puts in the file
#define NEW 0x2e  // the pattern the mapping stores over it

// Pages for a file bigger than RAM: RAM plus a sixteenth.
static int
bigger_than_ram(void)
{
  struct vmstat st;
  xvmstat(&st);
  int np = (int)(st.ram_pages + st.ram_pages / 16);
  CHECK(st.ram_pages > 0, "vmstat ram_pages is 0");
  CHECK(np <= MAXFILE_PAGES,
        "RAM %d pages: a bigger file passes the maximum file size (%d pages); "
        "bigmap_* run in a small guest (make test: MEM=4M)",
        (int)st.ram_pages, MAXFILE_PAGES);
  return np;
}

// Every byte of page pg (at p) in pattern seed; the first wrong offset or -1.
static long
page_check(const char *p, int pg, int seed)
{
  for (int i = 0; i < PGSIZE; i++)
    if (p[i] != bpat(pg * PGSIZE + i, seed))
      return (long)pg * PGSIZE + i;
  return -1;
}

static void
page_fill(char *p, int pg, int seed)
{
  for (int i = 0; i < PGSIZE; i++)
    p[i] = bpat(pg * PGSIZE + i, seed);
}

// Every byte of the file through read(), from the disk (clean cached pages
// dropped first).
static void
check_by_read(const char *path, int np, int seed)
{
  static char buf[PGSIZE];
  vmctl(VMCTL_CACHE_DROP, 1);
  int fd = open(path, O_RDONLY);
  CHECK(fd >= 0, "reopen %s", path);
  for (int pg = 0; pg < np; pg++) {
    CHECK(read(fd, buf, PGSIZE) == PGSIZE, "read page %d of %s", pg, path);
    long bad = page_check(buf, pg, seed);
    CHECK(bad < 0, "read(): byte %d is %d, want %d (%s)", (int)bad, buf[bad % PGSIZE] & 0xff,
          bpat(bad, seed) & 0xff,
          bpat(bad, OLD) == buf[bad % PGSIZE] ? "the old pattern: a store lost" : "");
  }
  CHECK(read(fd, buf, 1) == 0, "read past the end of %s", path);
  close(fd);
}

// Every byte through a fresh mapping (flags: MAP_SHARED or MAP_PRIVATE),
// in windows of win pages unmapped after each (win = np: one mapping).
// by_hand: VMCTL_CACHE_EVICT every EVICT_EVERY pages (shared only).
static void
check_by_map(int fd, int np, int seed, int flags, int win, int by_hand)
{
  for (int first = 0; first < np; first += win) {
    int n = np - first < win ? np - first : win;
    char *p = mmap(0, (uint64)n * PGSIZE, PROT_READ, flags, fd, (uint64)first * PGSIZE);
    CHECK(p != MAP_FAILED, "mmap of pages %d-%d", first, first + n);
    for (int i = 0; i < n; i++) {
      long bad = page_check(p + (uint64)i * PGSIZE, first + i, seed);
      CHECK(bad < 0, "%s mapping: byte %d is %d, want %d",
            flags == MAP_SHARED ? "shared" : "private", (int)bad,
            p[bad - (long)first * PGSIZE] & 0xff, bpat(bad, seed) & 0xff);
      if (by_hand && (i + 1) % EVICT_EVERY == 0)
        vmctl(VMCTL_CACHE_EVICT, 1);
    }
    CHECK(munmap(p, (uint64)n * PGSIZE) == 0, "munmap");
  }
}

// The file made, stored through a whole-file MAP_SHARED mapping, checked
// three ways, removed. by_hand: VMCTL_CACHE_EVICT every EVICT_EVERY pages
// and the private check in windows; else the reclaimer alone (its clock,
// pass 2, unmaps the mapped pages) with whole-file mappings throughout.
static void
bigmap_run(const char *path, int by_hand)
{
  int np = bigger_than_ram();
  struct vmstat st0, st1;
  uint64 t0 = nsec();
  int fd = pattern_file(path, np, OLD, bpat);
  uint64 t1 = nsec();
  xvmstat(&st0);
  char *p = mmap(0, (uint64)np * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED, "mmap of %d pages", np);
  for (int pg = 0; pg < np; pg++) {
    page_fill(p + (uint64)pg * PGSIZE, pg, NEW);
    if (by_hand && (pg + 1) % EVICT_EVERY == 0)
      CHECK(vmctl(VMCTL_CACHE_EVICT, 1) >= 0, "VMCTL_CACHE_EVICT");
  }
  CHECK(msync(p, (uint64)np * PGSIZE, MS_SYNC) == 0, "msync");
  CHECK(munmap(p, (uint64)np * PGSIZE) == 0, "munmap");
  uint64 t2 = nsec();
  xvmstat(&st1);
  int written = (int)(st1.cache_written - st0.cache_written);
  printf("bigmap: %d-page file, RAM %d pages (%d frames): created in %d ms, stored through "
         "in %d ms; the cache clock wrote back %d dirty pages, the clock unmapped %d file pages\n",
         np, (int)st1.ram_pages, (int)st1.frames_total, (int)((t1 - t0) / 1000000),
         (int)((t2 - t1) / 1000000), written, (int)(st1.reclaim_file - st0.reclaim_file));
  // The mapping's pages could not all stay: at least what does not fit in
  // all frames went back to the file by the cache clock's dirty pass.
  CHECK(written >= np - (int)st1.frames_total,
        "the cache clock wrote back %d dirty pages; a %d-page file in %d frames needs %d", written,
        np, (int)st1.frames_total, np - (int)st1.frames_total);
  check_by_read(path, np, NEW);
  check_by_map(fd, np, NEW, MAP_SHARED, np, by_hand);
  check_by_map(fd, np, NEW, MAP_PRIVATE, by_hand ? EVICT_EVERY : np, 0);
  printf("bigmap: every byte checked by read(), a shared and a private mapping in %d ms\n",
         (int)((nsec() - t2) / 1000000));
  close(fd);
  CHECK(unlink(path) == 0, "unlink");
}

TEST(bigmap_shared_evict_by_hand)
{
  bigmap_run("bigmap1", 1);
}

// The same with nothing but the reclaimer: the address-space clock (pass 2)
// unmaps the mapping's pages as memory runs low, the cache clock writes the
// dirty ones back (pass 3); whole-file shared and private mappings.
TEST(bigmap_shared_reclaimer_alone)
{
  bigmap_run("bigmap2", 0);
}

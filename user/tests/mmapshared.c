// MAP_SHARED file mappings: stores reach the file after munmap, msync and
// exit without munmap; only dirty pages are written back (vmstat's
// cache_writebacks counts them); a page written back by msync and stored
// to again is written again; fork shares the pages; read()/write() and the
// mapping see each other's bytes at once.
#include "harness.h"

#define NPG 4

static char *
make_file(uint64 n, int seed)
{
  static char name[32];
  snprintf(name, sizeof(name), "/ms_%s", test_name);
  name[15] = 0;
  char *buf = malloc(n);
  bytes_fill(buf, n, seed);
  int fd = open(name, O_CREATE | O_TRUNC | O_RDWR);
  CHECK(fd >= 0 && write(fd, buf, n) == (int)n, "create %s", name);
  close(fd);
  free(buf);
  return name;
}

// The file's bytes equal exp[0..n).
static int
file_is(const char *name, const char *exp, uint64 n)
{
  char *buf = malloc(n + 1);
  int fd = open(name, O_RDONLY);
  int got = read(fd, buf, n + 1);
  close(fd);
  int ok = got == (int)n && memcmp(buf, exp, n) == 0;
  free(buf);
  return ok;
}

static uint64
writebacks(void)
{
  struct vmstat vs;
  xvmstat(&vs);
  return vs.cache_writebacks;
}

static char *
map_shared(const char *name, int *fdp)
{
  int fd = open(name, O_RDWR);
  CHECK(fd >= 0, "open");
  char *p = mmap(0, NPG * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED, "mmap shared");
  *fdp = fd;
  return p;
}

TEST(mmap_shared_munmap_writes_back)
{
  char *name = make_file(NPG * PGSIZE, 1);
  int fd;
  char *p = map_shared(name, &fd);
  char *exp = malloc(NPG * PGSIZE);
  bytes_fill(exp, NPG * PGSIZE, 1);
  for (int i = 0; i < PGSIZE; i++) {  // pages 0 and 2, every byte
    p[i] = exp[i] = (char)(i * 3 + 1);
    p[2 * PGSIZE + i] = exp[2 * PGSIZE + i] = (char)(i * 5 + 2);
  }
  CHECK(file_is(name, exp, NPG * PGSIZE), "read() does not see the stores at once");
  uint64 w0 = writebacks();
  CHECK(munmap(p, NPG * PGSIZE) == 0, "munmap");
  CHECK(writebacks() - w0 == 2, "%d pages written back, want 2", (int)(writebacks() - w0));
  close(fd);
  vmctl(VMCTL_CACHE_DROP, 1);  // the next read comes from the disk
  CHECK(file_is(name, exp, NPG * PGSIZE), "stores not in the file");
  free(exp);
  unlink(name);
}

// Only dirty pages are written: reads, or a store-free munmap, cost nothing.
TEST(mmap_shared_clean_not_written)
{
  char *name = make_file(NPG * PGSIZE, 2);
  int fd;
  char *p = map_shared(name, &fd);
  int sum = 0;
  for (int i = 0; i < NPG * PGSIZE; i++)
    sum += p[i];
  uint64 w0 = writebacks();
  CHECK(msync(p, NPG * PGSIZE, MS_SYNC) == 0, "msync");
  CHECK(munmap(p, NPG * PGSIZE) == 0, "munmap");
  CHECK(writebacks() == w0, "%d clean pages written back", (int)(writebacks() - w0));
  close(fd);
  unlink(name);
  (void)sum;
}

// msync writes back now; a page stored to after it is caught again and
// written by the next msync; pages not stored to since are not.
TEST(mmap_shared_msync_and_store_again)
{
  char *name = make_file(NPG * PGSIZE, 3);
  int fd;
  char *p = map_shared(name, &fd);
  char *exp = malloc(NPG * PGSIZE);
  bytes_fill(exp, NPG * PGSIZE, 3);
  p[10] = exp[10] = 'a';
  p[PGSIZE + 10] = exp[PGSIZE + 10] = 'b';
  uint64 w0 = writebacks();
  CHECK(msync(p, NPG * PGSIZE, MS_SYNC) == 0, "msync");
  CHECK(writebacks() - w0 == 2, "msync wrote %d pages, want 2", (int)(writebacks() - w0));
  vmctl(VMCTL_CACHE_DROP, 1);
  CHECK(file_is(name, exp, NPG * PGSIZE), "file after msync");
  p[PGSIZE + 11] = exp[PGSIZE + 11] = 'c';  // after writeback: must be caught
  CHECK(msync(p, NPG * PGSIZE, 0) == 0, "msync again");
  CHECK(writebacks() - w0 == 3, "second msync wrote %d pages, want 1",
        (int)(writebacks() - w0 - 2));
  p[3 * PGSIZE] = exp[3 * PGSIZE] = 'd';
  CHECK(munmap(p, NPG * PGSIZE) == 0, "munmap");
  CHECK(writebacks() - w0 == 4, "munmap wrote %d pages, want 1", (int)(writebacks() - w0 - 3));
  close(fd);
  vmctl(VMCTL_CACHE_DROP, 1);
  CHECK(file_is(name, exp, NPG * PGSIZE), "file at the end");
  free(exp);
  unlink(name);
}

// exit without munmap writes the dirty pages back before the parent's
// wait() returns.
TEST(mmap_shared_exit_writes_back)
{
  char *name = make_file(NPG * PGSIZE, 4);
  char *exp = malloc(NPG * PGSIZE);
  bytes_fill(exp, NPG * PGSIZE, 4);
  for (int i = 0; i < PGSIZE; i++)
    exp[PGSIZE + i] = (char)(i ^ 0x5a);
  uint64 w0 = writebacks();
  if (xfork() == 0) {
    int fd;
    char *p = map_shared(name, &fd);
    for (int i = 0; i < PGSIZE; i++)
      p[PGSIZE + i] = (char)(i ^ 0x5a);
    exit(0);  // no munmap, no close
  }
  CHECK(xwait(0) == 0, "child");
  CHECK(writebacks() - w0 == 1, "exit wrote %d pages, want 1", (int)(writebacks() - w0));
  vmctl(VMCTL_CACHE_DROP, 1);
  CHECK(file_is(name, exp, NPG * PGSIZE), "file after the child's exit");
  free(exp);
  unlink(name);
}

// fork keeps shared mappings shared: each sees the other's stores at once.
TEST(mmap_shared_fork)
{
  char *name = make_file(NPG * PGSIZE, 5);
  int fd, go[2], back[2];
  char *p = map_shared(name, &fd);
  CHECK(pipe(go) == 0 && pipe(back) == 0, "pipe");
  p[0] = 'x';
  if (xfork() == 0) {
    char c;
    if (p[0] != 'x')
      exit(2);
    p[PGSIZE] = 'y';  // untouched in the parent before fork
    p[1] = 'u';       // mapped in both before fork
    write(back[1], "k", 1);
    read(go[0], &c, 1);
    exit(p[2 * PGSIZE] == 'z' && p[2] == 'v' ? 0 : 3);
  }
  char c;
  CHECK(read(back[0], &c, 1) == 1, "child");
  CHECK(p[PGSIZE] == 'y', "parent does not see the child's store");
  CHECK(p[1] == 'u', "parent does not see the child's store to a page mapped before fork");
  p[2 * PGSIZE] = 'z';
  p[2] = 'v';
  write(go[1], "k", 1);
  CHECK(xwait(0) == 0, "child did not see the parent's store");
  close(go[0]);
  close(go[1]);
  close(back[0]);
  close(back[1]);
  CHECK(munmap(p, NPG * PGSIZE) == 0, "munmap");
  close(fd);
  unlink(name);
}

// write() reaches a shared mapping at once, and a store reaches read().
TEST(mmap_shared_coherent_with_write)
{
  char *name = make_file(NPG * PGSIZE, 6);
  int fd;
  char *p = map_shared(name, &fd);
  (void)*(volatile char *)p;
  char buf[100];
  memset(buf, 'W', sizeof(buf));
  CHECK(write(fd, buf, sizeof(buf)) == sizeof(buf), "write");  // offset 0
  for (int i = 0; i < (int)sizeof(buf); i++)
    CHECK(p[i] == 'W', "mapping byte %d is %d after write()", i, p[i]);
  p[PGSIZE + 1] = 'S';
  int fd2 = open(name, O_RDONLY);
  char got[PGSIZE + 2];
  CHECK(read(fd2, got, sizeof(got)) == sizeof(got) && got[PGSIZE + 1] == 'S', "read()");
  close(fd2);
  CHECK(munmap(p, NPG * PGSIZE) == 0, "munmap");
  close(fd);
  unlink(name);
}

static uint64
dirty_pages(void)
{
  struct vmstat vs;
  xvmstat(&vs);
  return vs.cache_dirty;
}

// Write-notify: a shared store marks its page dirty at once, whether the
// page was read first or not, and again after msync cleaned it; msync of
// another mapping of the same file then writes it back.
TEST(mmap_shared_store_marks_dirty)
{
  char *name = make_file(NPG * PGSIZE, 7);
  int fd;
  char *p = map_shared(name, &fd);
  char *q = mmap(0, NPG * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(q != MAP_FAILED, "second mapping");
  uint64 d0 = dirty_pages(), w0 = writebacks();
  p[2 * PGSIZE] = 'b';  // stored to first (before any load maps it ahead)
  CHECK(dirty_pages() == d0 + 1, "first-touch store: %d dirty", (int)(dirty_pages() - d0));
  (void)*(volatile char *)p;
  CHECK(dirty_pages() == d0 + 1, "a load dirtied a page");
  p[5] = 'a';  // read first, then stored to
  CHECK(dirty_pages() == d0 + 2, "store after a load: %d dirty", (int)(dirty_pages() - d0));
  CHECK(msync(q, NPG * PGSIZE, MS_SYNC) == 0, "msync");
  CHECK(writebacks() - w0 == 2, "msync of the other mapping wrote %d, want 2",
        (int)(writebacks() - w0));
  CHECK(dirty_pages() == d0, "msync left %d dirty", (int)(dirty_pages() - d0));
  CHECK(msync(p, NPG * PGSIZE, MS_SYNC) == 0, "msync p");  // p's PTEs lose W
  p[6] = 'c';
  CHECK(dirty_pages() == d0 + 1, "store after msync: %d dirty", (int)(dirty_pages() - d0));
  CHECK(munmap(p, NPG * PGSIZE) == 0 && munmap(q, NPG * PGSIZE) == 0, "munmap");
  CHECK(dirty_pages() == d0, "munmap left %d dirty", (int)(dirty_pages() - d0));
  close(fd);
  unlink(name);
}

// A writable PTE is a dirty claim: page 0 is stored to through p, written
// back by msync of q (p keeps its writable PTE), then stored to through p
// again without a fault. how: 0 munmap, 1 msync, 2 exit must pass p's
// claim on so that the second store reaches the disk.
static void
claim_case(int how, int seed)
{
  char *name = make_file(NPG * PGSIZE, seed);
  char *exp = malloc(NPG * PGSIZE);
  bytes_fill(exp, NPG * PGSIZE, seed);
  for (int i = 0; i < PGSIZE; i++)
    exp[i] = (char)(i * 7 + seed);
  exp[PGSIZE - 1] = 'L';
  int pid = how == 2 ? xfork() : 0;
  if (pid == 0) {
    int fd;
    char *p = map_shared(name, &fd);
    char *q = mmap(0, NPG * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(q != MAP_FAILED, "second mapping");
    for (int i = 0; i < PGSIZE - 1; i++)
      p[i] = (char)(i * 7 + seed);
    uint64 w0 = writebacks();
    CHECK(msync(q, NPG * PGSIZE, MS_SYNC) == 0 && writebacks() - w0 == 1, "msync q");
    p[PGSIZE - 1] = 'L';  // no fault: p's PTE is still writable
    if (how == 2)
      exit(0);  // no munmap, no msync
    w0 = writebacks();
    if (how == 1)
      CHECK(msync(p, NPG * PGSIZE, MS_SYNC) == 0, "msync p");
    else
      CHECK(munmap(p, NPG * PGSIZE) == 0, "munmap p");
    CHECK(writebacks() - w0 == 1, "%s wrote %d pages, want 1", how ? "msync" : "munmap",
          (int)(writebacks() - w0));
    if (how == 1)
      CHECK(munmap(p, NPG * PGSIZE) == 0, "munmap p");
    CHECK(munmap(q, NPG * PGSIZE) == 0, "munmap q");
    close(fd);
  } else {
    CHECK(xwait(0) == 0, "child");
  }
  vmctl(VMCTL_CACHE_DROP, 1);  // the next read comes from the disk
  CHECK(file_is(name, exp, NPG * PGSIZE), "the store after writeback is not in the file");
  free(exp);
  unlink(name);
}

TEST(mmap_shared_claim_at_munmap)
{
  claim_case(0, 8);
}

TEST(mmap_shared_claim_at_msync)
{
  claim_case(1, 9);
}

TEST(mmap_shared_claim_at_exit)
{
  claim_case(2, 10);
}

// read()/write() with a mapping of the same file as the buffer (no
// deadlock: the inode lock is never held across the user copy), and two
// files mapped at once with one unmapped.
#include "harness.h"

static char *
make_file(const char *tag, uint64 n, int seed)
{
  static char names[2][32];
  static int k;
  char *name = names[k++ & 1];
  snprintf(name, 32, "/mi_%s", tag);
  char *buf = malloc(n);
  bytes_fill(buf, n, seed);
  int fd = open(name, O_CREATE | O_TRUNC | O_RDWR);
  CHECK(fd >= 0 && write(fd, buf, n) == (int)n, "create %s", name);
  close(fd);
  free(buf);
  return name;
}

// read() from the file into a shared mapping of another part of it.
TEST(mmap_read_into_same_file)
{
  char *name = make_file("rd", 4 * PGSIZE, 11);
  int fd = open(name, O_RDWR);
  char *p = mmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED, "mmap");
  char *exp = malloc(4 * PGSIZE);
  bytes_fill(exp, 4 * PGSIZE, 11);
  // pages 0-1 of the file land in pages 2-3 of the mapping (= of the file)
  CHECK(read(fd, p + 2 * PGSIZE, 2 * PGSIZE) == 2 * PGSIZE, "read into the mapping");
  CHECK(memcmp(p + 2 * PGSIZE, exp, 2 * PGSIZE) == 0, "bytes read");
  // a private mapping as the buffer of a read of its own pages
  char *q = mmap(0, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  CHECK(q != MAP_FAILED, "mmap private");
  int fd2 = open(name, O_RDONLY);
  CHECK(read(fd2, q, 2 * PGSIZE) == 2 * PGSIZE, "read into the private mapping");
  CHECK(memcmp(q, exp, 2 * PGSIZE) == 0, "private bytes");
  close(fd2);
  CHECK(munmap(p, 4 * PGSIZE) == 0 && munmap(q, 2 * PGSIZE) == 0, "munmap");
  close(fd);
  free(exp);
  unlink(name);
}

// write() to the file from a mapping of it, including its own page.
TEST(mmap_write_from_same_file)
{
  char *name = make_file("wr", 4 * PGSIZE, 12);
  int fd = open(name, O_RDWR);
  char *p = mmap(0, 4 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  CHECK(p != MAP_FAILED, "mmap");
  char *exp = malloc(4 * PGSIZE);
  bytes_fill(exp, 4 * PGSIZE, 12);
  CHECK(write(fd, p + 2 * PGSIZE, 2 * PGSIZE) == 2 * PGSIZE, "write page 2-3 over 0-1");
  memmove(exp, exp + 2 * PGSIZE, 2 * PGSIZE);
  CHECK(memcmp(p, exp, 4 * PGSIZE) == 0, "mapping after write()");
  CHECK(write(fd, p + 2 * PGSIZE + 5, PGSIZE) == PGSIZE, "write from the page it lands on");
  memmove(exp + 2 * PGSIZE, exp + 2 * PGSIZE + 5, PGSIZE);
  CHECK(memcmp(p, exp, 4 * PGSIZE) == 0, "mapping after the overlapping write()");
  CHECK(munmap(p, 4 * PGSIZE) == 0, "munmap");
  close(fd);
  free(exp);
  unlink(name);
}

// Two files mapped at once; unmapping one leaves the other intact.
TEST(mmap_two_files_unmap_one)
{
  char *a = make_file("a", 3 * PGSIZE, 13), *b = make_file("b", 2 * PGSIZE + 7, 14);
  int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY);
  char *pa = mmap(0, 3 * PGSIZE, PROT_READ, MAP_PRIVATE, fa, 0);
  char *pb = mmap(0, 3 * PGSIZE, PROT_READ, MAP_SHARED, fb, 0);
  CHECK(pa != MAP_FAILED && pb != MAP_FAILED, "mmap");
  close(fa);
  close(fb);
  CHECK(bytes_check(pa, 3 * PGSIZE, 13) == -1 && bytes_check(pb, 2 * PGSIZE + 7, 14) == -1,
        "contents");
  CHECK(munmap(pa, 3 * PGSIZE) == 0, "munmap a");
  unlink(a);
  CHECK(bytes_check(pb, 2 * PGSIZE + 7, 14) == -1, "b after a went");
  for (int i = 2 * PGSIZE + 7; i < 3 * PGSIZE; i++)
    CHECK(pb[i] == 0, "b's tail byte %d", i);
  unlink(b);  // mapped: the inode lives on
  CHECK(bytes_check(pb, 2 * PGSIZE + 7, 14) == -1, "b after unlink");
  CHECK(munmap(pb, 3 * PGSIZE) == 0, "munmap b");
}

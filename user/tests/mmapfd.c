// Which open files can be mapped and how: each refusal is MAP_FAILED (or
// -1 for mprotect) with nothing changed.
#include "harness.h"

static int
nregions(void)
{
  static struct regioninfo r[VM_MAXREGIONS];
  return procregions(0, r, VM_MAXREGIONS);
}

TEST(mmap_fd_refusals)
{
  int fd = open("/mfd", O_CREATE | O_TRUNC | O_RDWR);
  CHECK(fd >= 0 && write(fd, "hello", 5) == 5, "create");
  close(fd);
  int ro = open("/mfd", O_RDONLY), wo = open("/mfd", O_WRONLY), dir = open("/", O_RDONLY);
  int pfd[2];
  CHECK(ro >= 0 && wo >= 0 && dir >= 0 && pipe(pfd) == 0, "open");
  int closed = dup(ro);
  close(closed);
  int n0 = nregions();
  uint64 f0 = frames_free();
  struct {
    const char *what;
    int fd, prot, flags;
  } bad[] = {
      {"fd -1", -1, PROT_READ, MAP_PRIVATE},
      {"fd 1000", 1000, PROT_READ, MAP_PRIVATE},
      {"closed fd", closed, PROT_READ, MAP_PRIVATE},
      {"directory", dir, PROT_READ, MAP_PRIVATE},
      {"pipe", pfd[0], PROT_READ, MAP_PRIVATE},
      {"console (device)", 1, PROT_READ, MAP_SHARED},
      {"shared write on a read-only fd", ro, PROT_READ | PROT_WRITE, MAP_SHARED},
      {"read on a write-only fd", wo, PROT_READ, MAP_SHARED},
      {"write on a write-only fd", wo, PROT_WRITE, MAP_SHARED},
      {"private on a write-only fd", wo, PROT_READ, MAP_PRIVATE},
  };
  for (uint i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    void *p = mmap(0, PGSIZE, bad[i].prot, bad[i].flags, bad[i].fd, 0);
    CHECK(p == MAP_FAILED, "%s: mapped at %p", bad[i].what, p);
    CHECK(nregions() == n0 && frames_free() == f0, "%s: something changed", bad[i].what);
  }
  // Allowed: a private writable mapping of a read-only fd (stores stay in
  // memory), but mprotect cannot make a shared read-only one writable.
  char *p = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
  CHECK(p != MAP_FAILED, "private rw of a read-only fd");
  p[0] = 'J';
  char *s = mmap(0, PGSIZE, PROT_READ, MAP_SHARED, ro, 0);
  CHECK(s != MAP_FAILED && s[0] == 'h', "shared read-only");
  CHECK(mprotect(s, PGSIZE, PROT_READ | PROT_WRITE) == -1, "mprotect beyond the fd's rights");
  CHECK(mprotect(p, PGSIZE, PROT_READ) == 0 && mprotect(p, PGSIZE, PROT_READ | PROT_WRITE) == 0,
        "mprotect of the private one");
  CHECK(p[0] == 'J', "private store lost");
  char buf[6] = {0};
  CHECK(read(ro, buf, 5) == 5 && strcmp(buf, "hello") == 0, "file changed: %s", buf);
  CHECK(munmap(p, PGSIZE) == 0 && munmap(s, PGSIZE) == 0, "munmap");
  close(ro);
  close(wo);
  close(dir);
  close(pfd[0]);
  close(pfd[1]);
  unlink("/mfd");
}

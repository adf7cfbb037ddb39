// mprotect: any page range, splitting regions; stores/execution follow the
// new protection at once (PTEs are changed, not just the region), data is
// kept, copy-on-write still holds after fork; bad ranges are -1 with
// nothing changed.
#include "harness.h"

static int
killed(void (*fn)(void *), void *arg)
{
  struct vmstat v0, v1;
  xvmstat(&v0);
  int st = child_status(fn, arg);
  xvmstat(&v1);
  if (st != -1)
    return 0;
  CHECK(v1.kills[KR_SEGV] == v0.kills[KR_SEGV] + 1, "kill not counted as SEGV");
  return 1;
}

static void
store(void *a)
{
  *(volatile char *)a = 1;
}

static void
load(void *a)
{
  (void)*(volatile char *)a;
}

static void
call(void *a)
{
  int (*f)(void) = (int (*)(void))a;
  asm volatile("fence.i");
  if (f() != 42)
    exit(1);
}

static char *
anon(uint64 len, int prot)
{
  char *p = mmap(0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(p != MAP_FAILED, "mmap");
  return p;
}

static int
region_prot(uint64 va, uint64 *start, uint64 *end)
{
  static struct regioninfo r[VM_MAXREGIONS];
  int n = procregions(0, r, VM_MAXREGIONS);
  for (int i = 0; i < n; i++)
    if (r[i].start <= va && va < r[i].end) {
      *start = r[i].start;
      *end = r[i].end;
      return r[i].prot;
    }
  return -1;
}

TEST(mprotect_splits_and_enforces)
{
  char *p = anon(3 * PGSIZE, PROT_READ | PROT_WRITE);
  bytes_fill(p, 3 * PGSIZE, 21);  // every page mapped writable now
  CHECK(mprotect(p + PGSIZE, PGSIZE, PROT_READ) == 0, "mprotect middle");
  uint64 s, e;
  CHECK(region_prot((uint64)p, &s, &e) == (PROT_READ | PROT_WRITE) && e == (uint64)p + PGSIZE,
        "head region");
  CHECK(region_prot((uint64)p + PGSIZE, &s, &e) == PROT_READ && s == (uint64)p + PGSIZE &&
            e == (uint64)p + 2 * PGSIZE,
        "middle region");
  CHECK(region_prot((uint64)p + 2 * PGSIZE, &s, &e) == (PROT_READ | PROT_WRITE), "tail region");
  CHECK(killed(store, p + PGSIZE + 8), "store to the read-only middle not killed");
  CHECK(!killed(store, p + 8) && !killed(store, p + 2 * PGSIZE + 8), "neighbours refused");
  CHECK(bytes_check(p, 3 * PGSIZE, 21) == -1, "contents changed");
  CHECK(read(-1, p + PGSIZE, 1) == -1, "read() into it");
  // Back to writable: the same bytes, now writable again.
  CHECK(mprotect(p, 3 * PGSIZE, PROT_READ | PROT_WRITE) == 0, "mprotect back");
  char old = p[PGSIZE + 8];
  p[PGSIZE + 8] = 'x';
  CHECK(p[PGSIZE + 8] == 'x', "write");
  p[PGSIZE + 8] = old;
  CHECK(mprotect(p, 3 * PGSIZE, PROT_NONE) == 0, "PROT_NONE");
  CHECK(killed(load, p + 2 * PGSIZE), "load from PROT_NONE not killed");
  CHECK(mprotect(p, 3 * PGSIZE, PROT_READ) == 0, "read again");
  CHECK(bytes_check(p, 3 * PGSIZE, 21) == -1, "contents lost under PROT_NONE");
  CHECK(munmap(p, 3 * PGSIZE) == 0, "munmap");
}

// A page made read-only and then writable in a forked child is still the
// parent's frame: the child's store must copy it.
TEST(mprotect_keeps_cow)
{
  char *p = anon(PGSIZE, PROT_READ | PROT_WRITE);
  memset(p, 'a', PGSIZE);
  int pid = xfork();
  if (pid == 0) {
    if (mprotect(p, PGSIZE, PROT_READ) < 0 || mprotect(p, PGSIZE, PROT_READ | PROT_WRITE) < 0)
      exit(2);
    memset(p, 'b', PGSIZE);
    exit(p[100] == 'b' ? 0 : 3);
  }
  CHECK(xwait(0) == 0, "child");
  for (int i = 0; i < PGSIZE; i++)
    CHECK(p[i] == 'a', "parent byte %d is %c", i, p[i]);
  CHECK(munmap(p, PGSIZE) == 0, "munmap");
}

// Execution needs PROT_EXEC: a page of code runs only after mprotect.
TEST(mprotect_exec)
{
  uint32 *code = (uint32 *)anon(PGSIZE, PROT_READ | PROT_WRITE);
  code[0] = 0x02a00513;  // li a0, 42
  code[1] = 0x00008067;  // ret
  CHECK(killed(call, code), "exec of a no-exec page not killed");
  CHECK(mprotect(code, PGSIZE, PROT_READ | PROT_EXEC) == 0, "mprotect r-x");
  CHECK(child_status(call, code) == 0, "code did not run");
  CHECK(killed(store, code), "store to r-x");
  CHECK(munmap(code, PGSIZE) == 0, "munmap");
}

TEST(mprotect_bad_args)
{
  char *p = anon(4 * PGSIZE, PROT_READ | PROT_WRITE);
  CHECK(munmap(p + 2 * PGSIZE, PGSIZE) == 0, "hole");
  p[0] = 5;
  uint64 s, e;
  CHECK(mprotect(p + 1, PGSIZE, PROT_READ) == -1, "unaligned");
  CHECK(mprotect(p, 0, PROT_READ) == -1, "length 0");
  CHECK(mprotect(p, 4 * PGSIZE, PROT_READ) == -1, "over a hole");
  CHECK(mprotect(p, PGSIZE, 0x10) == -1, "unknown prot bit");
  CHECK(mprotect((void *)(MAXVA - PGSIZE), 2 * PGSIZE, PROT_READ) == -1, "across MAXVA");
  CHECK(mprotect((void *)0xffffffc080000000UL, PGSIZE, PROT_READ) == -1, "kernel address");
  char *brk = sbrk(PGSIZE);
  CHECK(mprotect((void *)PGROUNDDOWN((uint64)brk), PGSIZE, PROT_READ) == -1, "the heap");
  brk[0] = 1;
  CHECK(region_prot((uint64)p, &s, &e) == (PROT_READ | PROT_WRITE) && s == (uint64)p &&
            e == (uint64)p + 2 * PGSIZE,
        "region changed by a refused call");
  p[0] = 6;  // still writable
  CHECK(munmap(p, 4 * PGSIZE) == 0, "munmap");
}

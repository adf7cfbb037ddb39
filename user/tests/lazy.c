// Lazy allocation and protection tests: frame accounting for touched
// pages, the shared zero page, zero-filled fresh frames, eager policies,
// the address-space layout, and accesses that must be killed (text
// writes, heap/stack execution, the stack guard, unmapped holes).
#include "harness.h"

TEST(lazy_grow_takes_no_frames)
{
  uint64 f0 = frames_free();
  char *p = sbrk(4000 * PGSIZE);

  CHECK(p != (char *)-1, "sbrk");
  CHECK(frames_free() == f0, "lazy sbrk of 4000 pages took %d frames", (int)(f0 - frames_free()));
}

// Touch k pages of a huge region, each in its own 2 MiB span: the frames
// taken are exactly k data frames plus the new page-table pages.
TEST(lazy_touch_costs_k_plus_pt)
{
  int k = 100;
  struct vmstat v0, v1;
  struct procstat p0, p1;
  char *p = sbrk(256 << 20);

  CHECK(p != (char *)-1, "sbrk 256 MiB");
  // start on a fresh 2 MiB span so every touch needs its own leaf table
  p = (char *)(((uint64)p + (2 << 20)) & ~((uint64)(2 << 20) - 1));
  xprocstat(&p0);
  xvmstat(&v0);
  for (int i = 0; i < k; i++)
    p[(uint64)i * (2 << 20) + 100] = 1;
  xvmstat(&v1);
  xprocstat(&p1);
  CHECK(p1.resident - p0.resident == (uint64)k, "resident grew by %d, want %d",
        (int)(p1.resident - p0.resident), k);
  CHECK(p1.faults[FK_ZERO_FILL] - p0.faults[FK_ZERO_FILL] == (uint64)k,
        "%d zero-fill faults, want %d", (int)(p1.faults[FK_ZERO_FILL] - p0.faults[FK_ZERO_FILL]),
        k);
  CHECK(p1.pt_pages - p0.pt_pages >= (uint64)k,
        "only %d new page-table pages for %d separate 2 MiB spans",
        (int)(p1.pt_pages - p0.pt_pages), k);
  CHECK(v1.pt_pages - v0.pt_pages == p1.pt_pages - p0.pt_pages,
        "vmstat and procstat disagree on page-table pages");
  CHECK(v0.frames_free - v1.frames_free == k + (p1.pt_pages - p0.pt_pages),
        "took %d frames, want %d data + %d page-table", (int)(v0.frames_free - v1.frames_free), k,
        (int)(p1.pt_pages - p0.pt_pages));
}

// Reading 64 MiB of never-written heap maps the zero page everywhere and
// takes no data frames; the first write then gets a private frame.
TEST(lazy_read_maps_zero_page)
{
  int npages = (64 << 20) / PGSIZE;
  struct vmstat v0, v1;
  struct procstat p0, p1;
  int nonzero;
  char *p = sbrk(64 << 20);

  CHECK(p != (char *)-1, "sbrk 64 MiB");
  p = (char *)PGROUNDUP((uint64)p);
  npages--;
  xprocstat(&p0);
  xvmstat(&v0);
  nonzero = pages_nonzero(p, npages);  // reads every byte: one fault a page
  xvmstat(&v1);
  xprocstat(&p1);
  CHECK(nonzero == 0, "%d untouched heap pages not zero", nonzero);
  CHECK(p1.faults[FK_ZERO_PAGE] - p0.faults[FK_ZERO_PAGE] == (uint64)npages,
        "%d zero-page faults, want %d", (int)(p1.faults[FK_ZERO_PAGE] - p0.faults[FK_ZERO_PAGE]),
        npages);
  CHECK(v1.zero_page_maps - v0.zero_page_maps == (uint64)npages, "zero_page_maps grew by %d",
        (int)(v1.zero_page_maps - v0.zero_page_maps));
  CHECK(v0.frames_free - v1.frames_free == p1.pt_pages - p0.pt_pages,
        "reading took %d frames, only %d page-table pages expected",
        (int)(v0.frames_free - v1.frames_free), (int)(p1.pt_pages - p0.pt_pages));

  xprocstat(&p0);
  p[7 * PGSIZE + 3] = 'w';
  xprocstat(&p1);
  CHECK(p1.faults[FK_ZERO_FILL] - p0.faults[FK_ZERO_FILL] == 1,
        "write to a zero-page mapping: %d zero-fill faults",
        (int)(p1.faults[FK_ZERO_FILL] - p0.faults[FK_ZERO_FILL]));
  CHECK(p[7 * PGSIZE + 3] == 'w', "write lost");
  CHECK(pages_nonzero(p + 6 * PGSIZE, 1) == 0 && pages_nonzero(p + 8 * PGSIZE, 1) == 0,
        "write leaked into the zero page");
  for (int i = 0; i < PGSIZE; i++)
    CHECK(i == 3 || p[7 * PGSIZE + i] == 0, "fresh frame byte %d not zero", i);
}

// System calls accept never-touched heap pages: the kernel faults them
// in as the process would (zero page for reads, fresh frame for writes).
TEST(lazy_syscalls_on_untouched_pages)
{
  char *p = sbrk(8 * PGSIZE);
  int fds[2], *pfds, fd;
  char buf[100];
  struct stat *st;

  CHECK(p != (char *)-1, "sbrk");
  p = (char *)PGROUNDUP((uint64)p);
  CHECK(pipe(fds) == 0, "pipe");
  CHECK(write(fds[1], p, 100) == 100, "write from an untouched page");
  memset(buf, 'x', sizeof(buf));
  CHECK(read(fds[0], buf, 100) == 100, "read back");
  for (int i = 0; i < 100; i++)
    CHECK(buf[i] == 0, "untouched page read as %d at %d", buf[i], i);
  CHECK(write(fds[1], "hello", 5) == 5, "write");
  CHECK(read(fds[0], p + PGSIZE + 10, 5) == 5, "read into an untouched page");
  CHECK(memcmp(p + PGSIZE + 10, "hello", 5) == 0, "data read into the heap");
  for (int i = 0; i < PGSIZE; i++)
    CHECK((i >= 10 && i < 15) || p[PGSIZE + i] == 0, "byte %d of the page read into not zero", i);
  close(fds[0]);
  close(fds[1]);

  // a copy that crosses from one untouched page into the next
  write_file("t_lazysys", "0123456789");
  fd = open("t_lazysys", O_RDONLY);
  CHECK(fd >= 0, "open");
  CHECK(read(fd, p + 3 * PGSIZE - 4, 10) == 10, "read across untouched pages");
  CHECK(memcmp(p + 3 * PGSIZE - 4, "0123456789", 10) == 0, "data across pages");
  st = (struct stat *)(p + 4 * PGSIZE);
  CHECK(fstat(fd, st) == 0 && st->size == 10, "fstat into an untouched page");
  close(fd);
  unlink("t_lazysys");

  pfds = (int *)(p + 5 * PGSIZE);
  CHECK(pipe(pfds) == 0, "pipe() into an untouched page");
  CHECK(write(pfds[1], "z", 1) == 1 && read(pfds[0], buf, 1) == 1 && buf[0] == 'z',
        "pipe made into heap fds");
  close(pfds[0]);
  close(pfds[1]);
}

#define DIRTY_PAGES 2000

static void
dirty_and_exit(void *arg)
{
  char *p = sbrk(DIRTY_PAGES * PGSIZE);

  for (int i = 0; i < DIRTY_PAGES * PGSIZE; i += 8)
    *(uint64 *)(p + i) = 0xabababababababab;
  exit(0);
}

static int
nonzero_words(char *p, int npages)
{
  int bad = 0;

  for (uint64 i = 0; i < (uint64)npages * PGSIZE; i += 8)
    if (*(uint64 *)(p + i) != 0)
      bad++;
  return bad;
}

// Frames freed dirty by one process come back zeroed to another.
TEST(lazy_fresh_frames_are_zero)
{
  int st = child_status(dirty_and_exit, 0);
  char *p, *q;
  int bad;

  CHECK(st == 0, "dirtying child status %d", st);
  p = sbrk(DIRTY_PAGES * PGSIZE);
  CHECK(p != (char *)-1, "sbrk");
  p = (char *)PGROUNDUP((uint64)p);
  for (int i = 0; i < DIRTY_PAGES - 1; i++)
    p[(uint64)i * PGSIZE + 1] = 0;  // write: a fresh private frame each
  bad = nonzero_words(p, DIRTY_PAGES - 1);
  CHECK(bad == 0, "%d nonzero words in fresh lazy frames", bad);

  st = child_status(dirty_and_exit, 0);
  CHECK(st == 0, "dirtying child status %d", st);
  q = sbrkeager(DIRTY_PAGES * PGSIZE);
  CHECK(q != (char *)-1, "sbrkeager");
  q = (char *)PGROUNDUP((uint64)q);
  bad = nonzero_words(q, DIRTY_PAGES - 1);
  CHECK(bad == 0, "%d nonzero words in fresh eager frames", bad);
}

TEST(lazy_sbrkeager_allocates_now)
{
  int n = 200;
  struct procstat p0, p1;
  uint64 f0 = frames_free(), f1;
  char *p = sbrkeager(n * PGSIZE);

  f1 = frames_free();
  CHECK(p != (char *)-1, "sbrkeager");
  CHECK(f0 - f1 >= (uint64)n, "sbrkeager of %d pages took %d frames", n, (int)(f0 - f1));
  p = (char *)PGROUNDUP((uint64)p);
  xprocstat(&p0);
  for (int i = 0; i < n - 1; i++)
    p[i * PGSIZE] = 1;
  xprocstat(&p1);
  CHECK(p1.faults[FK_ZERO_FILL] == p0.faults[FK_ZERO_FILL] &&
            p1.faults[FK_ZERO_PAGE] == p0.faults[FK_ZERO_PAGE],
        "eager pages faulted on first touch");
  CHECK(frames_free() == f1, "touching eager pages took frames");
}

TEST(lazy_vmctl_eager_policy)
{
  int n = 200, old;
  uint64 f0, f1;
  char *p;

  old = vmctl(VMCTL_SBRK_EAGER, 1);
  CHECK(old == 0 || old == 1, "vmctl returned %d", old);
  CHECK(vmctl(VMCTL_SBRK_EAGER, -1) == 1, "policy not set");
  f0 = frames_free();
  p = sbrk(n * PGSIZE);
  f1 = frames_free();
  CHECK(p != (char *)-1, "sbrk");
  CHECK(f0 - f1 >= (uint64)n, "eager sbrk of %d pages took %d frames", n, (int)(f0 - f1));
  f0 = frames_free();
  CHECK(sbrklazy(n * PGSIZE) != (char *)-1, "sbrklazy");
  CHECK(frames_free() == f0, "sbrklazy allocated under the eager policy");

  CHECK(vmctl(VMCTL_SBRK_EAGER, 0) == 1, "vmctl old value");
  f0 = frames_free();
  CHECK(sbrk(n * PGSIZE) != (char *)-1, "sbrk");
  CHECK(frames_free() == f0, "plain sbrk allocated under the lazy policy");
  vmctl(VMCTL_SBRK_EAGER, old);
  CHECK(vmctl(VMCTL_SBRK_EAGER, -1) == old, "policy not restored");
}

// The layout promised to programs: text r-x from 0x1000, heap rw- ending
// at the break, stack rw- ending at USTACKTOP, nothing at 0.
TEST(lazy_region_layout)
{
  struct regioninfo r[16];
  int n, text = 0, heap = 0, stack = 0;
  char *brk;

  sbrk(3 * PGSIZE);
  brk = sbrk(0);
  n = procregions(getpid(), r, 16);
  CHECK(n > 0 && n <= 16, "procregions returned %d", n);
  for (int i = 0; i < n; i++) {
    CHECK(r[i].start < r[i].end, "empty region %d", i);
    CHECK(r[i].start >= PGSIZE, "region %d maps page 0", i);
    CHECK(r[i].end <= USTACKTOP, "region %d above USTACKTOP", i);
    CHECK(i == 0 || r[i].start >= r[i - 1].end, "regions unsorted/overlap");
    if (r[i].kind == RK_TEXT) {
      text++;
      CHECK(r[i].prot == (PROT_READ | PROT_EXEC), "text prot %d", r[i].prot);
      CHECK(r[i].start <= (uint64)&lazy_region_layout && (uint64)&lazy_region_layout < r[i].end,
            "code not inside the text region");
    } else if (r[i].kind == RK_HEAP) {
      heap++;
      CHECK(r[i].prot == (PROT_READ | PROT_WRITE), "heap prot %d", r[i].prot);
      CHECK(r[i].end == (uint64)brk || r[i].end == PGROUNDUP((uint64)brk),
            "heap ends at %p, brk %p", (void *)r[i].end, brk);
    } else if (r[i].kind == RK_STACK) {
      stack++;
      CHECK(r[i].prot == (PROT_READ | PROT_WRITE), "stack prot %d", r[i].prot);
      CHECK(r[i].end == USTACKTOP, "stack ends at %p", (void *)r[i].end);
      CHECK(r[i].start >= USTACKTOP - USTACKMAX, "stack too big");
    }
  }
  CHECK(text == 1 && heap == 1 && stack == 1, "text %d heap %d stack %d regions", text, heap,
        stack);
  CHECK(procregions(-5, r, 16) == -1, "procregions of a bad pid");
}

// ---- accesses that must be killed ---------------------------------------

// Run fn(arg) in a child; if it was killed, the kill must be counted as
// a SEGV kill. Returns the child's status.
static int
kills_segv(void (*fn)(void *), void *arg)
{
  struct vmstat v0, v1;
  int st;

  xvmstat(&v0);
  st = child_status(fn, arg);
  xvmstat(&v1);
  if (st == -1)
    CHECK(v1.kills[KR_SEGV] == v0.kills[KR_SEGV] + 1, "not counted as SEGV");
  return st;
}

static void
write_at(void *addr)
{
  *(volatile char *)addr = 1;
}

static void
read_at(void *addr)
{
  volatile char c = *(volatile char *)addr;
  (void)c;
}

static int
probe_write(uint64 va)
{
  return kills_segv(write_at, (void *)va);
}

static int
probe_read(uint64 va)
{
  return kills_segv(read_at, (void *)va);
}

static int
text_function(int x)
{
  return x * 3 + 1;
}

TEST(lazy_text_readable_not_writable)
{
  int (*volatile fn)(int) = text_function;
  uint64 va = (uint64)fn;

  CHECK(fn(4) == 13, "calling text");
  CHECK(*(volatile uint *)va != 0, "text reads as zero");
  CHECK(probe_write(va) == -1, "write to text not killed");
  CHECK(probe_write(0x1000) == -1, "write to 0x1000 not killed");
  CHECK(fn(4) == 13, "text changed");
}

// A "ret" instruction (jalr x0, 0(ra)) placed in writable memory.
#define RV_RET 0x00008067

static void
jump_to(void *addr)
{
  void (*fn)(void) = (void (*)(void))addr;

  asm volatile("fence.i");
  fn();
}

TEST(lazy_heap_not_executable)
{
  uint *p = (uint *)sbrk(PGSIZE);

  p[0] = RV_RET;
  CHECK(kills_segv(jump_to, p) == -1, "jump into the heap not killed");
}

static void
stack_exec(void *arg)
{
  uint code[4] = {RV_RET, RV_RET, RV_RET, RV_RET};

  jump_to(code);
}

TEST(lazy_stack_not_executable)
{
  CHECK(kills_segv(stack_exec, 0) == -1, "jump into the stack not killed");
}

TEST(lazy_null_and_holes_killed)
{
  struct procstat ps;

  xprocstat(&ps);
  CHECK(probe_read(0) == -1, "read of address 0");
  CHECK(probe_write(8) == -1, "write of address 8");
  CHECK(probe_read(PGROUNDUP(ps.brk) + 64 * PGSIZE) == -1, "read past the break");
  CHECK(probe_write(PGROUNDUP(ps.brk) + (1L << 32)) == -1, "write in the hole");
  CHECK(probe_read(USTACKTOP) == -1, "read at USTACKTOP");
  CHECK(probe_write(MAXVA - 8) == -1, "write just below MAXVA");
  CHECK(probe_read(0xffffffc080000000UL) == -1, "read of kernel memory");
  CHECK(probe_write(0xffffffc080001000UL) == -1, "write of kernel memory");
}

// ---- the stack --------------------------------------------------------

// Recurse with ~1 KiB frames; returns how many frames lost their data.
static int
recurse(int depth, int limit)
{
  volatile char frame[1000];

  frame[0] = depth;
  frame[999] = depth;
  if (depth >= limit)
    return 0;
  return recurse(depth + 1, limit) + (frame[0] != (char)depth) + (frame[999] != (char)depth);
}

TEST(stack_grows_lazily)
{
  struct procstat p0, p1;
  int depth = 600;  // about 600 KiB of stack

  xprocstat(&p0);
  CHECK(recurse(0, depth) == 0, "stack frames lost data");
  xprocstat(&p1);
  CHECK(p1.resident - p0.resident >= 100, "stack grew by only %d pages",
        (int)(p1.resident - p0.resident));
  write_at((void *)(USTACKTOP - USTACKMAX));  // lowest allowed stack page
  read_at((void *)(USTACKTOP - 1));
}

static void
recurse_forever(void *arg)
{
  recurse(0, 4000);  // about 4 MiB
  exit(0);
}

TEST(stack_overflow_killed)
{
  CHECK(kills_segv(recurse_forever, 0) == -1, "4 MiB recursion not killed");
}

TEST(stack_guard_killed)
{
  uint64 guard = USTACKTOP - USTACKMAX - PGSIZE;

  CHECK(probe_write(guard) == -1, "write to the guard page");
  CHECK(probe_read(guard + PGSIZE - 1) == -1, "read of the guard page top");
  CHECK(probe_write(guard - 16 * PGSIZE) == -1, "write below the guard");
}

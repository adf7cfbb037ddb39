// Anonymous fault-around: a sequential first write maps the next pages too
// (16, then twice as many while the pattern holds; kernel/vm/anon.c). The
// pages mapped ahead are zero, never lie past the region's end (so never in
// a guard page), never take memory below the reserve, and stop under memory
// pressure; what they cost and how many were used shows in vmstat.
#include "harness.h"

#define MIB (1024L * 1024L)
#define SPAN (2 * MIB)  // one leaf page table

// A fresh, 2 MiB-aligned stretch of heap of at least len bytes.
static char *
fresh_heap(long len)
{
  char *p = sbrk((int)(len + SPAN));

  CHECK(p != (char *)-1, "sbrk %d", (int)(len + SPAN));
  return (char *)(((uint64)p + SPAN - 1) & ~(uint64)(SPAN - 1));
}

static void
check_zero(char *pg, int n)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j < PGSIZE; j++)
      CHECK(pg[(uint64)i * PGSIZE + j] == 0, "page %d byte %d is 0x%x", i, j,
            (uchar)pg[(uint64)i * PGSIZE + j]);
}

// The batches: a first write at page 0 (not sequential), page 1 (maps 16
// ahead), page 18 (maps 32 ahead). Exact counts of pages, frames and uses.
TEST(faultaround_maps_ahead_zeroed)
{
  struct vmstat v0, v1;
  struct procstat p0, p1;
  int old = vmctl(VMCTL_FAULTAROUND, 1);
  char *p = fresh_heap(4 * MIB);

  CHECK(old >= 0, "vmctl faultaround");
  xprocstat(&p0);
  xvmstat(&v0);
  p[0] = 1;
  p[PGSIZE] = 1;  // sequential: pages 2..17 are mapped now
  xprocstat(&p1);
  CHECK(p1.resident - p0.resident == 18, "after 2 writes: %d pages mapped, want 2 + 16",
        (int)(p1.resident - p0.resident));
  check_zero(p + 2 * PGSIZE, 16);  // mapped ahead: zero in every byte, and no fault
  for (int i = 2; i < 18; i++)
    p[(uint64)i * PGSIZE] = 1;
  xprocstat(&p1);
  CHECK(p1.faults[FK_ZERO_FILL] - p0.faults[FK_ZERO_FILL] == 2, "%d zero-fill faults for 18 pages",
        (int)(p1.faults[FK_ZERO_FILL] - p0.faults[FK_ZERO_FILL]));
  p[18 * PGSIZE] = 1;               // sequential again: 32 ahead (19..50)
  check_zero(p + 19 * PGSIZE, 12);  // use 12 of them (a read is a use too)
  for (int i = 19; i < 31; i++)
    p[(uint64)i * PGSIZE] = 1;
  p[200 * PGSIZE] = 1;  // not sequential: one page; counts the uses so far
  xprocstat(&p1);
  xvmstat(&v1);
  CHECK(p1.resident - p0.resident == 52, "%d pages mapped, want 4 + 16 + 32",
        (int)(p1.resident - p0.resident));
  CHECK(v1.fa_mapped - v0.fa_mapped == 48, "fa_mapped moved by %d, want 48",
        (int)(v1.fa_mapped - v0.fa_mapped));
  CHECK(v1.fa_touched - v0.fa_touched == 28, "fa_touched moved by %d, want 16 + 12",
        (int)(v1.fa_touched - v0.fa_touched));
  CHECK(v0.frames_free - v1.frames_free == 52 + (p1.pt_pages - p0.pt_pages),
        "took %d frames for 52 pages + %d page-table pages", (int)(v0.frames_free - v1.frames_free),
        (int)(p1.pt_pages - p0.pt_pages));
  CHECK(v1.faultaround == 1, "vmstat says faultaround %d", (int)v1.faultaround);
  vmctl(VMCTL_FAULTAROUND, old);
}

// Off: one page per fault.
TEST(faultaround_off_one_page_per_fault)
{
  struct vmstat v0, v1;
  struct procstat p0, p1;
  int old = vmctl(VMCTL_FAULTAROUND, 0);
  char *p = fresh_heap(MIB);

  xprocstat(&p0);
  xvmstat(&v0);
  for (int i = 0; i < 64; i++)
    p[(uint64)i * PGSIZE] = 1;
  xprocstat(&p1);
  xvmstat(&v1);
  CHECK(p1.resident - p0.resident == 64, "%d pages for 64 writes",
        (int)(p1.resident - p0.resident));
  CHECK(v1.fa_mapped == v0.fa_mapped, "off, yet %d pages mapped ahead",
        (int)(v1.fa_mapped - v0.fa_mapped));
  CHECK(vmctl(VMCTL_FAULTAROUND, 2) == -1, "vmctl value 2 accepted");
  vmctl(VMCTL_FAULTAROUND, old);
}

// A 20-page heap written in order: every page mapped, none past its end
// (the batch at page 18 wants 32 but gets 1); the page past it still kills.
static void
write_past_end(void *arg)
{
  *(volatile char *)arg = 1;
}

TEST(faultaround_stops_at_region_end)
{
  struct procstat p0, p1;
  struct vmstat v0, v1;
  int old = vmctl(VMCTL_FAULTAROUND, 1);
  char *p = fresh_heap(0);  // the break is now past p

  sbrk((int)((uint64)p + 20 * PGSIZE - (uint64)sbrk(0)));  // heap ends at p + 20 pages
  CHECK((uint64)sbrk(0) == (uint64)p + 20 * PGSIZE, "break %p", sbrk(0));
  xprocstat(&p0);
  xvmstat(&v0);
  for (int i = 0; i < 20; i++)
    p[(uint64)i * PGSIZE] = 1;
  xprocstat(&p1);
  xvmstat(&v1);
  CHECK(p1.resident - p0.resident == 20, "%d pages mapped for a 20-page heap",
        (int)(p1.resident - p0.resident));
  CHECK(v1.fa_mapped - v0.fa_mapped == 17, "fa_mapped moved by %d, want 16 + 1",
        (int)(v1.fa_mapped - v0.fa_mapped));
  CHECK(child_status(write_past_end, p + 20 * PGSIZE) == -1, "write past the break survived");
  vmctl(VMCTL_FAULTAROUND, old);
}

// The heap grown up to the stack's guard page, its last 40 pages written in
// order: fault-around stops at the heap's end, the guard page stays unmapped.
TEST(faultaround_never_maps_guard_page)
{
  struct procstat p0, p1;
  int old = vmctl(VMCTL_FAULTAROUND, 1);
  long step = 1L << 30;

  sbrk((int)(PGROUNDUP((uint64)sbrk(0)) - (uint64)sbrk(0)));
  while (step >= PGSIZE)  // grow until sbrk refuses: the heap ends at the guard
    if (sbrk((int)step) == (char *)-1)
      step /= 2;
  char *end = sbrk(0), *p = end - 40 * PGSIZE;
  CHECK((uint64)end % PGSIZE == 0, "break %p", end);
  xprocstat(&p0);
  for (int i = 0; i < 40; i++)
    p[(uint64)i * PGSIZE] = 1;
  xprocstat(&p1);
  CHECK(p1.resident - p0.resident == 40, "%d pages mapped for the last 40 of the heap",
        (int)(p1.resident - p0.resident));
  CHECK(child_status(write_past_end, end) == -1, "write to the guard page survived");
  vmctl(VMCTL_FAULTAROUND, old);
}

// Near the reserve: fault-around takes at most what lies above it, then
// none (counted in fa_lowmem); frames stay exact.
static void
near_reserve_child(void *arg)
{
  struct vmstat v0, v1;
  struct procstat p0, p1;
  int headroom = 200, n = 400;

  xvmstat(&v0);
  while (v0.frames_free > v0.fa_reserve + headroom + 256) {  // eat memory, 1 MiB at a time
    CHECK(sbrkeager(256 * PGSIZE) != (char *)-1, "eager sbrk");
    xvmstat(&v0);
  }
  while (v0.frames_free > v0.fa_reserve + headroom) {
    CHECK(sbrkeager(PGSIZE) != (char *)-1, "eager sbrk");
    xvmstat(&v0);
  }
  char *p = sbrklazy((n + 1) * PGSIZE);
  CHECK(p != (char *)-1, "sbrk");
  p = (char *)PGROUNDUP((uint64)p);
  xprocstat(&p0);
  xvmstat(&v0);
  for (int i = 0; i < n; i++)
    p[(uint64)i * PGSIZE] = 1;
  xvmstat(&v1);
  xprocstat(&p1);
  CHECK(v1.fa_mapped - v0.fa_mapped <= v0.frames_free - v0.fa_reserve,
        "%d pages mapped ahead with %d free above the reserve", (int)(v1.fa_mapped - v0.fa_mapped),
        (int)(v0.frames_free - v0.fa_reserve));
  CHECK(v1.fa_lowmem > v0.fa_lowmem, "fault-around never held back below the reserve");
  CHECK(v0.frames_free - v1.frames_free ==
            (p1.resident - p0.resident) + (p1.pt_pages - p0.pt_pages),
        "took %d frames, mapped %d pages + %d page-table pages",
        (int)(v0.frames_free - v1.frames_free), (int)(p1.resident - p0.resident),
        (int)(p1.pt_pages - p0.pt_pages));
}

TEST(faultaround_respects_free_memory)
{
  int old = vmctl(VMCTL_FAULTAROUND, 1);

  CHECK(child_status(near_reserve_child, 0) == 0, "child failed");
  vmctl(VMCTL_FAULTAROUND, old);
}

// A hog writing a huge heap in order, fault-around on: it alone is killed
// for want of memory, and every frame comes back (the harness checks).
static void
hog(void *arg)
{
  char *p = sbrklazy(512 * MIB);

  if (p == (char *)-1)
    exit(2);
  for (long off = 0; off < 512 * MIB; off += PGSIZE)
    p[off] = 1;
  exit(3);  // not reached: 512 MiB is more than the machine has
}

TEST(faultaround_oom_kills_only_hog)
{
  struct vmstat v0, v1;
  int old = vmctl(VMCTL_FAULTAROUND, 1);
  uint64 f0 = frames_free();

  xvmstat(&v0);
  CHECK(child_status(hog, 0) == -1, "the hog was not killed");
  xvmstat(&v1);
  CHECK(v1.kills[KR_OOM] == v0.kills[KR_OOM] + 1, "%d OOM kills",
        (int)(v1.kills[KR_OOM] - v0.kills[KR_OOM]));
  CHECK(v1.fa_lowmem > v0.fa_lowmem, "fault-around did not stop under memory pressure");
  CHECK(v1.fa_mapped > v0.fa_mapped, "the hog got no fault-around at all");
  CHECK(frames_free() == f0, "%d frames not returned", (int)(f0 - frames_free()));
  vmctl(VMCTL_FAULTAROUND, old);
}

// After fork the leaf tables are shared: a sequential write in the child
// maps ahead in its own copy of the table; the parent's pages and count
// of mapped pages do not change.
TEST(faultaround_after_fork_private)
{
  struct procstat p0, p1;
  int old = vmctl(VMCTL_FAULTAROUND, 1);
  char *p = fresh_heap(2 * MIB);

  for (int i = 0; i < 10; i++)  // the parent: pages 0..9 written (more mapped ahead)
    p[(uint64)i * PGSIZE] = (char)(i + 1);
  xprocstat(&p0);
  int pid = xfork();
  if (pid == 0) {
    struct procstat c0, c1;
    xprocstat(&c0);
    for (int i = 100; i < 140; i++)
      p[(uint64)i * PGSIZE] = 7;
    xprocstat(&c1);
    CHECK(c1.resident - c0.resident > 40, "child: %d pages for 40 sequential writes",
          (int)(c1.resident - c0.resident));
    for (int i = 0; i < 10; i++)
      CHECK(p[(uint64)i * PGSIZE] == (char)(i + 1), "child sees page %d as %d", i,
            p[(uint64)i * PGSIZE]);
    exit(0);
  }
  CHECK(xwait(0) == 0, "child failed");
  xprocstat(&p1);
  CHECK(p1.resident == p0.resident, "parent's mapped pages %d -> %d", (int)p0.resident,
        (int)p1.resident);
  for (int i = 0; i < 10; i++)
    CHECK(p[(uint64)i * PGSIZE] == (char)(i + 1), "parent page %d is %d", i, p[(uint64)i * PGSIZE]);
  check_zero(p + 100 * PGSIZE, 40);  // read faults now: the zero page
  vmctl(VMCTL_FAULTAROUND, old);
}

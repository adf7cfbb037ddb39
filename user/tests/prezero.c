// The pre-zeroed frame pool: idle harts zero free frames ahead of demand.
// Pool pages handed out are entirely zero even when they held another
// process's data; frames in the pool are free frames, so frame accounting
// stays exact whether the pool is full, empty or refilling.
#include "harness.h"

#define DIRTY_PAGES 512  // more than the pool holds
#define WAIT_TICKS 100   // 10 s at most for the idle harts to refill the pool

// Sleep until the pool is full (idle harts only run when we sleep).
static void
wait_pool_full(void)
{
  struct vmstat vs;

  for (int i = 0; i < WAIT_TICKS; i++) {
    xvmstat(&vs);
    if (vs.frames_zeroed >= vs.zeroed_max)
      return;
    sleep(1);
  }
  FAILF("pool holds %d of %d after %d ticks", (int)vs.frames_zeroed, (int)vs.zeroed_max,
        WAIT_TICKS);
}

// A child fills DIRTY_PAGES fresh pages with a pattern and exits: its
// frames go back dirty, to the top of the free list.
static void
dirty_child(void *arg)
{
  char *p = sbrk(DIRTY_PAGES * PGSIZE);

  CHECK(p != (char *)-1, "sbrk");
  memset(p, 0xa5, DIRTY_PAGES * PGSIZE);
}

// Every byte of n fresh heap pages is zero but the one we wrote.
static void
check_fresh_pages(int n)
{
  char *p = sbrk((n + 1) * PGSIZE);

  CHECK(p != (char *)-1, "sbrk");
  p = (char *)PGROUNDUP((uint64)p);
  for (int i = 0; i < n; i++)
    p[(uint64)i * PGSIZE + 7] = 1;  // a write fault: a zeroed frame
  for (int i = 0; i < n; i++)
    for (int j = 0; j < PGSIZE; j++)
      CHECK(p[(uint64)i * PGSIZE + j] == (j == 7), "page %d byte %d is 0x%x", i, j,
            (uchar)p[(uint64)i * PGSIZE + j]);
  sbrk(-(n + 1) * PGSIZE);
}

// Frames freed by exit are dirty; the pool refills from them; pages served
// from the pool are zero in every byte.
TEST(prezero_pool_pages_zero)
{
  struct vmstat v0, v1;
  int old = vmctl(VMCTL_PREZERO, 0);  // empty the pool: it must refill from our dirt

  CHECK(old >= 0, "vmctl prezero");
  xvmstat(&v0);
  CHECK(v0.frames_zeroed == 0, "pool off but holds %d frames", (int)v0.frames_zeroed);
  CHECK(child_status(dirty_child, 0) == 0, "dirtying child failed");
  xvmstat(&v1);
  CHECK(v1.frames_zeroed == 0, "exit put %d frames in the pool", (int)v1.frames_zeroed);
  vmctl(VMCTL_PREZERO, 1);
  wait_pool_full();
  xvmstat(&v0);
  check_fresh_pages((int)v0.zeroed_max);
  xvmstat(&v1);
  CHECK(v1.zeroed_hits - v0.zeroed_hits >= v0.zeroed_max / 2,
        "only %d zeroed frames came from the pool", (int)(v1.zeroed_hits - v0.zeroed_hits));
  vmctl(VMCTL_PREZERO, old);
}

// The same with the pool off: every zeroed frame is zeroed on demand.
TEST(prezero_off_pages_zero)
{
  struct vmstat v0, v1;
  int old = vmctl(VMCTL_PREZERO, 0);

  CHECK(child_status(dirty_child, 0) == 0, "dirtying child failed");
  xvmstat(&v0);
  check_fresh_pages(DIRTY_PAGES / 2);
  xvmstat(&v1);
  CHECK(v1.zeroed_hits == v0.zeroed_hits, "pool off, yet %d frames taken from it",
        (int)(v1.zeroed_hits - v0.zeroed_hits));
  CHECK(v1.zeroed_misses - v0.zeroed_misses >= DIRTY_PAGES / 2, "%d frames zeroed on demand",
        (int)(v1.zeroed_misses - v0.zeroed_misses));
  vmctl(VMCTL_PREZERO, old);
}

// Touch k pages (every other page: no sequential pattern) and check that
// exactly k data frames + new page-table pages left the free count.
static void
touch_exact(const char *when)
{
  int k = 64;
  struct vmstat v0, v1;
  struct procstat p0, p1;
  char *p = sbrk(2 * k * PGSIZE + PGSIZE);

  CHECK(p != (char *)-1, "sbrk");
  p = (char *)PGROUNDUP((uint64)p);
  xprocstat(&p0);
  xvmstat(&v0);
  for (int i = 0; i < k; i++)
    p[(uint64)i * 2 * PGSIZE] = 1;
  xvmstat(&v1);
  xprocstat(&p1);
  CHECK(v0.frames_free - v1.frames_free == k + (p1.pt_pages - p0.pt_pages),
        "pool %s: took %d frames, want %d data + %d page-table", when,
        (int)(v0.frames_free - v1.frames_free), k, (int)(p1.pt_pages - p0.pt_pages));
  CHECK(v1.frames_zeroed <= v1.frames_free, "pool %s: %d zeroed of %d free", when,
        (int)v1.frames_zeroed, (int)v1.frames_free);
  sbrk(-(2 * k * PGSIZE + PGSIZE));
  xvmstat(&v1);
  xprocstat(&p1);
  CHECK(v0.frames_free - v1.frames_free == p1.pt_pages - p0.pt_pages,
        "pool %s: %d frames not returned", when,
        (int)(v0.frames_free - v1.frames_free - (p1.pt_pages - p0.pt_pages)));
}

// Frame accounting is exact with the pool full, with it off and empty,
// and while idle harts refill it (a frame being zeroed is still free).
TEST(prezero_accounting_exact)
{
  struct vmstat v0, v1;
  int old = vmctl(VMCTL_PREZERO, 1);

  wait_pool_full();
  touch_exact("full");
  xvmstat(&v0);
  CHECK(vmctl(VMCTL_PREZERO, 0) == 1, "prezero was not on");
  xvmstat(&v1);
  CHECK(v1.frames_zeroed == 0 && v1.prezero == 0, "off: pool holds %d", (int)v1.frames_zeroed);
  CHECK(v1.frames_free == v0.frames_free, "emptying the pool changed free %d -> %d",
        (int)v0.frames_free, (int)v1.frames_free);
  touch_exact("empty");
  xvmstat(&v0);
  vmctl(VMCTL_PREZERO, 1);
  for (int i = 0; i < 20; i++) {  // sample while the idle harts refill
    xvmstat(&v1);
    CHECK(v1.frames_free == v0.frames_free, "refilling: free %d -> %d (%d zeroed)",
          (int)v0.frames_free, (int)v1.frames_free, (int)v1.frames_zeroed);
    if (i % 4 == 3)
      sleep(1);
  }
  wait_pool_full();
  xvmstat(&v1);
  CHECK(v1.frames_free == v0.frames_free, "after refill: free %d -> %d", (int)v0.frames_free,
        (int)v1.frames_free);
  CHECK(v1.frames_zeroed == v1.zeroed_max, "pool %d, bound %d", (int)v1.frames_zeroed,
        (int)v1.zeroed_max);
  vmctl(VMCTL_PREZERO, old);
}

// The switch: bad values are refused, the tool shows it.
TEST(prezero_vmctl_switch)
{
  int old = vmctl(VMCTL_PREZERO, -1);

  CHECK(old == 0 || old == 1, "vmctl prezero reads %d", old);
  CHECK(vmctl(VMCTL_PREZERO, 2) == -1, "value 2 accepted");
  CHECK(vmctl(VMCTL_PREZERO, -1) == old, "a refused value changed the switch");
}

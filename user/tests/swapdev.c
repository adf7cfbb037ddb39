// The swap device: the second virtio disk is found and sized, slots are
// counted, pages written to slots come back byte for byte (the
// VMCTL_SWAPTEST self-test), and with no swap disk everything refuses
// cleanly. make test runs these with the default SWAP and again with a
// tiny swap disk and with none (tests/run-all.sh); tools/run.sh writes the
// disk's size into the first line of /autorun, which is how a test knows
// what to expect.
#include "harness.h"

#define MAXSLOTS (1UL << 18)  // the kernel's cap: 1 GiB of swap (vm.h SWAP_MAXSLOTS)
#define TEST_MAX 1024         // slots one self-test may take (vmstat.h)

static uint64
parse_u64(const char *s)
{
  uint64 v = 0;
  while (*s >= '0' && *s <= '9')
    v = v * 10 + (uint64)(*s++ - '0');
  return v;
}

// The swap disk's size in slots as tools/run.sh made it; -1 if we were
// not booted by run.sh (make qemu: nothing to compare with).
static long
expected_slots(void)
{
  static char buf[512];
  const char *key = "# run.sh: swap ";
  if (read_file("/autorun", buf, sizeof(buf)) < 0 || strncmp(buf, key, strlen(key)) != 0)
    return -1;
  uint64 slots = parse_u64(buf + strlen(key)) / PGSIZE;
  return (long)(slots < MAXSLOTS ? slots : MAXSLOTS);
}

// Everything a self-test must give back, and what it counts.
struct snap {
  uint64 free, used, ins, outs, in_ns, out_ns, errors;
};

static void
snap(struct snap *s)
{
  struct vmstat vs;
  xvmstat(&vs);
  s->free = vs.frames_free;
  s->used = vs.swap_used;
  s->ins = vs.swap_ins;
  s->outs = vs.swap_outs;
  s->in_ns = vs.swap_in_ns;
  s->out_ns = vs.swap_out_ns;
  s->errors = vs.swap_errors;
}

// Slots and frames back where they were (frames: the pre-zeroed pool may
// have refilled meanwhile, which moves no frame out of the free count).
static void
same_resources(struct snap *a, struct snap *b, const char *what)
{
  CHECK(b->used == a->used, "%s: swap_used %d -> %d", what, (int)a->used, (int)b->used);
  CHECK(b->free == a->free, "%s: frames_free %d -> %d", what, (int)a->free, (int)b->free);
}

// vmstat reports the swap disk's size in pages, and swap is on exactly
// when there is a swap disk.
TEST(swapdev_total_matches_disk)
{
  struct vmstat vs;
  long want = expected_slots();

  xvmstat(&vs);
  if (want < 0) {
    printf("  (not booted by run.sh: swap_total %d not compared)\n", (int)vs.swap_total);
    want = (long)vs.swap_total;
  }
  CHECK((long)vs.swap_total == want, "swap_total %d, disk holds %d pages", (int)vs.swap_total,
        (int)want);
  CHECK(vs.swap_on == (want > 0), "swap_on %d with %d slots", (int)vs.swap_on, (int)want);
  CHECK(vmctl(VMCTL_SWAP, -1) == (int)vs.swap_on, "vmctl swap -1 disagrees with vmstat");
  CHECK(vs.swap_used <= vs.swap_total, "swap_used %d > total", (int)vs.swap_used);
}

// One self-test of |n| pages (n < 0: the batched mode); returns its
// result and checks what it counted and gave back. ok: whether it must
// succeed.
static int
selftest(int n, int ok)
{
  struct snap a, b;
  uint64 m = n < 0 ? -(uint64)n : (uint64)n;

  snap(&a);
  int r = vmctl(VMCTL_SWAPTEST, n);
  snap(&b);
  same_resources(&a, &b, "self-test");
  CHECK(r == (ok ? 0 : -1), "self-test of %d pages returned %d", n, r);
  if (ok) {
    CHECK(b.outs - a.outs == m && b.ins - a.ins == m, "self-test of %d pages counted %d out, %d in",
          n, (int)(b.outs - a.outs), (int)(b.ins - a.ins));
    CHECK(b.errors == a.errors, "I/O errors counted");
  } else {
    CHECK(b.outs == a.outs && b.ins == a.ins, "a refused self-test moved pages");
  }
  return r;
}

// Pages written to slots come back with every byte right (the kernel
// compares them), 1, 64 and a few hundred at a time, one page per request
// and batched; slots and frames all come back. Prints the time per page.
TEST(swapdev_selftest_pages)
{
  long slots = expected_slots();
  struct vmstat vs;

  xvmstat(&vs);
  if (slots < 0)
    slots = (long)vs.swap_total;
  long free = slots - (long)vs.swap_used;
  int sizes[] = {1, 64, 400, -1, -17, -400};
  for (int i = 0; i < 6; i++) {
    int n = sizes[i];
    selftest(n, (n < 0 ? -n : n) <= free);
  }
  for (int batch = 0; batch < 2 && free >= 400; batch++) {
    struct snap a, b;
    snap(&a);
    CHECK(vmctl(VMCTL_SWAPTEST, batch ? -400 : 400) == 0, "second self-test of 400 pages");
    snap(&b);
    printf("  swap, %s: %d us per page written, %d us per page read\n",
           batch ? "batched" : "one page per request", (int)((b.out_ns - a.out_ns) / 400 / 1000),
           (int)((b.in_ns - a.in_ns) / 400 / 1000));
  }
}

// Bad sizes, swap switched off: -1 and nothing taken. With no swap disk
// vmctl swap on cannot turn it on.
TEST(swapdev_selftest_refusals)
{
  int on = vmctl(VMCTL_SWAP, -1);

  selftest(0, 0);
  selftest(TEST_MAX + 1, 0);
  selftest(-TEST_MAX - 1, 0);
  selftest(0x7fffffff, 0);
  selftest((int)0x80000000, 0);
  CHECK(vmctl(VMCTL_SWAP, 2) == -1, "vmctl swap 2 accepted");
  CHECK(vmctl(VMCTL_SWAP, 0) == on, "vmctl swap 0: old value");
  CHECK(vmctl(VMCTL_SWAP, -1) == 0, "swap still on");
  selftest(1, 0);  // swap off: no slot to be had
  selftest(-1, 0);
  int was = vmctl(VMCTL_SWAP, 1);
  CHECK(was == 0, "vmctl swap 1: old value %d", was);
  struct vmstat vs;
  xvmstat(&vs);
  CHECK(vmctl(VMCTL_SWAP, -1) == (vs.swap_total > 0), "swap on without a disk, or not on");
  vmctl(VMCTL_SWAP, on);
}

// A self-test wanting more slots than are free is refused, and every slot
// it took on the way comes back; exactly the free slots still work. Only
// meaningful on a swap disk smaller than TEST_MAX pages (make test boots
// one of 64.5 pages: 64 slots).
TEST(swapdev_selftest_slots_full)
{
  struct vmstat vs;

  xvmstat(&vs);
  long free = (long)vs.swap_total - (long)vs.swap_used;
  if (free >= TEST_MAX) {
    printf("  (%d free slots: more than one self-test can take; see the small-swap stage)\n",
           (int)free);
    return;
  }
  if (free > 0) {
    selftest((int)free, 1);
    selftest(-(int)free, 1);
  }
  selftest((int)free + 1, 0);
  selftest(-(int)free - 1, 0);
}

// Several processes at once, while the file-system disk works too: both
// disks' queues hold requests from different processes concurrently, and
// batches (which keep many requests in flight) compete with single ones.
static void
selftest_child(void *arg)
{
  int n = (int)(uint64)arg;
  for (int k = 0; k < 3; k++)
    CHECK(vmctl(VMCTL_SWAPTEST, n) == 0, "concurrent self-test %d of %d failed", k, n);
}

static void
file_child(void *arg)
{
  static char buf[4096];
  char name[32];
  snprintf(name, sizeof(name), "t_swapdev%d", (int)(uint64)arg);
  for (int k = 0; k < 3; k++) {
    int fd = open(name, O_CREATE | O_RDWR);
    CHECK(fd >= 0, "open %s", name);
    for (int i = 0; i < 16; i++) {
      memset(buf, 'a' + (i + k) % 26, sizeof(buf));
      CHECK(write(fd, buf, sizeof(buf)) == sizeof(buf), "write");
    }
    close(fd);
    fd = open(name, O_RDONLY);
    for (int i = 0; i < 16; i++) {
      CHECK(read(fd, buf, sizeof(buf)) == sizeof(buf), "read back");
      for (int j = 0; j < (int)sizeof(buf); j++)
        CHECK(buf[j] == 'a' + (i + k) % 26, "file byte %d of block %d", j, i);
    }
    close(fd);
    CHECK(unlink(name) == 0, "unlink");
  }
}

TEST(swapdev_concurrent_with_fs)
{
  struct vmstat vs;
  struct snap a, b;
  const int nproc = 3, n = 100;

  xvmstat(&vs);
  if ((long)vs.swap_total - (long)vs.swap_used < nproc * n) {
    printf("  (%d free slots: too few to run %d self-tests at once)\n",
           (int)(vs.swap_total - vs.swap_used), nproc);
    return;
  }
  snap(&a);
  for (int i = 0; i < nproc; i++) {
    if (xfork() == 0) {
      selftest_child((void *)(uint64)(i == 0 ? n : -n));  // two batched, one not
      exit(0);
    }
  }
  if (xfork() == 0) {
    file_child((void *)1);
    exit(0);
  }
  int bad = 0;
  for (int i = 0; i < nproc + 1; i++)
    bad += xwait(0) != 0;  // wait for all before failing: none may outlive the test
  CHECK(bad == 0, "%d of %d children failed", bad, nproc + 1);
  snap(&b);
  CHECK(b.outs - a.outs == (uint64)(nproc * n * 3), "%d pages out, expected %d",
        (int)(b.outs - a.outs), nproc * n * 3);
  CHECK(b.used == a.used, "slots %d -> %d", (int)a.used, (int)b.used);
}

static char out[1024];

static int
run_tool(char **argv)
{
  char path[32];
  snprintf(path, sizeof(path), "/%s", argv[0]);
  int st = run_to_file(path, argv, "t_swaptool");
  CHECK(read_file("t_swaptool", out, sizeof(out)) >= 0, "no output file");
  unlink("t_swaptool");
  return st;
}

// vmctl swap off|on flips the switch (and says so; fails with no swap
// disk); free's Swap: row shows the disk in KiB.
TEST(swapdev_tools)
{
  char *off[] = {"vmctl", "swap", "off", 0}, *on[] = {"vmctl", "swap", "on", 0};
  char *bad[] = {"vmctl", "swap", "maybe", 0}, *fr[] = {"free", 0};
  char want[96];
  struct vmstat vs;
  int old = vmctl(VMCTL_SWAP, -1);

  xvmstat(&vs);
  CHECK(run_tool(off) == 0 && contains(out, "swap off"), "vmctl swap off: %s", out);
  CHECK(vmctl(VMCTL_SWAP, -1) == 0, "vmctl swap off left it on");
  int st = run_tool(on);
  if (vs.swap_total > 0) {
    CHECK(st == 0 && contains(out, "swap on"), "vmctl swap on: %s", out);
    CHECK(vmctl(VMCTL_SWAP, -1) == 1, "vmctl swap on left it off");
  } else {
    CHECK(st != 0 && contains(out, "no swap disk"), "vmctl swap on without a disk: %d %s", st, out);
  }
  CHECK(run_tool(bad) != 0, "vmctl swap maybe accepted");
  vmctl(VMCTL_SWAP, old);

  xvmstat(&vs);
  CHECK(run_tool(fr) == 0, "free failed");
  uint64 kib = PGSIZE / 1024;
  snprintf(want, sizeof(want), "%-8s %10lu %10lu %10lu\n", "Swap:", vs.swap_total * kib,
           vs.swap_used * kib, (vs.swap_total - vs.swap_used) * kib);
  CHECK(contains(out, want), "free has no '%s' in: %s", want, out);
}

// madvise(MADV_PAGEOUT) in batches (the default) and one page at a time
// (vmctl VMCTL_PAGEOUT_BATCH 0) put the same pages out and bring every byte
// back. With fewer free slots than pages (the small-swap stage: 64 slots)
// a batch meets the full swap part way: exactly the free slots' worth go,
// the rest stay resident, nothing is lost, and every slot comes back (the
// harness audits swap_used). With no swap disk both refuse (-1).
static void
pageout_modes_child(void *arg)
{
  int batched = (int)(uint64)arg;
  struct vmstat vs;
  xvmstat(&vs);
  long free = (long)vs.swap_total - (long)vs.swap_used;
  int n = free > 0 && free < 200 ? (int)free + 37 : 83;  // not a multiple of the batch
  char *p = sbrk(n * PGSIZE);
  CHECK(p != (char *)-1, "sbrk");
  pages_fill(p, n, 77 + batched);
  int old = vmctl(VMCTL_PAGEOUT_BATCH, batched);
  CHECK(old == 0 || old == 1, "VMCTL_PAGEOUT_BATCH reads %d", old);
  int got = madvise(p, (uint64)n * PGSIZE, MADV_PAGEOUT);
  vmctl(VMCTL_PAGEOUT_BATCH, old);
  if (vs.swap_total == 0 || !vs.swap_on) {
    CHECK(got == -1, "madvise without swap returned %d", got);
  } else {
    int want = free < n ? (int)free : n;
    CHECK(got == want, "%s madvise paged out %d of %d pages (%d free slots)",
          batched ? "batched" : "single", got, n, (int)free);
    xvmstat(&vs);
    CHECK((long)vs.swap_used - ((long)vs.swap_total - free) == want, "swap_used grew by %d, not %d",
          (int)((long)vs.swap_used - ((long)vs.swap_total - free)), want);
    CHECK(resident_at(p) >= n - want, "only %d pages resident", resident_at(p));
  }
  CHECK(pages_check(p, n, 77 + batched) == 0, "%d pages wrong after the page-out",
        pages_check(p, n, 77 + batched));
  CHECK(sbrk(-n * PGSIZE) != (char *)-1, "sbrk shrink");
}

TEST(swapdev_pageout_batched_and_single)
{
  CHECK(vmctl(VMCTL_PAGEOUT_BATCH, 2) == -1, "VMCTL_PAGEOUT_BATCH 2 accepted");
  CHECK(child_status(pageout_modes_child, (void *)1) == 0, "batched page-out");
  CHECK(child_status(pageout_modes_child, (void *)0) == 0, "single page-out");
  CHECK(vmctl(VMCTL_PAGEOUT_BATCH, -1) == 1, "the default is batched");
}

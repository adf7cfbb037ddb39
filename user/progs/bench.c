// bench: measures what the VM policies cost — lazy vs eager sbrk, COW vs
// copying fork, trap cost with and without a page-table switch per trap.
// Prints one "BENCH key value unit" line per number (bench/run.sh parses
// them; value is "n/a" when a case cannot run) and a human summary at the
// end. Timing only; correctness belongs to the tests.
#include "user.h"

#define KIB 1024L
#define MIB (1024L * 1024L)
#define GIB (1024L * MIB)
#define SPARSE_STRIDE 64  // sparse touch: one page in every 64

// ---- result table ----------------------------------------------------

#define NRESULTS 160
#define NA (-1L)          // value meaning "could not be measured"
#define RATIO_SCALE 100L  // ratios are kept as fixed point, two decimals

struct result {
  char key[40];
  char unit[8];
  long value;  // NA, or the value (ratios scaled by RATIO_SCALE)
};

static struct result results[NRESULTS];
static int nresults;

// The page zeroed by zero4k_ns; file scope so main can fault it in early.
static char page[PGSIZE] __attribute__((aligned(PGSIZE)));

// Print v (fixed point with two decimals when scaled) into buf.
static void
format_value(char *buf, int n, long v, int scaled)
{
  if (v == NA)
    snprintf(buf, n, "n/a");
  else if (scaled)
    snprintf(buf, n, "%ld.%02ld", v / RATIO_SCALE, v % RATIO_SCALE);
  else
    snprintf(buf, n, "%ld", v);
}

static int
is_ratio(const char *unit)
{
  return strcmp(unit, "x") == 0;
}

// Remember a measurement and print its machine-readable line at once, so
// a crash halfway still leaves the numbers gathered so far.
static void
record(const char *key, long value, const char *unit)
{
  struct result *r;
  char buf[32];

  if (nresults < NRESULTS) {
    r = &results[nresults++];
    snprintf(r->key, sizeof(r->key), "%s", key);
    snprintf(r->unit, sizeof(r->unit), "%s", unit);
    r->value = value;
  }
  format_value(buf, sizeof(buf), value, is_ratio(unit));
  printf("BENCH %s %s %s\n", key, buf, unit);
}

static void
record_ratio(const char *key, long num, long den)
{
  if (num == NA || den == NA || den <= 0)
    record(key, NA, "x");
  else
    record(key, (num * RATIO_SCALE + den / 2) / den, "x");
}

static long
lookup(const char *key)
{
  int i;

  for (i = 0; i < nresults; i++)
    if (strcmp(results[i].key, key) == 0)
      return results[i].value;
  return NA;
}

// ---- clock -------------------------------------------------------------

// nsec() reads the time CSR without a trap; if the kernel does not let
// user mode read it (scounteren.TM clear) it is an illegal instruction,
// so main probes it in a child and falls back to the nanotime() call.
static int clock_csr;
static uint64 clock_cost;  // ns one now() call adds to a timed interval

static uint64
now(void)
{
  return clock_csr ? nsec() : nanotime();
}

static void
clock_probe(void)
{
  uint64 t;
  int pid, status = -1, i;

  pid = fork();
  if (pid == 0) {
    nsec();
    exit(0);
  }
  if (pid > 0)
    wait(&status);
  clock_csr = status == 0;
  t = now();
  for (i = 0; i < 1000; i++)
    now();
  clock_cost = (now() - t) / 1001;
}

// ---- helpers ---------------------------------------------------------

// The host may deschedule QEMU at any moment, so every figure is the
// median of several samples rather than their mean.
#define MAXSAMPLES 64

static uint64
median(uint64 *a, int n)
{
  uint64 x;
  int i, j;

  for (i = 1; i < n; i++) {
    x = a[i];
    for (j = i; j > 0 && a[j - 1] > x; j--)
      a[j] = a[j - 1];
    a[j] = x;
  }
  return n > 0 ? a[n / 2] : 0;
}

static uint64
frames_free(void)
{
  struct vmstat vs;

  if (vmstat(&vs) < 0)
    return 0;
  return vs.frames_free;
}

// Size label used in keys: 1M, 64M, 1G, 0M.
static void
size_label(char *buf, int n, long bytes)
{
  if (bytes >= GIB)
    snprintf(buf, n, "%ldG", bytes / GIB);
  else
    snprintf(buf, n, "%ldM", bytes / MIB);
}

// Write one byte into every stride-th page of [p, p+len).
static void
touch_pages(char *p, long len, long stride)
{
  volatile char *v = p;
  long off;

  for (off = 0; off < len; off += stride * PGSIZE)
    v[off] = 1;
}

// Set a policy, returning the old value so the caller can restore it.
static int
policy_set(int op, int value)
{
  return vmctl(op, value);
}

// ---- lazy vs eager sbrk ----------------------------------------------

// Median time of sbrk(bytes) under the given policy, shrinking back after
// each call outside the timed part. Also records the frames it takes.
static void
bench_sbrk_size(long bytes, int eager, int iters)
{
  char key[40], lbl[8];
  const char *pol = eager ? "eager" : "lazy";
  uint64 t, total, before, used = 0, samples[MAXSAMPLES];
  char *p;
  int i, failed = 0;

  size_label(lbl, sizeof(lbl), bytes);
  if (iters > MAXSAMPLES)
    iters = MAXSAMPLES;
  for (i = 0; i < iters && !failed; i++) {
    before = frames_free();
    t = now();
    p = sbrk((int)bytes);
    samples[i] = now() - t;
    failed = p == (char *)-1;
    if (i == 0)
      used = before - frames_free();
    if (!failed)
      sbrk(-(int)bytes);
  }
  // With the system-call clock, one clock call lands inside each interval.
  total = median(samples, iters);
  total = total > clock_cost ? total - clock_cost : 0;
  snprintf(key, sizeof(key), "sbrk_%s_%s", pol, lbl);
  record(key, failed ? NA : (long)total, "ns");
  snprintf(key, sizeof(key), "frames_sbrk_%s_%s", pol, lbl);
  record(key, failed ? NA : (long)used, "frames");
}

// Grow by 16 MiB and write every page; records the touch time and the
// frames the grown-and-touched heap holds.
static void
bench_touch16(int eager, const char *pol)
{
  char key[40];
  long len = 16 * MIB;
  uint64 t0, t1, t2, before;
  char *p;

  before = frames_free();
  t0 = now();
  p = sbrk((int)len);
  t1 = now();
  if (p == (char *)-1) {
    snprintf(key, sizeof(key), "touch_%s_16M", pol);
    record(key, NA, "ns");
    return;
  }
  touch_pages(p, len, 1);
  t2 = now();
  snprintf(key, sizeof(key), "touch_%s_16M", pol);
  record(key, (long)(t2 - t1), "ns");
  snprintf(key, sizeof(key), "sbrk_touch_%s_16M", pol);
  record(key, (long)(t2 - t0), "ns");
  snprintf(key, sizeof(key), "frames_touch_%s_16M", pol);
  record(key, (long)(before - frames_free()), "frames");
  sbrk(-(int)len);
}

// Lazily grow by 1 GiB and write one page in every SPARSE_STRIDE.
static void
bench_sparse1g(void)
{
  long len = GIB;
  uint64 t0, t1, before;
  char *p;

  before = frames_free();
  p = sbrk((int)len);
  if (p == (char *)-1) {
    record("sparse_lazy_1G", NA, "ns");
    record("frames_sparse_lazy_1G", NA, "frames");
    return;
  }
  t0 = now();
  touch_pages(p, len, SPARSE_STRIDE);
  t1 = now();
  record("sparse_lazy_1G", (long)(t1 - t0), "ns");
  record("frames_sparse_lazy_1G", (long)(before - frames_free()), "frames");
  sbrk(-(int)len);
  // Eager would need 1 GiB of frames; the machine has far less.
  record("sparse_eager_1G", NA, "ns");
  record("frames_sparse_eager_1G", NA, "frames");
}

// The fastest batch of the last measurement, per operation: the figure
// least disturbed by a busy host (medians are what the goals use).
static long best;

// Write npages fresh heap pages in 16 batches; the median batch, per page.
// With around 0 (fault-around off) that is the cost of one lazy zero-fill
// fault; with 1, what a sequential first touch costs per page.
static long
fresh_write_ns(int npages, int around)
{
  long len = (long)npages * PGSIZE, batch = len / 16;
  uint64 samples[16];
  char *p;
  int i, old;

  old = policy_set(VMCTL_FAULTAROUND, around);
  p = sbrklazy((int)(len + PGSIZE));
  if (p == (char *)-1) {
    policy_set(VMCTL_FAULTAROUND, old);
    return NA;
  }
  // Start on a page boundary so each write is a distinct fresh page.
  p = (char *)PGROUNDUP((uint64)p);
  best = -1;
  for (i = 0; i < 16; i++) {
    samples[i] = now();
    touch_pages(p + i * batch, batch, 1);
    samples[i] = (now() - samples[i]) / (batch / PGSIZE);
    if (best < 0 || (long)samples[i] < best)
      best = (long)samples[i];
  }
  sbrklazy(-(int)(len + PGSIZE));
  if (old >= 0)
    policy_set(VMCTL_FAULTAROUND, old);
  return (long)median(samples, 16);
}

static long
lazy_fault_ns(int npages)
{
  return fresh_write_ns(npages, 0);
}

// Cost of a read fault on fresh heap: maps the shared zero page, so
// it is the fault path without allocating or zeroing a frame.
static long
zero_page_fault_ns(int npages)
{
  long len = (long)npages * PGSIZE, batch = len / 16, off;
  volatile char *v;
  uint64 samples[16];
  char *p;
  int i, sum = 0;

  p = sbrklazy((int)(len + PGSIZE));
  if (p == (char *)-1)
    return NA;
  v = (volatile char *)PGROUNDUP((uint64)p);
  for (i = 0; i < 16; i++) {
    samples[i] = now();
    for (off = 0; off < batch; off += PGSIZE)
      sum += v[i * batch + off];
    samples[i] = (now() - samples[i]) / (batch / PGSIZE);
  }
  sbrklazy(-(int)(len + PGSIZE));
  return sum ? NA : (long)median(samples, 16);
}

// ---- swap: a fault that reads its page back vs one that zero-fills ----

// npages heap pages written, put on swap with madvise(MADV_PAGEOUT), then
// read back one byte per page in 16 batches: the median batch, per page, is
// one swap-in fault (a 4 KiB read from the swap disk). *pageout_ns gets
// madvise's time per page (PTE change, TLB flush, 4 KiB write). NA without swap.
static long
swapin_fault_ns(int npages, long *pageout_ns)
{
  long len = (long)npages * PGSIZE, batch = len / 16, off;
  volatile char *v;
  uint64 samples[16], t;
  char *p;
  int i, n, sum = 0;

  *pageout_ns = NA;
  p = sbrklazy((int)(len + PGSIZE));
  if (p == (char *)-1)
    return NA;
  v = (volatile char *)PGROUNDUP((uint64)p);
  for (off = 0; off < len; off += PGSIZE)
    v[off] = 1;
  t = now();
  n = madvise((void *)v, (uint64)len, MADV_PAGEOUT);
  t = now() - t;
  if (n != npages) {
    sbrklazy(-(int)(len + PGSIZE));
    return NA;
  }
  *pageout_ns = (long)(t / npages);
  best = -1;
  for (i = 0; i < 16; i++) {
    samples[i] = now();
    for (off = 0; off < batch; off += PGSIZE)
      sum += v[i * batch + off];
    samples[i] = (now() - samples[i]) / (batch / PGSIZE);
    if (best < 0 || (long)samples[i] < best)
      best = (long)samples[i];
  }
  sbrklazy(-(int)(len + PGSIZE));
  return sum == npages ? (long)median(samples, 16) : NA;
}

static void
bench_swapin(void)
{
  long out, in = swapin_fault_ns(1024, &out);
  record("fault_swap_in", in, "ns");
  record("fault_swap_in_best", in == NA ? NA : best, "ns");
  record("pageout_per_page", out, "ns");
  // The same page-out one page at a time (before batching: one 4 KiB write
  // and one TLB flush per page), beside the batched default.
  long single = NA;
  int old = vmctl(VMCTL_PAGEOUT_BATCH, 0);
  if (old >= 0) {
    swapin_fault_ns(1024, &single);
    vmctl(VMCTL_PAGEOUT_BATCH, old);
  }
  record("pageout_per_page_single", single, "ns");
  record_ratio("ratio_pageout_single_over_batch", single, out);
  record_ratio("ratio_swapin_over_zerofill", in, lookup("fault_lazy"));
}

static long
null_syscall_ns(int iters)
{
  uint64 samples[40];
  int i, k;

  best = -1;
  for (k = 0; k < 40; k++) {
    samples[k] = now();
    for (i = 0; i < iters / 40; i++)
      getpid();
    samples[k] = (now() - samples[k]) / (iters / 40);
    if (best < 0 || (long)samples[k] < best)
      best = (long)samples[k];
  }
  return (long)median(samples, 40);
}
// Zero an already-mapped page from user space with the library memset
// and with a doubleword loop; returns the memset time, records both.
static long
zero4k_ns(int iters)
{
  volatile uint64 *w = (volatile uint64 *)page;
  uint64 a[10], b[10];
  long ns;
  int i, j, k;

  for (k = 0; k < 10; k++) {
    a[k] = now();
    for (i = 0; i < iters / 10; i++)
      memset(page, 0, PGSIZE);
    a[k] = (now() - a[k]) / (iters / 10);
    b[k] = now();
    for (i = 0; i < iters / 10; i++)
      for (j = 0; j < PGSIZE / 8; j++)
        w[j] = 0;
    b[k] = (now() - b[k]) / (iters / 10);
  }
  ns = (long)median(a, 10);
  record("zero4k_memset", ns, "ns");
  record("zero4k_word", (long)median(b, 10), "ns");
  return ns;
}

// The fault / (syscall + memset) ratio from interleaved samples: each of
// 16 rounds times one batch of 128 lazy write faults (fault-around off),
// then 1000 null system calls, then 100 memsets of a 4 KiB page. The
// three medians above are measured seconds apart, so a busy moment of the
// host can land on one and not the others (the ratio of one run swung
// 1.5-5.0x so); here a disturbance falls on all three alike. The ratio of
// the medians of the three interleaved series.
#define IL_ROUNDS 16
#define IL_FAULTS 128
static void
bench_fault_ratio_interleaved(void)
{
  uint64 f[IL_ROUNDS], s[IL_ROUNDS], z[IL_ROUNDS], t;
  long len = (long)IL_ROUNDS * IL_FAULTS * PGSIZE;
  char *p;
  int i, j, old;

  old = policy_set(VMCTL_FAULTAROUND, 0);
  p = sbrklazy((int)(len + PGSIZE));
  if (p == (char *)-1) {
    record("ratio_fault_over_syscall_zero_il", NA, "x");
    policy_set(VMCTL_FAULTAROUND, old);
    return;
  }
  p = (char *)PGROUNDUP((uint64)p);
  for (i = 0; i < IL_ROUNDS; i++) {
    t = now();
    touch_pages(p + (long)i * IL_FAULTS * PGSIZE, (long)IL_FAULTS * PGSIZE, 1);
    f[i] = (now() - t) / IL_FAULTS;
    t = now();
    for (j = 0; j < 1000; j++)
      getpid();
    s[i] = (now() - t) / 1000;
    t = now();
    for (j = 0; j < 100; j++)
      memset(page, 0, PGSIZE);
    z[i] = (now() - t) / 100;
  }
  sbrklazy(-(int)(len + PGSIZE));
  if (old >= 0)
    policy_set(VMCTL_FAULTAROUND, old);
  long fm = (long)median(f, IL_ROUNDS), sm = (long)median(s, IL_ROUNDS),
       zm = (long)median(z, IL_ROUNDS);
  record("fault_lazy_il", fm, "ns");
  record("syscall_null_il", sm, "ns");
  record("zero4k_memset_il", zm, "ns");
  record_ratio("ratio_fault_over_syscall_zero_il", fm, sm + zm);
}

static void
bench_lazy_eager(void)
{
  static const long sizes[] = {1 * MIB, 16 * MIB, 64 * MIB};
  static const int iters[] = {30, 9, 3};
  long fault, sys, zero;
  struct vmstat v0, v1;
  uint64 n;
  int old, i;

  old = policy_set(VMCTL_SBRK_EAGER, 0);
  for (i = 0; i < 3; i++)
    bench_sbrk_size(sizes[i], 0, iters[i] * 2);
  bench_sbrk_size(GIB, 0, 20);
  bench_touch16(0, "lazy");
  i = policy_set(VMCTL_FAULTAROUND, 0);
  bench_touch16(0, "lazynofa");
  if (i >= 0)
    policy_set(VMCTL_FAULTAROUND, i);
  bench_sparse1g();

  policy_set(VMCTL_SBRK_EAGER, 1);
  for (i = 0; i < 3; i++)
    bench_sbrk_size(sizes[i], 1, iters[i]);
  record("sbrk_eager_1G", NA, "ns");
  record("frames_sbrk_eager_1G", NA, "frames");
  bench_touch16(1, "eager");
  record_ratio("ratio_touch16_lazy_over_eager", lookup("sbrk_touch_lazy_16M"),
               lookup("sbrk_touch_eager_16M"));
  policy_set(VMCTL_SBRK_EAGER, old);

  vmstat(&v0);
  fault = lazy_fault_ns(4096);
  vmstat(&v1);
  record("fault_lazy", fault, "ns");
  record("fault_lazy_best", best, "ns");
  // The share of zeroed frames the pool served meanwhile (idle harts refill
  // it while this one faults; on a busy host they may get no CPU).
  n = (v1.zeroed_hits - v0.zeroed_hits) + (v1.zeroed_misses - v0.zeroed_misses);
  record("fault_lazy_pool_pct", n ? (long)((v1.zeroed_hits - v0.zeroed_hits) * 100 / n) : NA,
         "pct");
  old = policy_set(VMCTL_PREZERO, 0);  // every fresh frame zeroed in the fault
  record("fault_lazy_noprezero", old < 0 ? NA : lazy_fault_ns(4096), "ns");
  if (old >= 0)
    policy_set(VMCTL_PREZERO, old);
  record("fault_zero_page", zero_page_fault_ns(2048), "ns");
  record("fault_lazy_around", fresh_write_ns(4096, 1), "ns");
  sys = null_syscall_ns(100000);
  record("syscall_null", sys, "ns");
  record("syscall_null_best", best, "ns");
  zero = zero4k_ns(2000);
  record_ratio("ratio_fault_over_syscall_zero", fault, sys == NA || zero == NA ? NA : sys + zero);
  record_ratio(
      "ratio_best_fault_over_syscall_zero", lookup("fault_lazy_best"),
      zero == NA || lookup("syscall_null_best") == NA ? NA : lookup("syscall_null_best") + zero);
  bench_fault_ratio_interleaved();
}

// ---- trap cost with and without a satp switch per trap -----------------

static void
bench_trap_satp(void)
{
  long sys_off, sys_on, fault_off, fault_on;
  int old;

  sys_off = null_syscall_ns(100000);
  fault_off = lazy_fault_ns(2048);
  old = vmctl(VMCTL_TRAP_SATP, 1);
  if (old < 0) {
    sys_on = fault_on = NA;
  } else {
    sys_on = null_syscall_ns(100000);
    fault_on = lazy_fault_ns(2048);
    vmctl(VMCTL_TRAP_SATP, old);
  }
  record("syscall_null_satpoff", sys_off, "ns");
  record("syscall_null_satpon", sys_on, "ns");
  record("fault_lazy_satpoff", fault_off, "ns");
  record("fault_lazy_satpon", fault_on, "ns");
  record_ratio("speedup_syscall_satp", sys_on, sys_off);
  record_ratio("speedup_fault_satp", fault_on, fault_off);
}

// ---- COW vs copying fork ---------------------------------------------

// Frames one fork takes: the child reports the drop in free frames it
// sees right after fork through a pipe. Returns NA if fork fails.
static long
fork_frames(void)
{
  uint64 before, delta;
  int fds[2], pid;

  if (pipe(fds) < 0)
    return NA;
  before = frames_free();
  pid = fork();
  if (pid == 0) {
    delta = before - frames_free();
    write(fds[1], &delta, sizeof(delta));
    exit(0);
  }
  close(fds[1]);
  if (pid < 0 || read(fds[0], &delta, sizeof(delta)) != sizeof(delta))
    delta = (uint64)NA;
  close(fds[0]);
  if (pid > 0)
    wait(0);
  return (long)delta;
}

// Median fork+exit+wait latency over iters rounds; NA if a fork fails.
static long
fork_ns(int iters)
{
  uint64 samples[MAXSAMPLES];
  int i, pid;

  if (iters > MAXSAMPLES)
    iters = MAXSAMPLES;
  for (i = 0; i < iters; i++) {
    samples[i] = now();
    pid = fork();
    if (pid == 0)
      exit(0);
    if (pid < 0)
      return NA;
    wait(0);
    samples[i] = now() - samples[i];
  }
  return (long)median(samples, iters);
}

// Fork, exec echo with output discarded, wait; median latency or NA.
static long
forkexec_ns(int iters)
{
  static char *paths[] = {"/echo", "/bin/echo", "echo"};
  char *argv[] = {"echo", "bench", 0};
  uint64 samples[MAXSAMPLES];
  int i, k, pid, status;

  if (iters > MAXSAMPLES)
    iters = MAXSAMPLES;
  for (i = 0; i < iters; i++) {
    samples[i] = now();
    pid = fork();
    if (pid == 0) {
      close(1);  // echo's writes fail quietly: no console time measured
      for (k = 0; k < 3; k++)
        exec(paths[k], argv);
      exit(127);
    }
    if (pid < 0)
      return NA;
    status = 0;
    wait(&status);
    samples[i] = now() - samples[i];
    if (status == 127)
      return NA;
  }
  return (long)median(samples, iters);
}

// Is there room for a copying fork of a heap of this many bytes?
static int
copy_fits(long heap)
{
  uint64 need = heap / PGSIZE + heap / (512 * PGSIZE) + 256;

  return frames_free() >= need;
}

static void
bench_fork_one(long heap, int copy, int iters)
{
  char key[40], lbl[8];
  const char *mode = copy ? "copy" : "cow";
  long ns = NA, frames = NA;
  int old;

  size_label(lbl, sizeof(lbl), heap);
  old = policy_set(VMCTL_FORK_COPY, copy);
  if (!copy || copy_fits(heap)) {
    ns = fork_ns(iters);
    if (ns != NA)
      frames = fork_frames();
  }
  policy_set(VMCTL_FORK_COPY, old);
  snprintf(key, sizeof(key), "fork_%s_%s", mode, lbl);
  record(key, ns, "ns");
  snprintf(key, sizeof(key), "frames_fork_%s_%s", mode, lbl);
  record(key, frames, "frames");
}

static void
bench_forkexec(int copy)
{
  char key[40];
  long ns = NA;
  int old;

  old = policy_set(VMCTL_FORK_COPY, copy);
  if (!copy || copy_fits(32 * MIB))
    ns = forkexec_ns(5);
  policy_set(VMCTL_FORK_COPY, old);
  snprintf(key, sizeof(key), "forkexec_%s_32M", copy ? "copy" : "cow");
  record(key, ns, "ns");
}

static void
bench_fork(void)
{
  static const long sizes[] = {0, 1 * MIB, 16 * MIB, 32 * MIB, 64 * MIB};
  static const int iters[] = {50, 20, 7, 5, 5};
  long have = 0, grow;
  char *p;
  int i, old;

  // The heap must really be touched, whatever the sbrk policy is.
  old = policy_set(VMCTL_SBRK_EAGER, 0);
  for (i = 0; i < 5; i++) {
    grow = sizes[i] - have;
    if (grow > 0) {
      p = sbrk((int)grow);
      if (p == (char *)-1)
        break;
      touch_pages(p, grow, 1);
      have = sizes[i];
    }
    bench_fork_one(sizes[i], 0, iters[i]);
    bench_fork_one(sizes[i], 1, iters[i]);
    if (sizes[i] == 32 * MIB) {
      bench_forkexec(0);
      bench_forkexec(1);
    }
  }
  if (have > 0)
    sbrk(-(int)have);
  policy_set(VMCTL_SBRK_EAGER, old);

  record_ratio("ratio_fork_cow_64M_over_0M", lookup("fork_cow_64M"), lookup("fork_cow_0M"));
  record_ratio("ratio_fork_copy_over_cow_64M", lookup("fork_copy_64M"), lookup("fork_cow_64M"));
  record_ratio("ratio_fork_copy_over_cow_32M", lookup("fork_copy_32M"), lookup("fork_cow_32M"));
}

// ---- working set vs RAM: the reclaimer's clock and swap (issue 11) ----
//
// A child touches a working set of pct% of RAM (vmstat ram_pages): pass
// "first", a sequential write of one word per page (fresh pages: zero-fill
// faults, and past the free memory, page-outs by the clock); pass "seq", the
// same order again (each word checked and rewritten); pass "rand", a random
// order (a full-period walk of the next power of two, skipping what lies
// past the end). Per pass: ns per page, page-ins and page-outs (vmstat
// swap_ins / swap_outs). The child sends each pass's figures through a pipe
// as soon as it is done, so a run the OOM killer stops keeps what it did.
// swap_off: the same with vmctl swap off, which memory past RAM must refuse.
struct ws_pass {
  long ns, si, so, bad;
};

#define WS_PASSES 3
static const char *ws_pass_names[WS_PASSES] = {"first", "seq", "rand"};

static void
ws_child(int fd, long np)
{
  char *p = sbrklazy((int)((np + 1) * PGSIZE));
  if (p == (char *)-1)
    exit(2);
  uint64 *base = (uint64 *)PGROUNDUP((uint64)p);
  long pow2 = 1;
  while (pow2 < np)
    pow2 <<= 1;
  for (int pass = 0; pass < WS_PASSES; pass++) {
    struct vmstat a, b;
    struct ws_pass r = {0, 0, 0, 0};
    vmstat(&a);
    uint64 t0 = now();
    long x = 0;
    for (long i = 0; i < (pass == 2 ? pow2 : np); i++) {
      long pg = i;
      if (pass == 2) {
        x = (x * 5 + 1) & (pow2 - 1);  // full period modulo a power of two
        if (x >= np)
          continue;
        pg = x;
      }
      uint64 *w = base + pg * (PGSIZE / 8);
      if (pass > 0 && *w != (uint64)pg * 2654435761UL + (uint64)pass)
        r.bad++;
      *w = (uint64)pg * 2654435761UL + (uint64)pass + 1;
    }
    r.ns = (long)((now() - t0) / (uint64)np);
    vmstat(&b);
    r.si = (long)(b.swap_ins - a.swap_ins);
    r.so = (long)(b.swap_outs - a.swap_outs);
    if (write(fd, &r, sizeof(r)) != sizeof(r))
      exit(3);
  }
  exit(0);
}

static void
ws_row(long ram, int pct, int swap_on)
{
  long np = ram * pct / 100;
  int fds[2], status = 0;
  char key[48];
  const char *tag = swap_on ? "" : "_swapoff";
  int old = vmctl(VMCTL_SWAP, -1);
  if (pipe(fds) < 0)
    return;
  if (!swap_on)
    vmctl(VMCTL_SWAP, 0);
  struct vmstat st;
  vmstat(&st);
  long free0 = (long)st.frames_free;
  int pid = fork();
  if (pid == 0) {
    close(fds[0]);
    ws_child(fds[1], np);
  }
  close(fds[1]);
  struct ws_pass r[WS_PASSES];
  int got = 0;
  while (got < WS_PASSES && pid > 0 && read(fds[0], &r[got], sizeof(r[got])) == sizeof(r[got]))
    got++;
  close(fds[0]);
  if (pid > 0)
    wait(&status);
  if (!swap_on && old >= 0)
    vmctl(VMCTL_SWAP, old);
  snprintf(key, sizeof(key), "ws_%d%s_pages", pct, tag);
  record(key, np, "pages");
  snprintf(key, sizeof(key), "ws_%d%s_free", pct, tag);
  record(key, free0, "pages");
  for (int i = 0; i < WS_PASSES; i++) {
    snprintf(key, sizeof(key), "ws_%d%s_%s_ns", pct, tag, ws_pass_names[i]);
    record(key, i < got ? r[i].ns : NA, "ns");
    snprintf(key, sizeof(key), "ws_%d%s_%s_si", pct, tag, ws_pass_names[i]);
    record(key, i < got ? r[i].si : NA, "pages");
    snprintf(key, sizeof(key), "ws_%d%s_%s_so", pct, tag, ws_pass_names[i]);
    record(key, i < got ? r[i].so : NA, "pages");
    snprintf(key, sizeof(key), "ws_%d%s_%s_bad", pct, tag, ws_pass_names[i]);
    record(key, i < got ? r[i].bad : NA, "pages");
  }
  // page-outs of the first sequential pass per page of overflow (RAM)
  long over = np - ram;
  snprintf(key, sizeof(key), "ws_%d%s_so_per_overflow", pct, tag);
  record_ratio(key, got > 0 && over > 0 ? r[0].so : NA, over);
  snprintf(key, sizeof(key), "ws_%d%s_%s", pct, tag,
           status == 0 && got == WS_PASSES ? "completed"
           : status == -1                  ? "killed"
                                           : "failed");
  record(key, got, "passes");
}

static void
bench_ws(void)
{
  struct vmstat st;
  vmstat(&st);
  long ram = (long)st.ram_pages;
  record("ws_ram_pages", ram, "pages");
  record("ws_swap_total", (long)st.swap_total, "pages");
  static const int pcts[] = {50, 100, 150, 200};
  for (int i = 0; i < 4; i++)
    ws_row(ram, pcts[i], 1);
  ws_row(ram, 200, 0);
}

// ---- swap device: one page per request (the VMCTL_SWAPTEST self-test) ----

#define SWAPBENCH_PAGES 256  // pages per self-test run (each written, then read back)

// Time per page written to and read from the swap disk, from the kernel's
// own clock of its swap I/O (vmstat swap_out_ns / swap_in_ns), median of
// three self-test runs; NA without a swap disk. Page-in/out by the fault
// and reclaim paths add their bookkeeping on top of this device time.
// batch: the self-test's batched mode (negative count: swap_write_many /
// swap_read_many, up to 16 pages in flight) instead of one page per call.
static void
swapdev_run(int batch, const char *kw, const char *kr)
{
  uint64 wr[3], rd[3];
  struct vmstat a, b;
  int i, ok = 1;

  for (i = 0; i < 3 && ok; i++) {
    int n = batch ? -SWAPBENCH_PAGES : SWAPBENCH_PAGES;
    ok = vmstat(&a) == 0 && vmctl(VMCTL_SWAPTEST, n) == 0 && vmstat(&b) == 0;
    wr[i] = (b.swap_out_ns - a.swap_out_ns) / SWAPBENCH_PAGES;
    rd[i] = (b.swap_in_ns - a.swap_in_ns) / SWAPBENCH_PAGES;
  }
  record(kw, ok ? (long)median(wr, 3) : NA, "ns");
  record(kr, ok ? (long)median(rd, 3) : NA, "ns");
}

static void
bench_swapdev(void)
{
  swapdev_run(0, "swap_write_page", "swap_read_page");
  swapdev_run(1, "swap_write_page_batch", "swap_read_page_batch");
  record_ratio("ratio_swap_write_single_over_batch", lookup("swap_write_page"),
               lookup("swap_write_page_batch"));
}

// ---- file I/O: read() and write() of a 4 MiB file ---------------------

#define FILEBENCH_PATH "/benchfile"
#define FILEBENCH_LEN (4 * MIB)
#define FILEBENCH_CHUNK (4 * KIB)

// VMCTL_CACHE_DROP (the page cache's "drop clean unused pages"), if the
// kernel has one; -1 means there is nothing to drop.
#ifdef VMCTL_CACHE_DROP
#define cache_drop() vmctl(VMCTL_CACHE_DROP, 1)
#else
#define cache_drop() ((int)-1)
#endif

// write() the whole file in 4 KiB chunks from a freshly created file;
// returns the time, or NA if a write fell short.
static long
file_write_ns(char *buf)
{
  uint64 t;
  long off;
  int fd;

  unlink(FILEBENCH_PATH);
  fd = open(FILEBENCH_PATH, O_CREATE | O_WRONLY);
  if (fd < 0)
    return NA;
  t = now();
  for (off = 0; off < FILEBENCH_LEN; off += FILEBENCH_CHUNK) {
    buf[0] = (char)(off / FILEBENCH_CHUNK);
    if (write(fd, buf, FILEBENCH_CHUNK) != FILEBENCH_CHUNK) {
      close(fd);
      return NA;
    }
  }
  t = now() - t;
  close(fd);
  return (long)t;
}

// read() the whole file in 4 KiB chunks; NA if it is short or wrong.
static long
file_read_ns(char *buf)
{
  uint64 t;
  long off;
  int fd, bad = 0;

  fd = open(FILEBENCH_PATH, O_RDONLY);
  if (fd < 0)
    return NA;
  t = now();
  for (off = 0; off < FILEBENCH_LEN; off += FILEBENCH_CHUNK) {
    if (read(fd, buf, FILEBENCH_CHUNK) != FILEBENCH_CHUNK) {
      bad = 1;
      break;
    }
    bad |= buf[0] != (char)(off / FILEBENCH_CHUNK);
  }
  t = now() - t;
  close(fd);
  return bad ? NA : (long)t;
}

// Map the file MAP_PRIVATE and load one byte of every page (checking it),
// then unmap: the mapped counterpart of file_read_ns. NA if wrong.
static long
file_mmap_ns(void)
{
  uint64 t;
  long off;
  int fd, bad;
  char *p;

  fd = open(FILEBENCH_PATH, O_RDONLY);
  if (fd < 0)
    return NA;
  t = now();
  p = mmap(0, FILEBENCH_LEN, PROT_READ, MAP_PRIVATE, fd, 0);
  bad = p == MAP_FAILED;
  for (off = 0; !bad && off < FILEBENCH_LEN; off += FILEBENCH_CHUNK)
    bad |= p[off] != (char)(off / FILEBENCH_CHUNK);
  if (p != MAP_FAILED)
    munmap(p, FILEBENCH_LEN);
  t = now() - t;
  close(fd);
  return bad ? NA : (long)t;
}

// Stores through a MAP_SHARED mapping of the 4 MiB file, one per page (each
// page then differs from the file), then msync: the writeback path that
// write() is compared with. The cache is warm (the read rounds ran).
static long
file_msync_ns(void)
{
  uint64 t;
  long off;
  int fd;
  char *p;

  fd = open(FILEBENCH_PATH, O_RDWR);
  if (fd < 0)
    return NA;
  t = now();
  p = mmap(0, FILEBENCH_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    close(fd);
    return NA;
  }
  for (off = 0; off < FILEBENCH_LEN; off += FILEBENCH_CHUNK)
    p[off] = (char)(off / FILEBENCH_CHUNK);  // the value read rounds expect
  int r = msync(p, FILEBENCH_LEN, MS_SYNC);
  t = now() - t;
  munmap(p, FILEBENCH_LEN);
  close(fd);
  return r < 0 ? NA : (long)t;
}

// write() 4 MiB once (writes are slow: every call commits log
// transactions), then three rounds of read() cold (cache dropped, if the
// kernel can) and warm (right after); read figures are medians.
static void
bench_file(void)
{
  uint64 cold[3], warm[3], mcold[3], mwarm[3], mwarm1[3];
  char *buf = malloc(FILEBENCH_CHUNK);
  long w = NA;
  int i, ok = buf != 0;

  if (ok) {
    memset(buf, 'x', FILEBENCH_CHUNK);
    w = file_write_ns(buf);
    ok = w != NA;
  }
  for (i = 0; i < 3 && ok; i++) {
    long b, c;
    (void)cache_drop();
    b = file_read_ns(buf);
    c = file_read_ns(buf);
    ok = b != NA && c != NA;
    cold[i] = b;
    warm[i] = c;
    printf("file round %d: cold %ld ns, warm %ld ns\n", i, b, c);
    // The same through a private mapping: cold, warm with file
    // fault-around (default), warm with one fault per page.
    (void)cache_drop();
    mcold[i] = file_mmap_ns();
    mwarm[i] = file_mmap_ns();
    int fa = vmctl(VMCTL_FILE_FAULTAROUND, 0);
    mwarm1[i] = file_mmap_ns();
    vmctl(VMCTL_FILE_FAULTAROUND, fa);
    ok = ok && mcold[i] != (uint64)NA && mwarm[i] != (uint64)NA && mwarm1[i] != (uint64)NA;
    printf("mmap round %d: cold %ld ns, warm %ld ns, warm no fault-around %ld ns\n", i,
           (long)mcold[i], (long)mwarm[i], (long)mwarm1[i]);
  }
  record("file_write_4M", w, "ns");
  record("file_read_cold_4M", ok ? (long)median(cold, 3) : NA, "ns");
  record("file_read_warm_4M", ok ? (long)median(warm, 3) : NA, "ns");
  record("file_mmap_cold_4M", ok ? (long)median(mcold, 3) : NA, "ns");
  record("file_mmap_warm_4M", ok ? (long)median(mwarm, 3) : NA, "ns");
  record("file_mmap_warm_noaround_4M", ok ? (long)median(mwarm1, 3) : NA, "ns");
  record_ratio("ratio_mmap_over_read_warm_4M", ok ? (long)median(mwarm, 3) : NA,
               ok ? (long)median(warm, 3) : NA);
  long ms = ok ? file_msync_ns() : NA;
  record("file_msync_4M", ms, "ns");
  record_ratio("ratio_msync_over_write_4M", ms, w);
  record("file_cache_drop", cache_drop() >= 0, "bool");
  unlink(FILEBENCH_PATH);
  free(buf);
}

// ---- exec of the big program (issue 9) ----------------------------------

// Median fork + exec of argv[0] + exit + wait, over iters rounds; NA on
// error. With cold, the page cache is dropped before each round.
static long
spawn_ns(const char *path, char **argv, int iters, int cold)
{
  uint64 samples[MAXSAMPLES];
  int i, pid, status;

  if (iters > MAXSAMPLES)
    iters = MAXSAMPLES;
  for (i = 0; i < iters; i++) {
    if (cold)
      vmctl(VMCTL_CACHE_DROP, 1);
    samples[i] = now();
    pid = fork();
    if (pid == 0) {
      close(1);  // no console time measured
      exec(path, argv);
      exit(127);
    }
    if (pid < 0)
      return NA;
    status = 0;
    wait(&status);
    samples[i] = now() - samples[i];
    if (status != 0)
      return NA;
  }
  return (long)median(samples, iters);
}

// /bigprog (4.4 MiB file: 2.2 MiB text, 2 MiB data, 1 MiB bss) touching
// one page of its read-only data, then exiting.
static void
bench_exec_big(void)
{
  char *argv[] = {"bigprog", "touch", 0};
  char *echo[] = {"echo", "bench", 0};
  int old = vmctl(VMCTL_EXEC_EAGER, 1);
  int sold = vmctl(VMCTL_SBRK_EAGER, 0);
  char *heap = sbrk(32 * MIB);

  // fork + exec of echo from a 32 MiB parent, under both loaders
  if (heap != (char *)-1) {
    touch_pages(heap, 32 * MIB, 1);
    record("spawnecho_32M_eager", spawn_ns("/echo", echo, 9, 0), "ns");
    vmctl(VMCTL_EXEC_EAGER, 0);
    record("spawnecho_32M_lazy", spawn_ns("/echo", echo, 9, 0), "ns");
    vmctl(VMCTL_EXEC_EAGER, 1);
    sbrk(-32 * MIB);
  }
  vmctl(VMCTL_SBRK_EAGER, sold);
  record("execbig_eager", spawn_ns("/bigprog", argv, 3, 0), "ns");
  vmctl(VMCTL_EXEC_EAGER, 0);
  record("execbig_lazy_cold", spawn_ns("/bigprog", argv, 5, 1), "ns");
  record("execbig_lazy", spawn_ns("/bigprog", argv, 9, 0), "ns");
  vmctl(VMCTL_EXEC_EAGER, old);
  record_ratio("ratio_execbig_eager_over_lazy", lookup("execbig_eager"), lookup("execbig_lazy"));
  record_ratio("ratio_execbig_eager_over_lazy_cold", lookup("execbig_eager"),
               lookup("execbig_lazy_cold"));
}

// ---- human summary -----------------------------------------------------

static void
show(const char *key, const char *what)
{
  char buf[32];
  int i;

  for (i = 0; i < nresults; i++) {
    if (strcmp(results[i].key, key) == 0) {
      format_value(buf, sizeof(buf), results[i].value, is_ratio(results[i].unit));
      printf("  %-44s %12s %s\n", what, buf, results[i].unit);
      return;
    }
  }
  printf("  %-44s %12s\n", what, "missing");
}

// One row of a two-column table: the keys are pre_A_suf and pre_B_suf.
static void
show_pair(const char *label, const char *ka, const char *kb, const char *fa, const char *fb)
{
  char a[32], b[32], c[32], d[32];

  format_value(a, sizeof(a), lookup(ka), 0);
  format_value(b, sizeof(b), lookup(kb), 0);
  format_value(c, sizeof(c), lookup(fa), 0);
  format_value(d, sizeof(d), lookup(fb), 0);
  printf("  %-6s %14s %14s %10s %10s\n", label, a, b, c, d);
}

static void
summary(void)
{
  static const char *sbrk_sizes[] = {"1M", "16M", "64M", "1G"};
  static const char *fork_sizes[] = {"0M", "1M", "16M", "32M", "64M"};
  char k[4][40];
  int i;

  printf("\n== sbrk: time of the call (ns) and frames taken ==\n");
  printf("  %-6s %14s %14s %10s %10s\n", "size", "lazy ns", "eager ns", "lazy fr", "eager fr");
  for (i = 0; i < 4; i++) {
    snprintf(k[0], 40, "sbrk_lazy_%s", sbrk_sizes[i]);
    snprintf(k[1], 40, "sbrk_eager_%s", sbrk_sizes[i]);
    snprintf(k[2], 40, "frames_sbrk_lazy_%s", sbrk_sizes[i]);
    snprintf(k[3], 40, "frames_sbrk_eager_%s", sbrk_sizes[i]);
    show_pair(sbrk_sizes[i], k[0], k[1], k[2], k[3]);
  }
  printf("\n== touching memory ==\n");
  show("touch_lazy_16M", "touch all of 16 MiB, lazy");
  show("touch_eager_16M", "touch all of 16 MiB, eager (mapped)");
  show("sbrk_touch_lazy_16M", "sbrk + touch 16 MiB, lazy");
  show("sbrk_touch_lazynofa_16M", "sbrk + touch 16 MiB, lazy, no fault-around");
  show("sbrk_touch_eager_16M", "sbrk + touch 16 MiB, eager");
  show("ratio_touch16_lazy_over_eager", "sbrk + touch 16 MiB, lazy / eager");
  show("frames_touch_lazy_16M", "frames after touching 16 MiB, lazy");
  show("frames_touch_eager_16M", "frames after touching 16 MiB, eager");
  show("sparse_lazy_1G", "touch 1 page in 64 of 1 GiB, lazy");
  show("frames_sparse_lazy_1G", "frames for that sparse touch");
  show("fault_lazy", "one lazy zero-fill fault");
  show("fault_lazy_best", "  fastest batch");
  show("fault_lazy_around", "per page of a sequential touch, fault-around");
  show("fault_lazy_pool_pct", "  zeroed frames served by the pool");
  show("fault_lazy_noprezero", "the same, no pre-zeroed pool");
  show("fault_zero_page", "one read fault mapping the zero page");
  show("fault_swap_in", "one swap-in fault (4 KiB read from the swap disk)");
  show("fault_swap_in_best", "  fastest batch");
  show("pageout_per_page", "madvise(MADV_PAGEOUT), per page (batched)");
  show("pageout_per_page_single", "  the same, one page at a time");
  show("ratio_pageout_single_over_batch", "  one at a time / batched");
  show("ratio_swapin_over_zerofill", "swap-in fault / zero-fill fault");
  show("syscall_null", "null system call (getpid)");
  show("syscall_null_best", "  fastest batch");
  show("zero4k_memset", "zero 4 KiB in user space (memset)");
  show("zero4k_word", "zero 4 KiB in user space (8-byte stores)");
  show("ratio_fault_over_syscall_zero", "fault / (syscall + zero 4 KiB)");
  show("ratio_best_fault_over_syscall_zero", "  the same, fastest batches");

  printf("\n== trap cost: satp switch per trap (stock xv6) vs none ==\n");
  show("syscall_null_satpoff", "null syscall, no switch");
  show("syscall_null_satpon", "null syscall, switch satp");
  show("speedup_syscall_satp", "speed-up of not switching");
  show("fault_lazy_satpoff", "lazy fault, no switch");
  show("fault_lazy_satpon", "lazy fault, switch satp");
  show("speedup_fault_satp", "speed-up of not switching");

  printf("\n== fork+exit+wait by touched heap size ==\n");
  printf("  %-6s %14s %14s %10s %10s\n", "heap", "cow ns", "copy ns", "cow fr", "copy fr");
  for (i = 0; i < 5; i++) {
    snprintf(k[0], 40, "fork_cow_%s", fork_sizes[i]);
    snprintf(k[1], 40, "fork_copy_%s", fork_sizes[i]);
    snprintf(k[2], 40, "frames_fork_cow_%s", fork_sizes[i]);
    snprintf(k[3], 40, "frames_fork_copy_%s", fork_sizes[i]);
    show_pair(fork_sizes[i], k[0], k[1], k[2], k[3]);
  }
  show("forkexec_cow_32M", "fork+exec echo from 32 MiB, COW");
  show("forkexec_copy_32M", "fork+exec echo from 32 MiB, copy");
  show("ratio_fork_cow_64M_over_0M", "COW fork 64 MiB / 0 MiB");
  show("ratio_fork_copy_over_cow_64M", "copy / COW fork at 64 MiB");
  show("ratio_fork_copy_over_cow_32M", "copy / COW fork at 32 MiB");

  printf("\n== file I/O, 4 MiB in 4 KiB calls ==\n");
  show("file_write_4M", "write() 4 MiB");
  show("file_read_cold_4M", "read() 4 MiB, cold cache");
  show("file_read_warm_4M", "read() 4 MiB, warm cache");
  show("file_mmap_cold_4M", "mmap + touch every page of 4 MiB, cold");
  show("file_mmap_warm_4M", "mmap + touch every page of 4 MiB, warm");
  show("file_mmap_warm_noaround_4M", "  the same, no file fault-around");
  show("ratio_mmap_over_read_warm_4M", "warm mapped read / warm read()");

  printf("\n== swap device, one 4 KiB page per request ==\n");
  show("swap_write_page", "one page written to swap");
  show("swap_read_page", "one page read from swap");
  show("swap_write_page_batch", "per page written, 16 in flight");
  show("swap_read_page_batch", "per page read, 16 in flight");

  printf("\n== exec of the big program (fork+exec+exit+wait) ==\n");
  show("execbig_eager", "bigprog touching one page, eager exec");
  show("execbig_lazy_cold", "the same, demand paging, cache dropped");
  show("execbig_lazy", "the same, demand paging, file cached");
  show("ratio_execbig_eager_over_lazy", "eager / lazy (cached)");
  show("ratio_execbig_eager_over_lazy_cold", "eager / lazy (cold)");
  show("spawnecho_32M_eager", "fork+exec echo from 32 MiB, eager exec");
  show("spawnecho_32M_lazy", "fork+exec echo from 32 MiB, demand paging");
}

int
main(int argc, char *argv[])
{
  uint64 t0, free0, pt0 = 0;
  struct vmstat vs;

  clock_probe();
  // "bench file": only the file I/O section (quick before/after runs).
  if (argc > 1 && strcmp(argv[1], "file") == 0) {
    bench_file();
    return 0;
  }
  // "bench ws": only the working-set rows (bench/run.sh boots a small
  // guest with swap for them).
  if (argc > 1 && strcmp(argv[1], "ws") == 0) {
    bench_ws();
    return 0;
  }
  // "bench swap": only the swap figures: the device's, and the swap-in
  // fault beside the zero-fill fault.
  if (argc > 1 && strcmp(argv[1], "swap") == 0) {
    bench_swapdev();
    record("fault_lazy", lazy_fault_ns(4096), "ns");
    record("fault_lazy_best", best, "ns");
    bench_swapin();
    return 0;
  }
  // "bench fault [n]": only the fault-floor figures (sbrk, touch, faults,
  // null system call, zeroing, their ratios), n rounds in one boot, for
  // quick before/after runs of the trap and fault paths.
  if (argc > 1 && strcmp(argv[1], "trace") == 0) {
    memset(page, 0, sizeof(page));
    prefault_image(3);
    char *q = sbrklazy(64 * PGSIZE * 4 + PGSIZE);
    q = (char *)PGROUNDUP((uint64)q);
    policy_set(VMCTL_FAULTAROUND, 0);
    volatile char *v = q;
    getpid();
    printf("TRACE-READY\n");
    sleep(40);
    uptime();
    for (int i = 0; i < 16; i++)
      getpid();
    uptime();
    for (int i = 0; i < 16; i++)
      v[i * PGSIZE] = 1;
    uptime();
    policy_set(VMCTL_PREZERO, 0);
    uptime();
    for (int i = 16; i < 32; i++)
      v[i * PGSIZE] = 1;
    uptime();
    int sum = 0;
    for (int i = 32; i < 48; i++)
      sum += v[i * PGSIZE];
    uptime();
    sleep(20);
    printf("TRACE-DONE %d\n", sum);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "fault") == 0) {
    int rounds = argc > 2 ? atoi(argv[2]) : 1;
    memset(page, 0, sizeof(page));
    prefault_image(3);
    for (int i = 0; i < rounds; i++) {
      printf("BENCH round %d n\n", i + 1);
      bench_lazy_eager();
    }
    return 0;
  }
  t0 = now();
  record("clock_csr", clock_csr, "bool");
  record("clock_cost", (long)clock_cost, "ns");

  // Fault in our own bss first so the leak check sees only the kernel.
  memset(results, 0, sizeof(results));
  memset(page, 0, sizeof(page));
  prefault_image(3);
  cache_drop();  // as at the end: clean cached pages nobody maps are not counted
  free0 = frames_free();
  if (vmstat(&vs) == 0)
    record("frames_total", (long)vs.frames_total, "frames");
  record("frames_free_at_start", (long)free0, "frames");
  // The benches run in a child: once it has exited, every frame it took
  // must be free again (clean cached file pages dropped first), whatever
  // its own stack, heap and text used on the way.
  int pid = fork();
  if (pid < 0) {
    printf("bench: fork failed\n");
    return 1;
  }
  if (pid == 0) {
    if (vmstat(&vs) == 0)
      pt0 = vs.pt_pages;  // with this process's own tables
    bench_lazy_eager();
    bench_swapin();
    bench_trap_satp();
    bench_fork();
    bench_file();
    bench_swapdev();
    bench_exec_big();
    // page-table pages kept for the address space (not returned when the
    // heap shrinks), freed with it at exit
    if (vmstat(&vs) == 0)
      record("pt_pages_kept", (long)(vs.pt_pages - pt0), "frames");
    record("bench_runtime", (long)((now() - t0) / 1000000), "ms");
    summary();
    exit(0);
  }
  int status;
  if (wait(&status) != pid || status != 0)
    printf("bench: the benches' process ended with status %d\n", status);
  cache_drop();
  record("frames_leaked", (long)(free0 - frames_free()), "frames");
  return 0;
}

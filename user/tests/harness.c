// usertests: runs every registered test (or those named on the command
// line) in its own forked child, checks that no frame leaked across each
// one, prints PASS/FAIL per test and one "N passed, N failed" summary.
// Tests live in the other files of this directory; see harness.h.
#include "harness.h"

extern const struct utest __start_utests[];
extern const struct utest __stop_utests[];

const char *test_name = "?";
static int test_pid;  // pid of the test's own process (the forked child)

void
test_fail(int line, const char *why)
{
  if (getpid() == test_pid)
    printf("FAIL %s: %s (line %d)\n", test_name, why, line);
  else
    printf("  %s: pid %d: %s (line %d)\n", test_name, getpid(), why, line);
  exit(1);
}

int
xfork(void)
{
  int pid = fork();

  CHECK(pid >= 0, "fork failed");
  return pid;
}

int
xwait(int *pidp)
{
  int status = 12345;
  int pid = wait(&status);

  CHECK(pid > 0, "wait: no child");
  if (pidp)
    *pidp = pid;
  return status;
}

int
child_status(void (*fn)(void *), void *arg)
{
  int pid = xfork();
  int got, status;

  if (pid == 0) {
    fn(arg);
    exit(0);
  }
  status = xwait(&got);
  CHECK(got == pid, "wait returned pid %d, expected %d", got, pid);
  return status;
}

uint64
frames_free(void)
{
  struct vmstat vs;

  xvmstat(&vs);
  return vs.frames_free;
}

void
xvmstat(struct vmstat *vs)
{
  CHECK(vmstat(vs) == 0, "vmstat failed");
}

void
xprocstat(struct procstat *ps)
{
  CHECK(procstat(0, ps) == 0, "procstat failed");
}

// The word pages_fill stores at address w: differs per word, page and seed.
static uint64
fill_word(uint64 *w, uint64 seed)
{
  return (uint64)w ^ (seed * 0x9e3779b97f4a7c15UL) ^ ((uint64)w >> 12 << 40);
}

void
pages_fill(char *p, int npages, uint64 seed)
{
  uint64 *w = (uint64 *)p, *end = (uint64 *)(p + (uint64)npages * PGSIZE);

  for (; w < end; w++)
    *w = fill_word(w, seed);
}

int
pages_check(char *p, int npages, uint64 seed)
{
  int bad = 0;

  for (int i = 0; i < npages; i++) {
    uint64 *w = (uint64 *)(p + (uint64)i * PGSIZE), *end = w + PGSIZE / 8;
    for (; w < end; w++)
      if (*w != fill_word(w, seed))
        break;
    bad += w < end;
  }
  return bad;
}

int
pages_nonzero(char *p, int npages)
{
  int bad = 0;

  for (int i = 0; i < npages; i++) {
    uint64 *w = (uint64 *)(p + (uint64)i * PGSIZE), *end = w + PGSIZE / 8;
    for (; w < end && *w == 0; w++)
      ;
    bad += w < end;
  }
  return bad;
}

static char
byte_at(uint64 i, int seed)
{
  return (char)((i * 131 + (i >> 12) * 7 + seed) % 251);
}

int
resident_at(void *va)
{
  static struct regioninfo ri[64];
  int n = procregions(0, ri, 64);
  for (int i = 0; i < n; i++)
    if (ri[i].start <= (uint64)va && (uint64)va < ri[i].end)
      return (int)ri[i].resident;
  return -1;
}

int
wait_hog_small(int hog, int small, int hold_fd, int *shog, int *ssmall)
{
  int first, st = xwait(&first), *other = shog, other_pid = hog;
  if (first == small) {
    *ssmall = st;
    write(hold_fd, "h", 1);
  } else if (first == hog) {
    *shog = st;
    other = ssmall;
    other_pid = small;
  } else {
    return -1;
  }
  int second;
  *other = xwait(&second);
  return second == other_pid ? 0 : -1;
}

int
pattern_file(const char *path, int npages, int seed, char (*pat)(int off, int seed))
{
  static char buf[PGSIZE];
  unlink(path);
  int fd = open(path, O_CREATE | O_RDWR);
  CHECK(fd >= 0, "create %s", path);
  for (int pg = 0; pg < npages; pg++) {
    for (int i = 0; i < PGSIZE; i++)
      buf[i] = pat(pg * PGSIZE + i, seed);
    CHECK(write(fd, buf, PGSIZE) == PGSIZE, "write page %d of %s", pg, path);
  }
  return fd;
}

void
bytes_fill(char *p, uint64 n, int seed)
{
  for (uint64 i = 0; i < n; i++)
    p[i] = byte_at(i, seed);
}

long
bytes_check(const char *p, uint64 n, int seed)
{
  for (uint64 i = 0; i < n; i++)
    if (p[i] != byte_at(i, seed))
      return (long)i;
  return -1;
}

int
run_to_file(const char *path, char **argv, const char *out)
{
  int pid = xfork();
  int got, status;

  if (pid == 0) {
    unlink(out);
    close(1);
    if (open(out, O_CREATE | O_WRONLY) != 1)
      exit(126);
    close(2);
    dup(1);
    exec(path, argv);
    exit(127);
  }
  status = xwait(&got);
  CHECK(got == pid, "wait returned pid %d, expected %d", got, pid);
  return status;
}

int
read_file(const char *path, char *buf, int max)
{
  int fd = open(path, O_RDONLY);
  int n = 0, r;

  if (fd < 0)
    return -1;
  while (n < max - 1 && (r = read(fd, buf + n, max - 1 - n)) > 0)
    n += r;
  buf[n] = 0;
  close(fd);
  return n;
}

void
write_file(const char *path, const char *s)
{
  int fd;

  unlink(path);
  fd = open(path, O_CREATE | O_WRONLY);
  CHECK(fd >= 0, "cannot create %s", path);
  CHECK(write(fd, s, strlen(s)) == (int)strlen(s), "short write to %s", path);
  close(fd);
}

int
contains(const char *hay, const char *needle)
{
  int n = strlen(needle);

  for (; *hay; hay++)
    if (strncmp(hay, needle, n) == 0)
      return 1;
  return n == 0;
}

#define MAXTESTS 256
static const struct utest *order[MAXTESTS];
static int ntests;

// Rank of t's file: the section index of that file's first descriptor.
// (The compiler may emit one file's descriptors in any order; link order
// of files is kept and each file's tests run top to bottom.)
static int
file_rank(const struct utest *t)
{
  for (const struct utest *u = __start_utests; u < t; u++)
    if (strcmp(u->file, t->file) == 0)
      return u - __start_utests;
  return t - __start_utests;
}

static int
runs_before(const struct utest *a, const struct utest *b)
{
  int ra = file_rank(a), rb = file_rank(b);

  return ra != rb ? ra < rb : a->line < b->line;
}

// Fill order[] with every registered test, in run order.
static void
order_tests(void)
{
  for (const struct utest *t = __start_utests; t < __stop_utests; t++) {
    int i = ntests++;
    if (ntests > MAXTESTS) {
      printf("usertests: more than %d tests\n", MAXTESTS);
      exit(1);
    }
    while (i > 0 && runs_before(t, order[i - 1])) {
      order[i] = order[i - 1];
      i--;
    }
    order[i] = t;
  }
}

// Tests named smalldisk_* fill the disk: they run only when named (make
// test boots them on a small disk of their own); so do bigcache_* (a file
// bigger than half of RAM: make test runs them in a small guest) and
// reclaim_swap_* / oom_swap_* (they page twice the machine's memory: make
// test boots them in a small memory with swap) and bigmap_* (a mapped file
// bigger than RAM: make bigmap).
static int
selected(const char *name, int argc, char **argv)
{
  if (argc <= 1)
    return strncmp(name, "smalldisk_", 10) != 0 && strncmp(name, "bigcache_", 9) != 0 &&
           strncmp(name, "reclaim_swap_", 13) != 0 && strncmp(name, "oom_swap_", 9) != 0 &&
           strncmp(name, "bigmap_", 7) != 0;
  for (int i = 1; i < argc; i++) {
    int n = strlen(argv[i]);
    if (strcmp(argv[i], name) == 0)
      return 1;
    // "sbrk_*" selects every test whose name starts with "sbrk_"
    if (n > 0 && argv[i][n - 1] == '*' && strncmp(argv[i], name, n - 1) == 0)
      return 1;
  }
  return 0;
}

// Free frames and page-cache references after dropping every clean,
// unmapped page-cache page: cached pages of closed files are memory the
// kernel may keep, so they are dropped before each count; what is left
// must match exactly (a page still mapped, dirty or leaked shows up).
//
// Tests that page twice the machine's memory also page out and unmap the
// pages of every other process (the reclaimer's clock is global). Around
// them (deep_settle) every page on swap is read back first (VMCTL_SETTLE),
// and cached file pages count as free: which of them the clock unmapped
// (so that the drop could take them) is the clock's business, not a leak.
static int deep_settle;

static void
settled_vmstat(struct vmstat *vs)
{
  if (deep_settle)
    vmctl(VMCTL_SETTLE, 1);
  vmctl(VMCTL_CACHE_DROP, 1);
  vmstat(vs);
  if (deep_settle)
    vs->frames_free += vs->cache_pages + vs->cache_index;
}

// Swap is for the tests of swap and of paging (swap*, reclaim_swap_*,
// oom_swap_*): every other test runs with swap off, so that running out of
// memory means what it always meant there (an OOM kill, not minutes of
// paging) and the reclaimer's global clock never puts the harness's own
// pages on swap behind the frame and slot audits.
static int
uses_swap(const char *name)
{
  return strncmp(name, "swap", 4) == 0 || strncmp(name, "reclaim_swap_", 13) == 0 ||
         strncmp(name, "oom_swap_", 9) == 0;
}

// Run one test in a child. Returns 1 if it passed (and leaked nothing).
static int
run_one(const struct utest *t)
{
  struct vmstat before, after;
  int status = 0, pid, got;
  int swap = vmctl(VMCTL_SWAP, -1);
  if (!uses_swap(t->name))
    vmctl(VMCTL_SWAP, 0);
  int eager = vmctl(VMCTL_SBRK_EAGER, -1);
  int fcopy = vmctl(VMCTL_FORK_COPY, -1);
  int prezero = vmctl(VMCTL_PREZERO, -1);
  int around = vmctl(VMCTL_FAULTAROUND, -1);
  long leaked;

  test_name = t->name;
  settled_vmstat(&before);
  pid = fork();
  if (pid < 0) {
    printf("FAIL %s: fork failed\n", t->name);
    return 0;
  }
  if (pid == 0) {
    test_pid = getpid();
    t->fn();
    exit(0);
  }
  got = wait(&status);
  settled_vmstat(&after);
  // a test must restore policies it changes; undo it if it died first
  if (vmctl(VMCTL_SBRK_EAGER, -1) != eager)
    vmctl(VMCTL_SBRK_EAGER, eager);
  if (vmctl(VMCTL_FORK_COPY, -1) != fcopy)
    vmctl(VMCTL_FORK_COPY, fcopy);
  if (vmctl(VMCTL_PREZERO, -1) != prezero)
    vmctl(VMCTL_PREZERO, prezero);
  if (vmctl(VMCTL_FAULTAROUND, -1) != around)
    vmctl(VMCTL_FAULTAROUND, around);
  if (vmctl(VMCTL_SWAP, -1) != swap)
    vmctl(VMCTL_SWAP, swap);

  leaked = (long)before.frames_free - (long)after.frames_free;
  // The reclaimer's clock unmapped file pages (of any process, the harness
  // too) during the test, and the drop then freed them: cached pages count
  // as free on both sides then, the clock's choice is not a leak.
  if (!deep_settle && after.reclaim_file != before.reclaim_file)
    leaked += (long)(before.cache_pages + before.cache_index) -
              (long)(after.cache_pages + after.cache_index);
  long slots = (long)after.swap_used - (long)before.swap_used;  // swap slots, audited like frames
  if (got != pid) {
    printf("FAIL %s: wait returned %d, expected %d\n", t->name, got, pid);
    return 0;
  }
  if (status == 1) {
    if (leaked != 0)
      printf("  %s: also leaked %d frames\n", t->name, (int)leaked);
    if (slots != 0)
      printf("  %s: also leaked %d swap slots\n", t->name, (int)slots);
    return 0;  // the child printed its FAIL line
  }
  if (status != 0) {
    printf("FAIL %s: exit status %d\n", t->name, status);
    return 0;
  }
  if (leaked != 0) {
    printf("FAIL %s: leaked %d frames\n", t->name, (int)leaked);
    return 0;
  }
  if (slots != 0) {
    printf("FAIL %s: leaked %d swap slots\n", t->name, (int)slots);
    return 0;
  }
  if (after.cache_refs != before.cache_refs) {
    printf("FAIL %s: page-cache references %d before, %d after\n", t->name, (int)before.cache_refs,
           (int)after.cache_refs);
    return 0;
  }
  printf("PASS %s\n", t->name);
  return 1;
}

int
main(int argc, char **argv)
{
  struct vmstat start, end;
  int passed = 0, failed = 0, n = 0;
  long lost;

  prefault_image(6);
  order_tests();
  for (int i = 0; i < ntests; i++) {
    if (selected(order[i]->name, argc, argv)) {
      n++;
      if (strncmp(order[i]->name, "reclaim_swap_", 13) == 0 ||
          strncmp(order[i]->name, "oom_swap_", 9) == 0)
        deep_settle = 1;
    }
  }
  printf("usertests: running %d tests\n", n);
  // a no-op fork/wait round so the parent's own pages are all in place
  // before the first count
  if (fork() == 0)
    exit(0);
  wait(0);

  settled_vmstat(&start);
  for (int i = 0; i < ntests; i++) {
    if (!selected(order[i]->name, argc, argv))
      continue;
    if (run_one(order[i]))
      passed++;
    else
      failed++;
  }

  // the whole suite must give back every frame it used
  settled_vmstat(&end);
  lost = (long)start.frames_free - (long)end.frames_free;
  if (!deep_settle && end.reclaim_file != start.reclaim_file)
    lost +=
        (long)(start.cache_pages + start.cache_index) - (long)(end.cache_pages + end.cache_index);
  if (lost == 0) {
    printf("PASS suite_frames_restored\n");
    passed++;
  } else {
    printf("FAIL suite_frames_restored: %d frames lost over the suite\n", (int)lost);
    failed++;
  }
  if (end.swap_used == start.swap_used) {
    printf("PASS suite_swap_restored\n");
    passed++;
  } else {
    printf("FAIL suite_swap_restored: swap_used %d before the suite, %d after\n",
           (int)start.swap_used, (int)end.swap_used);
    failed++;
  }

  printf("%d passed, %d failed\n", passed, failed);
  exit(failed ? 1 : 0);
}

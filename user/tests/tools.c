// Tests of the memory tools /pmap, /ps, /free and /vmstat: run each with
// output in a file and check its numbers against what the kernel reports
// to this process directly.
#include "harness.h"

static char out[4096];

// Split the line starting at s (ending at '\n' or NUL) into at most max
// whitespace-separated fields, NUL-terminating them in place. Returns the
// field count; *next receives the start of the following line.
static int
split_line(char *s, char **f, int max, char **next)
{
  int n = 0;

  for (;;) {
    while (*s == ' ')
      s++;
    if (*s == 0 || *s == '\n')
      break;
    if (n < max)
      f[n++] = s;
    while (*s && *s != ' ' && *s != '\n')
      s++;
    if (*s == ' ')
      *s++ = 0;
  }
  if (*s == '\n')
    *s++ = 0;
  *next = s;
  return n;
}

static uint64
hex(const char *s)
{
  uint64 v = 0;

  for (; *s; s++) {
    int d = *s >= 'a' ? *s - 'a' + 10 : *s - '0';
    v = v * 16 + d;
  }
  return v;
}

static int
run_tool(char **argv)
{
  char path[32];

  snprintf(path, sizeof(path), "/%s", argv[0]);
  int st = run_to_file(path, argv, "t_toolout");
  CHECK(read_file("t_toolout", out, sizeof(out)) >= 0, "no output file");
  unlink("t_toolout");
  return st;
}

// The heap line of pmap for pid: returns its resident count, -1 if none;
// *swapped (if not 0) gets its swapped count.
static long
pmap_heap_swapped(int pid, uint64 *start, uint64 *end, long *swapped)
{
  char pidstr[16], *argv[] = {"pmap", pidstr, 0};
  char *s, *f[8];
  int n, st;

  snprintf(pidstr, sizeof(pidstr), "%d", pid);
  st = run_tool(argv);
  CHECK(st == 0, "pmap status %d", st);
  CHECK(contains(out, "\ntotal "), "no total line: %s", out);
  for (s = out; *s;) {
    n = split_line(s, f, 8, &s);
    if (n == 5 && strcmp(f[2], "heap") == 0) {
      char *dash = strchr(f[0], '-');
      CHECK(dash, "bad range '%s'", f[0]);
      *dash = 0;
      *start = hex(f[0]);
      *end = hex(dash + 1);
      CHECK(strcmp(f[1], "rw-") == 0, "heap perms %s", f[1]);
      if (swapped)
        *swapped = atoi(f[4]);
      return atoi(f[3]);
    }
  }
  return -1;
}

static long
pmap_heap(int pid, uint64 *start, uint64 *end)
{
  return pmap_heap_swapped(pid, start, end, 0);
}

TEST(tools_pmap_heap_resident)
{
  uint64 start, end;
  long r0, r1;
  char *p = sbrk(64 * PGSIZE);

  CHECK(p != (char *)-1, "sbrk");
  r0 = pmap_heap(getpid(), &start, &end);
  CHECK(r0 >= 0, "pmap shows no heap: %s", out);
  CHECK(end >= (uint64)sbrk(0) && start <= (uint64)p, "heap %p-%p, brk %p", (void *)start,
        (void *)end, sbrk(0));
  p = (char *)PGROUNDUP((uint64)p);
  for (int i = 0; i < 10; i++)
    p[(2 * i + 1) * PGSIZE] =
        1;  // every other page, not p[0] (next to a previous fault): no fault-around
  r1 = pmap_heap(getpid(), &start, &end);
  CHECK(r1 - r0 == 10, "touching 10 pages: heap resident %d -> %d", (int)r0, (int)r1);
}

// pmap and ps show pages on swap (madvise puts them there).
TEST(tools_pmap_ps_show_swapped)
{
  struct vmstat vs;
  uint64 start, end;
  long sw0, sw1;
  char *s, *f[8], *argv[] = {"ps", 0};
  int n, found = 0;

  xvmstat(&vs);
  if (vs.swap_total == 0 || !vs.swap_on) {
    printf("  (no swap: skipped)\n");
    return;
  }
  char *p = sbrk(33 * PGSIZE);
  CHECK(p != (char *)-1, "sbrk");
  p = (char *)PGROUNDUP((uint64)p);
  pages_fill(p, 32, 5);
  CHECK(pmap_heap_swapped(getpid(), &start, &end, &sw0) >= 0, "no heap line: %s", out);
  CHECK(madvise(p, 32 * PGSIZE, MADV_PAGEOUT) == 32, "madvise");
  CHECK(pmap_heap_swapped(getpid(), &start, &end, &sw1) >= 0, "no heap line: %s", out);
  CHECK(sw1 - sw0 == 32, "heap swapped %d -> %d", (int)sw0, (int)sw1);
  CHECK(run_tool(argv) == 0, "ps status");
  for (s = out; *s;) {
    n = split_line(s, f, 8, &s);
    if (n == 7 && atoi(f[0]) == getpid()) {
      found++;
      CHECK(atoi(f[6]) >= 32, "ps SWAP %s", f[6]);
    }
  }
  CHECK(found == 1, "my pid listed %d times", found);
  CHECK(pages_check(p, 32, 5) == 0, "pages after the tools ran");
}

TEST(tools_pmap_bad_pid)
{
  char *argv[] = {"pmap", "99999", 0};

  CHECK(run_tool(argv) != 0, "pmap of a missing pid succeeded");
}

TEST(tools_ps_lists_self)
{
  char *argv[] = {"ps", 0};
  char *s, *f[8];
  int found = 0, n;

  CHECK(run_tool(argv) == 0, "ps status");
  CHECK(strncmp(out, "  PID", 5) == 0, "ps header: %s", out);
  for (s = out; *s;) {
    n = split_line(s, f, 8, &s);
    if (n == 7 && atoi(f[0]) == getpid()) {
      found++;
      CHECK(strcmp(f[3], "usertests") == 0, "my name shown as %s", f[3]);
      CHECK(strcmp(f[2], "sleep") == 0, "my state shown as %s", f[2]);
    }
  }
  CHECK(found == 1, "my pid listed %d times", found);
}

TEST(tools_free_totals)
{
  char *argv[] = {"free", 0};
  struct vmstat vs;
  char *s, *f[8];
  int n, rows = 0;

  write_file("t_freecached", "cached bytes");  // at least one page in the cache
  xvmstat(&vs);
  CHECK(run_tool(argv) == 0, "free status");
  for (s = out; *s;) {
    n = split_line(s, f, 8, &s);
    if (n == 6 && strcmp(f[0], "frames:") == 0) {
      rows++;
      CHECK(atoi(f[1]) == (int)vs.frames_total, "total %s, vmstat %d", f[1], (int)vs.frames_total);
      CHECK(atoi(f[2]) + atoi(f[3]) == (int)vs.frames_total, "used+free != total");
      CHECK(atoi(f[3]) <= (int)vs.frames_free, "free %s, more than %d", f[3], (int)vs.frames_free);
      CHECK(atoi(f[3]) > (int)vs.frames_free - 200, "free %s, far below %d", f[3],
            (int)vs.frames_free);
      CHECK(atoi(f[5]) >= 1 && atoi(f[5]) <= atoi(f[2]), "cached %s, used %s", f[5], f[2]);
    }
  }
  CHECK(rows == 1, "no frames: row in '%s'", out);
  unlink("t_freecached");
}

TEST(tools_vmstat_counts)
{
  char *argv[] = {"vmstat", 0};
  char *bad[] = {"vmstat", "0", 0};
  struct vmstat vs;
  char *s, *f[16];
  int n;

  xvmstat(&vs);
  CHECK(run_tool(argv) == 0, "vmstat status");
  s = out;
  n = split_line(s, f, 16, &s);
  CHECK(n == 16 && strcmp(f[0], "free") == 0 && strcmp(f[10], "zeroed") == 0 &&
            strcmp(f[12], "used") == 0 && strcmp(f[13], "swpd") == 0 && strcmp(f[14], "si") == 0 &&
            strcmp(f[15], "so") == 0,
        "vmstat header");
  n = split_line(s, f, 16, &s);
  CHECK(n == 16, "vmstat line has %d fields", n);
  // nothing in this test moves pages to or from swap (the since-boot line)
  CHECK(atoi(f[13]) == (int)vs.swap_used, "swpd %s, kernel says %d", f[13], (int)vs.swap_used);
  CHECK(atoi(f[14]) == (int)vs.swap_ins && atoi(f[15]) == (int)vs.swap_outs,
        "si %s so %s, kernel says %d %d", f[14], f[15], (int)vs.swap_ins, (int)vs.swap_outs);
  CHECK(atoi(f[11]) >= (int)vs.fa_mapped && atoi(f[12]) >= (int)vs.fa_touched &&
            atoi(f[12]) <= atoi(f[11]),
        "ahead %s used %s, kernel said %d %d before", f[11], f[12], (int)vs.fa_mapped,
        (int)vs.fa_touched);
  CHECK(atoi(f[10]) <= (int)vs.zeroed_max && atoi(f[10]) <= atoi(f[0]), "zeroed %s of free %s",
        f[10], f[0]);
  CHECK(atoi(f[1]) >= 3, "nproc %s", f[1]);
  CHECK(atoi(f[8]) == (int)vs.kills[KR_SEGV], "segv %s, kernel says %d", f[8],
        (int)vs.kills[KR_SEGV]);
  CHECK(atoi(f[9]) == (int)vs.kills[KR_OOM], "oom %s, kernel says %d", f[9], (int)vs.kills[KR_OOM]);
  CHECK(atoi(f[2]) >= (int)vs.faults[FK_ZERO_FILL], "zfill went backwards");
  CHECK(run_tool(bad) != 0, "vmstat 0 accepted");
}

// vmctl flips the policy switches and reports them; bad words are refused.
TEST(tools_vmctl_switches)
{
  char *eager[] = {"vmctl", "sbrk", "eager", 0};
  char *lazy[] = {"vmctl", "sbrk", "lazy", 0};
  char *bad[] = {"vmctl", "sbrk", "sometimes", 0};
  int old = vmctl(VMCTL_SBRK_EAGER, -1);

  CHECK(run_tool(eager) == 0, "vmctl sbrk eager failed");
  CHECK(contains(out, "sbrk eager"), "output: %s", out);
  CHECK(vmctl(VMCTL_SBRK_EAGER, -1) == 1, "switch not set");
  char *p = sbrk(4 * PGSIZE);
  struct procstat ps;
  CHECK(procstat(0, &ps) == 0 && ps.resident > 0, "procstat");
  uint64 before = ps.resident;
  sbrk(-4 * PGSIZE);
  CHECK(procstat(0, &ps) == 0 && before - ps.resident >= 4, "eager sbrk mapped %d pages",
        (int)(before - ps.resident));
  CHECK(p != (char *)-1, "sbrk");
  CHECK(run_tool(lazy) == 0 && vmctl(VMCTL_SBRK_EAGER, -1) == 0, "vmctl sbrk lazy");
  CHECK(run_tool(bad) != 0, "vmctl accepted a bad value");
  vmctl(VMCTL_SBRK_EAGER, old);
}

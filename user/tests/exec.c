// exec: validation of ELF files (broken files crafted by tools/mkbadelf are
// refused with the caller intact), argument limits, out of memory, a page
// shared by two segments, the big generated program (every byte checked,
// private data), and program files that are running (no writers, unlink).
#include "harness.h"

// Every /eb_* case made by tools/mkbadelf except eb_good.
static const char *bad_elfs[] = {
    "eb_short",  "eb_phtrunc", "eb_segtrunc", "eb_magic",  "eb_class",   "eb_endian",  "eb_machine",
    "eb_type",   "eb_phoff",   "eb_phoffovf", "eb_phnum",  "eb_phnum0",  "eb_phentsz", "eb_entry",
    "eb_fszmsz", "eb_incongr", "eb_segoff",   "eb_offovf", "eb_overlap", "eb_order",   "eb_kernel",
    "eb_maxva",  "eb_vaovf",   "eb_stack",    "eb_page0",  "eb_interp",  "eb_toomany",
};
#define NBAD (sizeof(bad_elfs) / sizeof(bad_elfs[0]))
#define SEED 0xe1ec

// Exit 42 if every broken file is refused with the image intact; a file
// wrongly accepted runs (as echo) and exits 0 instead.
static void
try_bad_elfs(void *arg)
{
  char *heap = sbrk(4 * PGSIZE);
  pages_fill(heap, 4, SEED);
  char *argv[] = {"EXEC-OF-A-BROKEN-FILE-SUCCEEDED", 0, 0};
  exec("/eb_short", argv);  // warm up: the first failure may grow our stack
  uint64 f0 = frames_free();
  for (int i = 0; i < (int)NBAD; i++) {
    char path[32];
    snprintf(path, sizeof(path), "/%s", bad_elfs[i]);
    argv[1] = path;
    if (exec(path, argv) != -1)
      FAILF("exec of %s did not return -1", path);
    if (pages_check(heap, 4, SEED) != 0)
      FAILF("heap changed by the failed exec of %s", path);
    if (frames_free() != f0)
      FAILF("exec of %s leaked %d frames", path, (int)(f0 - frames_free()));
  }
  exit(42);
}

TEST(exec_bad_elf_refused)
{
  int st = child_status(try_bad_elfs, 0);
  CHECK(st == 42, "child status %d (0: a broken file ran)", st);
}

// The unchanged copy mkbadelf writes runs: the broken ones differ only in
// what each breaks.
TEST(exec_bad_elf_control_runs)
{
  char buf[64];
  char *argv[] = {"eb_good", "still", "echo", 0};
  CHECK(run_to_file("/eb_good", argv, "t_ebgood") == 0, "eb_good failed");
  CHECK(read_file("t_ebgood", buf, sizeof(buf)) > 0, "no output");
  CHECK(strcmp(buf, "still echo\n") == 0, "eb_good wrote '%s'", buf);
  unlink("t_ebgood");
}

// MAXARG arguments work; one more is refused with -1.
TEST(exec_arg_limit)
{
  static char *argv[MAXARG + 2];
  char buf[256];
  argv[0] = "echo";
  for (int i = 1; i < MAXARG; i++)
    argv[i] = "a";
  argv[MAXARG] = 0;
  CHECK(run_to_file("/echo", argv, "t_args") == 0, "echo with %d arguments failed", MAXARG);
  CHECK(read_file("t_args", buf, sizeof(buf)) == 2 * (MAXARG - 1), "output '%s'", buf);
  unlink("t_args");
  argv[MAXARG] = "a";
  argv[MAXARG + 1] = 0;
  CHECK(exec("/echo", argv) == -1, "exec with %d arguments did not fail", MAXARG + 1);
}

// Take every free frame with eager sbrk; returns the pages taken.
static int
take_all_frames(void)
{
  int n = 0;
  while (sbrkeager(64 * PGSIZE) != (char *)-1)
    n += 64;
  while (sbrkeager(PGSIZE) != (char *)-1)
    n++;
  return n;
}

static void
exec_without_memory(void *arg)
{
  char *heap = sbrk(4 * PGSIZE);
  pages_fill(heap, 4, SEED);
  char *argv[] = {"bigprog", "touch", 0};
  int old = vmctl(VMCTL_EXEC_EAGER, 1);
  int n = take_all_frames();
  sbrk(-64 * PGSIZE);  // enough to start an exec, far too little to load bigprog
  n -= 64;
  int r = exec("/bigprog", argv);
  vmctl(VMCTL_EXEC_EAGER, old);
  if (r != -1)
    FAILF("eager exec of bigprog with 64 free frames returned %d", r);
  CHECK(pages_check(heap, 4, SEED) == 0, "heap changed by the failed exec");
  sbrk(64 * PGSIZE);
  n += 64 + take_all_frames();
  CHECK(exec("/true", argv) == -1, "exec with no free frame did not fail");
  CHECK(pages_check(heap, 4, SEED) == 0, "heap changed by the failed exec");
  sbrk(-n * PGSIZE);
  exit(42);
}

TEST(exec_oom_keeps_image)
{
  int st = child_status(exec_without_memory, 0);
  CHECK(st == 42, "child status %d", st);
}

// seamprog's text ends in the page where its data starts: the code and the
// data there both work, and its store stays private (the second run checks
// the file's value again).
TEST(exec_shared_page_segments)
{
  char buf[64];
  char *argv[] = {"seamprog", 0};
  for (int run = 0; run < 2; run++) {
    CHECK(run_to_file("/seamprog", argv, "t_seam") == 0, "run %d failed", run);
    CHECK(read_file("t_seam", buf, sizeof(buf)) > 0, "no output");
    CHECK(strcmp(buf, "seamprog: ok\n") == 0, "run %d: %s", run, buf);
  }
  unlink("t_seam");
}

static int
run_big(const char *mode)
{
  char *argv[] = {"bigprog", (char *)mode, 0};
  return run_to_file("/bigprog", argv, "t_big");
}

static void
show_big_output(void)
{
  char buf[128];
  if (read_file("t_big", buf, sizeof(buf)) > 0)
    printf("  %s: bigprog said: %s", test_name, buf);
}

// Every byte bigprog's file puts in memory is right (text pages against
// build-time checksums, both arrays byte by byte, bss zero), and a run that
// reads then overwrites all its data and bss leaves the next run the file's
// bytes (one test: the second and third runs find the file in the cache).
TEST(exec_big_every_byte_private)
{
  int st = run_big("check");
  if (st != 0)
    show_big_output();
  CHECK(st == 0, "bigprog check: status %d", st);
  st = run_big("write");
  CHECK(st == 0, "bigprog write: status %d", st);
  st = run_big("check");
  if (st != 0)
    show_big_output();
  CHECK(st == 0, "bigprog check after a writing run: status %d", st);
  unlink("t_big");
}

// Start path with a pipe as stdin and another as stdout; *in and *out get
// our ends. Returns the pid.
static int
start_piped(const char *path, char **argv, int *in, int *out)
{
  int p0[2], p1[2];
  CHECK(pipe(p0) == 0 && pipe(p1) == 0, "pipe");
  int pid = xfork();
  if (pid == 0) {
    close(0);
    dup(p0[0]);
    close(1);
    dup(p1[1]);
    close(p0[0]);
    close(p0[1]);
    close(p1[0]);
    close(p1[1]);
    exec(path, argv);
    exit(127);
  }
  close(p0[0]);
  close(p1[1]);
  *in = p0[1];
  *out = p1[0];
  return pid;
}

// Read a line (up to max-1 bytes) from fd.
static int
read_line(int fd, char *buf, int max)
{
  int n = 0;
  while (n < max - 1 && read(fd, buf + n, 1) == 1 && buf[n] != '\n')
    n++;
  buf[n] = 0;
  return n;
}

// ---- demand paging ---------------------------------------------------------

struct bigstat {
  int resident, file, cached;
};

// Parse bigprog's "resident R file F cached C" line.
static void
parse_stat(const char *line, struct bigstat *bs)
{
  const char *p = line;
  int *field[] = {&bs->resident, &bs->file, &bs->cached};
  for (int i = 0; i < 3; i++) {
    while (*p && (*p < '0' || *p > '9'))
      p++;
    CHECK(*p, "bad bigprog line '%s'", line);
    *field[i] = atoi(p);
    while (*p >= '0' && *p <= '9')
      p++;
  }
}

// Run "bigprog stat npages" (cache dropped first, output through a pipe);
// its line in *bs. Returns the page-cache fills the run caused (ours excluded).
static int
big_stat(int npages, struct bigstat *bs)
{
  char line[128], n[8];
  struct vmstat v0, v1;
  char *argv[] = {"bigprog", "stat", n, 0};
  int in, out, got;
  snprintf(n, sizeof(n), "%d", npages);
  struct procstat p0, p1;  // our own faults may fill cache pages too (our text)
  vmctl(VMCTL_CACHE_DROP, 1);
  xvmstat(&v0);
  xprocstat(&p0);
  int pid = start_piped("/bigprog", argv, &in, &out);
  close(in);
  CHECK(read_line(out, line, sizeof(line)) > 0, "bigprog said nothing");
  close(out);
  CHECK(xwait(&got) == 0 && got == pid, "bigprog stat failed");
  xprocstat(&p1);
  xvmstat(&v1);
  parse_stat(line, bs);
  return (v1.cache_fills - v0.cache_fills) - (p1.faults[FK_FILE] - p0.faults[FK_FILE]);
}

// A 4.4 MiB program that touches 3 pages of data starts with a few
// frames and file faults; every page the cache filled was one it touched
// (exec itself read nothing into the cache).
TEST(exec_lazy_few_frames)
{
  struct bigstat bs;
  int old = vmctl(VMCTL_EXEC_EAGER, 0);
  int fills = big_stat(3, &bs);
  vmctl(VMCTL_EXEC_EAGER, old);
  CHECK(bs.resident < 40, "bigprog resident %d pages after touching 3", bs.resident);
  CHECK(bs.file + bs.cached < 30, "%d file faults", bs.file + bs.cached);
  CHECK(bs.file >= 3, "only %d pages read from the file", bs.file);
  CHECK(fills == bs.file, "%d cache pages filled, %d by the program's faults", fills, bs.file);
}

// vmctl exec eager still loads the whole file at exec: no file faults.
TEST(exec_eager_switch)
{
  struct bigstat bs;
  int old = vmctl(VMCTL_EXEC_EAGER, 1);
  CHECK(vmctl(VMCTL_EXEC_EAGER, -1) == 1, "switch did not stick");
  big_stat(3, &bs);
  vmctl(VMCTL_EXEC_EAGER, old);
  CHECK(bs.resident > 1000, "eager bigprog resident only %d pages", bs.resident);
  CHECK(bs.file + bs.cached == 0, "%d file faults in eager mode", bs.file + bs.cached);
}

// Copy file from to a new file to.
static void
copy_file(const char *from, const char *to)
{
  char buf[512];
  int n, in = open(from, O_RDONLY), out;
  unlink(to);
  out = open(to, O_CREATE | O_WRONLY);
  CHECK(in >= 0 && out >= 0, "cannot copy %s to %s", from, to);
  while ((n = read(in, buf, sizeof(buf))) > 0)
    CHECK(write(out, buf, n) == n, "short write to %s", to);
  close(in);
  close(out);
}

// exec path (cat, stdin closed: it stops at once); exit 42 if exec fails.
static void
exec_fails(void *path)
{
  char *argv[] = {path, 0};
  close(0);
  exec(path, argv);
  exit(42);
}

// While a process runs a file, the file cannot be opened for writing or
// truncated (-1, like Linux's ETXTBSY); reading works; after it exits,
// writing works again. And a file open for writing cannot be run.
TEST(exec_running_file_not_writable)
{
  char line[64];
  char *argv[] = {"t_txt", 0};
  int in, out, fd;
  copy_file("/cat", "t_txt");
  int pid = start_piped("t_txt", argv, &in, &out);
  CHECK(write(in, "x\n", 2) == 2 && read_line(out, line, sizeof(line)) == 1, "cat not running");
  CHECK(open("t_txt", O_WRONLY) == -1, "open for writing of a running program");
  CHECK(open("t_txt", O_RDWR) == -1, "open read-write of a running program");
  CHECK(open("t_txt", O_WRONLY | O_TRUNC) == -1, "truncation of a running program");
  CHECK(open("t_txt", O_CREATE | O_RDWR) == -1, "O_CREATE open of a running program");
  fd = open("t_txt", O_RDONLY);
  CHECK(fd >= 0, "read-only open of a running program failed");
  close(fd);
  close(in);
  CHECK(read(out, line, 1) == 0, "cat did not stop");
  close(out);
  int got, st = xwait(&got);
  CHECK(got == pid && st == 0, "cat status %d", st);
  fd = open("t_txt", O_RDWR);
  CHECK(fd >= 0, "open for writing after the program exited failed");
  // and the other way round: open for writing, so it cannot run
  CHECK(child_status(exec_fails, "t_txt") == 42, "exec of a file open for writing");
  close(fd);
  CHECK(child_status(exec_fails, "t_txt") != 42, "exec after the writer closed failed");
  unlink("t_txt");
}

// Is inode number inum in use? Creates files until the kernel hands out a
// number above inum (it hands out the lowest free one), then removes them.
static int
inum_in_use(uint inum)
{
  char name[16];
  int n, found = 0;
  struct stat st;
  for (n = 0; n < 300; n++) {
    snprintf(name, sizeof(name), "t_in%d", n);
    int fd = open(name, O_CREATE | O_RDWR);
    CHECK(fd >= 0 && fstat(fd, &st) == 0, "cannot create %s", name);
    close(fd);
    if (st.ino == inum)
      found = 1;
    if (st.ino >= inum)
      break;
  }
  for (int i = 0; i <= n && i < 300; i++) {
    snprintf(name, sizeof(name), "t_in%d", i);
    unlink(name);
  }
  return !found;
}

// Two instances of bigprog that read all their text share its frames: the
// second takes few new frames and reads nothing from the disk.
TEST(exec_lazy_text_shared)
{
  char line[80];
  char *argv[] = {"bigprog", "hold", 0};
  struct bigstat a, b;
  int ina, outa, inb, outb;
  int old = vmctl(VMCTL_EXEC_EAGER, 0);
  int around = vmctl(VMCTL_FILE_FAULTAROUND, 0);  // count every page's own fault
  vmctl(VMCTL_CACHE_DROP, 1);
  uint64 f0 = frames_free();
  int pa = start_piped("/bigprog", argv, &ina, &outa);
  CHECK(read_line(outa, line, sizeof(line)) > 0, "first bigprog said nothing");
  parse_stat(line, &a);
  uint64 f1 = frames_free();
  int pb = start_piped("/bigprog", argv, &inb, &outb);
  CHECK(read_line(outb, line, sizeof(line)) > 0, "second bigprog said nothing");
  parse_stat(line, &b);
  uint64 f2 = frames_free();
  vmctl(VMCTL_EXEC_EAGER, old);
  vmctl(VMCTL_FILE_FAULTAROUND, around);
  close(ina);
  close(inb);
  close(outa);
  close(outb);
  int got, st;
  for (int i = 0; i < 2; i++) {
    st = xwait(&got);
    CHECK(st == 0 && (got == pa || got == pb), "bigprog %d status %d", got, st);
  }
  long used_a = f0 - f1, used_b = f1 - f2;
  CHECK(a.file > 500, "first instance read only %d text pages from the file", a.file);
  CHECK(b.file == 0, "second instance read %d pages from the disk", b.file);
  CHECK(b.cached >= a.file, "second instance found %d pages cached", b.cached);
  CHECK(used_b * 8 < used_a, "first took %d frames, second %d", (int)used_a, (int)used_b);
}

// unlink of a running program works; the program keeps running from its
// inode, which is freed when the process exits.
TEST(exec_unlink_running)
{
  char line[64];
  char *argv[] = {"t_unl", 0};
  struct stat st;
  int in, out;
  copy_file("/cat", "t_unl");
  CHECK(stat("t_unl", &st) == 0, "stat");
  int pid = start_piped("t_unl", argv, &in, &out);
  CHECK(write(in, "a\n", 2) == 2 && read_line(out, line, sizeof(line)) == 1, "cat not running");
  CHECK(unlink("t_unl") == 0, "unlink of a running program failed");
  CHECK(open("t_unl", O_RDONLY) == -1, "name still there");
  CHECK(inum_in_use(st.ino), "inode %d freed while its program runs", st.ino);
  CHECK(write(in, "hello\n", 6) == 6 && read_line(out, line, sizeof(line)) == 5, "cat stopped");
  CHECK(strcmp(line, "hello") == 0, "cat echoed '%s'", line);
  close(in);
  close(out);
  int got, status = xwait(&got);
  CHECK(got == pid && status == 0, "cat status %d", status);
  CHECK(!inum_in_use(st.ino), "inode %d not freed after its program exited", st.ino);
}

// Hold every free frame but 64 until fd is closed (a memory hog child).
static void
hog(void *arg)
{
  int *fds = arg;
  char c;
  close(fds[1]);
  int n = take_all_frames();
  sbrk(-64 * PGSIZE);
  write(fds[2], "h", 1);
  read(fds[0], &c, 1);  // until the test closes its end
  sbrk(-(n - 64) * PGSIZE);
  exit(0);
}

// Once exec has replaced the image, running out of memory in a page fault
// cannot return -1 any more: the OOM killer kills the largest process (the
// hog holding every frame but 64, not the lazily paged program that
// faulted), and the program then runs to the end with every byte right.
TEST(exec_lazy_oom_kills_largest)
{
  int hold[2], ready[2], fds[3];
  char c;
  struct vmstat v0, v1;
  CHECK(pipe(hold) == 0 && pipe(ready) == 0, "pipe");
  int old = vmctl(VMCTL_EXEC_EAGER, 0);
  int hp = xfork();
  if (hp == 0) {
    fds[0] = hold[0];
    fds[1] = hold[1];
    fds[2] = ready[1];
    hog(fds);
  }
  close(hold[0]);
  close(ready[1]);
  CHECK(read(ready[0], &c, 1) == 1, "hog did not start");
  xvmstat(&v0);
  char *argv[] = {"bigprog", "check", 0};
  int bp = xfork();
  if (bp == 0) {
    close(1);
    if (open("t_bigoom", O_CREATE | O_WRONLY | O_TRUNC) != 1)
      exit(126);
    exec("/bigprog", argv);
    exit(127);
  }
  int got, hst = xwait(&got);  // the hog: bigprog needs its frames to finish
  CHECK(got == hp, "wait: pid %d first, not the hog %d", got, hp);
  int st = xwait(&got);
  CHECK(got == bp, "wait: pid %d, not bigprog %d", got, bp);
  xvmstat(&v1);
  vmctl(VMCTL_EXEC_EAGER, old);
  close(hold[1]);
  close(ready[0]);
  if (st != 0) {
    char buf[128];
    if (read_file("t_bigoom", buf, sizeof(buf)) > 0)
      printf("  %s: bigprog said: %s", test_name, buf);
  }
  unlink("t_bigoom");
  CHECK(hst == -1, "hog status %d, want -1 (killed as the largest)", hst);
  CHECK(st == 0, "bigprog with 64 free frames and a hog: status %d, want 0", st);
  CHECK(v1.kills[KR_OOM] == v0.kills[KR_OOM] + 1, "%d OOM kills",
        (int)(v1.kills[KR_OOM] - v0.kills[KR_OOM]));
  CHECK(v1.oom_kills == v0.oom_kills + 1, "not the OOM killer's kill");
}

// The vmctl command sets and shows the exec policy.
TEST(exec_vmctl_command)
{
  char buf[256];
  char *eager[] = {"vmctl", "exec", "eager", 0};
  char *lazy[] = {"vmctl", "exec", "lazy", 0};
  int old = vmctl(VMCTL_EXEC_EAGER, -1);
  CHECK(run_to_file("/vmctl", eager, "t_vmctl") == 0, "vmctl exec eager failed");
  CHECK(read_file("t_vmctl", buf, sizeof(buf)) > 0 && contains(buf, "exec eager"), "said %s", buf);
  CHECK(vmctl(VMCTL_EXEC_EAGER, -1) == 1, "switch not set");
  CHECK(run_to_file("/vmctl", lazy, "t_vmctl") == 0, "vmctl exec lazy failed");
  CHECK(read_file("t_vmctl", buf, sizeof(buf)) > 0 && contains(buf, "exec lazy"), "said %s", buf);
  CHECK(vmctl(VMCTL_EXEC_EAGER, -1) == 0, "switch not reset");
  vmctl(VMCTL_EXEC_EAGER, old);
  unlink("t_vmctl");
}

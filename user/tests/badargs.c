// Bad pointers passed to system calls: kernel addresses, addresses at or
// above MAXVA, unmapped holes, the stack guard, and buffers straddling the
// break must make the call return -1 without killing the caller, without
// a panic, and without writing part of the data anywhere.
#include "harness.h"

#define NBAD 9

// Addresses no system call may accept, filled in per process.
static void
bad_addresses(uint64 *bad)
{
  uint64 brk = PGROUNDUP((uint64)sbrk(0));

  bad[0] = 0xffffffc080000000UL;            // the kernel
  bad[1] = MAXVA;                           // first non-user address
  bad[2] = 0xfffffffffffff000UL;            // top of the address space
  bad[3] = 0;                               // nothing mapped at 0
  bad[4] = brk + 16 * PGSIZE;               // past the break
  bad[5] = brk + (1UL << 34);               // hole between heap and stack
  bad[6] = USTACKTOP - USTACKMAX - PGSIZE;  // stack guard page
  bad[7] = USTACKTOP;                       // above the stack
  bad[8] = MAXVA + (1UL << 38);             // far beyond MAXVA, still < kernel
}

static int
new_file(const char *name, const char *content)
{
  int fd;

  write_file(name, content);
  fd = open(name, O_RDWR);
  CHECK(fd >= 0, "open %s", name);
  return fd;
}

TEST(badargs_read_write)
{
  uint64 bad[NBAD];
  struct stat st;
  int fd = new_file("t_badrw", "0123456789abcdef");
  int out;

  bad_addresses(bad);
  unlink("t_badout");
  out = open("t_badout", O_CREATE | O_RDWR);
  CHECK(out >= 0, "create t_badout");
  for (int i = 0; i < NBAD; i++) {
    CHECK(write(out, (void *)bad[i], 10) == -1, "write from %p", (void *)bad[i]);
    CHECK(write(1, (void *)bad[i], 10) == -1, "console write from %p", (void *)bad[i]);
    CHECK(read(fd, (void *)bad[i], 10) == -1, "read into %p", (void *)bad[i]);
  }
  CHECK(fstat(out, &st) == 0 && st.size == 0, "file got %d bytes", (int)st.size);
  close(fd);
  close(out);
  unlink("t_badrw");
  unlink("t_badout");
}

// A buffer that starts in the heap and runs past the break.
TEST(badargs_straddle_break)
{
  struct stat st;
  char *p = sbrk(2 * PGSIZE);
  char *brk = sbrk(0);
  int fd = new_file("t_straddle", "0123456789abcdefghij");
  int out, fds[2];

  CHECK(p != (char *)-1, "sbrk");
  memset(p, 'q', 2 * PGSIZE);
  unlink("t_straddle_out");
  out = open("t_straddle_out", O_CREATE | O_RDWR);
  CHECK(out >= 0, "create");
  CHECK(write(out, brk - 10, 20) == -1, "write straddling the break");
  CHECK(write(out, brk - 2 * PGSIZE, 3 * PGSIZE) == -1, "multi-page write straddling the break");
  CHECK(fstat(out, &st) == 0 && st.size == 0, "partial write of %d bytes", (int)st.size);
  CHECK(read(fd, brk - 10, 20) == -1, "read straddling the break");
  CHECK(write(out, brk - 10, 10) == 10, "write ending exactly at the break");
  CHECK(pipe(fds) == 0, "pipe");
  CHECK(write(fds[1], brk - 5, 10) == -1, "pipe write straddling the break");
  CHECK(write(fds[1], "xyz", 3) == 3, "pipe write");
  CHECK(read(fds[0], brk - 1, 3) == -1, "pipe read straddling the break");
  CHECK(write(out, (char *)(MAXVA - 5), 10) == -1, "write straddling MAXVA");
  CHECK(write(out, p, 0x7fffffff) == -1, "write of INT_MAX bytes");
  close(fds[0]);
  close(fds[1]);
  close(fd);
  close(out);
  unlink("t_straddle");
  unlink("t_straddle_out");
}

// Text is mapped but read-only: the kernel must not write into it.
TEST(badargs_read_into_text)
{
  uint64 text = (uint64)&bad_addresses;
  uint word = *(volatile uint *)text;
  int fd = new_file("t_badtext", "overwrite the code!");

  CHECK(read(fd, (void *)text, 8) == -1, "read into text succeeded");
  CHECK(*(volatile uint *)text == word, "text modified by read");
  close(fd);
  unlink("t_badtext");
}

// Every path-taking call refuses bad path pointers.
TEST(badargs_paths)
{
  uint64 bad[NBAD];
  char *argv[] = {"echo", "x", 0};

  bad_addresses(bad);
  for (int i = 0; i < NBAD; i++) {
    char *b = (char *)bad[i];
    CHECK(open(b, O_RDONLY) == -1, "open(%p)", b);
    CHECK(open(b, O_CREATE | O_RDWR) == -1, "open create(%p)", b);
    CHECK(unlink(b) == -1, "unlink(%p)", b);
    CHECK(mkdir(b) == -1, "mkdir(%p)", b);
    CHECK(chdir(b) == -1, "chdir(%p)", b);
    CHECK(link(b, "t_badlink") == -1, "link(%p, ...)", b);
    CHECK(link("/", b) == -1, "link(..., %p)", b);
    CHECK(mknod(b, 1, 1) == -1, "mknod(%p)", b);
    CHECK(exec(b, argv) == -1, "exec(%p)", b);
  }
  unlink("t_badlink");
}

// A path that runs off the end of the heap without a terminating NUL.
TEST(badargs_unterminated_path)
{
  char *p = sbrk(PGSIZE);
  char *brk = sbrk(0);

  CHECK(p != (char *)-1, "sbrk");
  p = brk - 64;
  memset(p, 'a', 64);
  CHECK(open(p, O_RDONLY) == -1, "open of an unterminated path");
  CHECK(open(p, O_CREATE | O_RDWR) == -1, "create of an unterminated path");
  CHECK(mkdir(p) == -1, "mkdir of an unterminated path");
}

TEST(badargs_exec_argv)
{
  uint64 bad[NBAD];

  bad_addresses(bad);
  for (int i = 0; i < NBAD; i++) {
    char *argv[] = {"echo", (char *)bad[i], 0};
    CHECK(exec("/echo", (char **)bad[i]) == -1, "exec argv=%p", (void *)bad[i]);
    if (bad[i] != 0)  // a null argv[1] just ends the list
      CHECK(exec("/echo", argv) == -1, "exec argv[1]=%p", (void *)bad[i]);
  }
}

TEST(badargs_fd_structs)
{
  uint64 bad[NBAD];
  int fd = new_file("t_badst", "x");

  int first = dup(0);  // the lowest free descriptor

  CHECK(first >= 0, "dup");
  close(first);
  bad_addresses(bad);
  for (int i = 0; i < NBAD; i++) {
    void *b = (void *)bad[i];
    int lowest;
    CHECK(fstat(fd, b) == -1, "fstat into %p", b);
    CHECK(pipe(b) == -1, "pipe into %p", b);
    // a refused pipe must not leave descriptors behind
    lowest = dup(0);
    CHECK(lowest >= 0, "dup");
    close(lowest);
    CHECK(lowest == first, "pipe(%p) leaked descriptors (next fd %d)", b, lowest);
    CHECK(vmstat(b) == -1, "vmstat into %p", b);
    CHECK(procstat(0, b) == -1, "procstat into %p", b);
    CHECK(procregions(0, b, 8) == -1, "procregions into %p", b);
    CHECK(getpids(b, 8) == -1, "getpids into %p", b);
  }
  close(fd);
  unlink("t_badst");
}

TEST(badargs_wait_status)
{
  uint64 bad[NBAD];

  bad_addresses(bad);
  for (int i = 0; i < NBAD; i += 2) {  // bad[3] is 0, which wait accepts
    int pid = xfork();
    if (pid == 0)
      exit(5);
    CHECK(wait((int *)bad[i]) == -1, "wait into %p", (void *)bad[i]);
    // the child is either still a zombie or already gone: never blocks
    int r = wait(0);
    CHECK(r == pid || r == -1, "second wait returned %d", r);
  }
}

// Resource limits hit on purpose: the per-process descriptor table
// (NOFILE) and the system file table (NFILE). Each must give a clean -1,
// change nothing else, and give every slot back: filling the table a
// second time reaches the same count. (The process table: proc.c.)
#include "harness.h"

// The lowest free descriptor (dup then close).
static int
lowest_free_fd(void)
{
  int fd = dup(0);

  if (fd >= 0)
    close(fd);
  return fd;
}

// dup(0) until refused; returns how many succeeded. Leaves them open.
static int
fill_fds(void)
{
  int n = 0;

  while (dup(0) >= 0)
    CHECK(++n <= NOFILE, "more than NOFILE descriptors");
  return n;
}

static void
close_from(int first)
{
  for (int fd = first; fd < NOFILE; fd++)
    close(fd);
}

TEST(limits_fd_table_full)
{
  int first = lowest_free_fd(), fds[2] = {-7, -7}, n, n2;

  write_file("t_nofile", "x");
  CHECK(first >= 0, "no free descriptor at the start");
  n = fill_fds();
  CHECK(n == NOFILE - first, "%d descriptors before -1, expected %d", n, NOFILE - first);
  CHECK(dup(0) == -1, "dup with a full table");
  CHECK(open("t_nofile", O_RDONLY) == -1, "open with a full table");
  CHECK(open("t_nofile_new", O_CREATE | O_RDWR) == -1, "create with a full table");
  CHECK(pipe(fds) == -1, "pipe with a full table");
  CHECK(fds[0] == -7 && fds[1] == -7, "refused pipe wrote descriptors");
  // one free slot: pipe needs two, must fail and leave the slot (and no
  // file-table entry: 200 leaked pairs would fill the system table)
  close(NOFILE - 1);
  for (int i = 0; i < 200; i++) {
    CHECK(pipe(fds) == -1, "pipe with one free descriptor succeeded");
    CHECK(lowest_free_fd() == NOFILE - 1, "refused pipe took the last descriptor");
  }
  int fd = open("t_nofile", O_RDONLY);
  CHECK(fd == NOFILE - 1, "open into the last slot returned %d", fd);
  CHECK(open("t_nofile_new", O_CREATE | O_RDWR) == -1, "create with a full table");
  close_from(first);
  CHECK(open("t_nofile_new", O_RDONLY) == -1, "refused create left a file behind");
  CHECK(lowest_free_fd() == first, "descriptors not all closed");
  n2 = fill_fds();
  CHECK(n2 == n, "second fill: %d descriptors, first %d", n2, n);
  close_from(first);
  unlink("t_nofile");
}

#define BAD_REPORT (-1000)

// In a holder child: open files until refused or out of descriptors.
// Returns n opened, -1 - n if the file table refused (after checking that
// the refusal changed nothing), or BAD_REPORT - k when check k failed.
static int
hold_files(void)
{
  int n = 0;

  while (open("t_nfile", O_RDONLY) >= 0)
    n++;
  int low = lowest_free_fd();
  if (low < 0)
    return n;  // our own descriptor table is full: not the system's
  int fds[2] = {-7, -7};
  if (pipe(fds) != -1 || fds[0] != -7)
    return BAD_REPORT - 1;
  if (open("t_nfile_new", O_CREATE | O_RDWR) != -1)
    return BAD_REPORT - 2;
  if (lowest_free_fd() != low)
    return BAD_REPORT - 3;
  return -1 - n;
}

// Children each open files until the system file table is full; the one
// that is refused checks that nothing half-happened. Returns the number of
// files the children held when the table was full.
static int
fill_file_table(void)
{
  int ctl[2], rep[2], nchild = 0, total = 0, full = 0;

  CHECK(pipe(ctl) == 0 && pipe(rep) == 0, "pipe");
  while (!full) {
    CHECK(nchild < NFILE, "file table never filled");
    if (xfork() == 0) {
      char c;
      close(ctl[1]);
      close(rep[0]);
      int msg = hold_files();
      write(rep[1], &msg, sizeof(msg));
      read(ctl[0], &c, 1);  // hold the files until the parent lets go
      exit(0);
    }
    nchild++;
    int msg;
    CHECK(read(rep[0], &msg, sizeof(msg)) == sizeof(msg), "child report");
    CHECK(msg > BAD_REPORT, "holder check %d failed (1 pipe, 2 create, 3 descriptor taken)",
          BAD_REPORT - msg);
    if (msg < 0) {
      full = 1;
      msg = -1 - msg;
    }
    total += msg;
  }
  // the parent, too, is refused while the children hold the table
  CHECK(open("t_nfile", O_RDONLY) == -1, "parent open with a full file table");
  close(ctl[1]);
  for (int i = 0; i < nchild; i++)
    CHECK(xwait(0) == 0, "holder %d failed", i);
  close(ctl[0]);
  close(rep[0]);
  close(rep[1]);
  return total;
}

TEST(limits_file_table_full)
{
  int n1, n2;

  write_file("t_nfile", "y");
  n1 = fill_file_table();
  CHECK(n1 > NFILE / 2 && n1 <= NFILE, "%d open files filled a table of %d", n1, NFILE);
  CHECK(open("t_nfile_new", O_RDONLY) == -1, "a refused create left a file behind");
  n2 = fill_file_table();
  CHECK(n2 == n1, "second fill: %d files, first %d: entries were lost", n2, n1);
  int fd = open("t_nfile", O_RDONLY);
  CHECK(fd >= 0, "open after the children exited");
  close(fd);
  unlink("t_nfile");
}

// Pipe tests: a large checksummed transfer in uneven chunks, EOF once the
// write end is closed, and -1 for writes with no reader or bad fds.
#include "harness.h"

#define PIPE_TOTAL (1024 * 1024)

static uint
mix(uint sum, uint i)
{
  return sum * 31 + (i * 7 + (i >> 8)) % 251;
}

TEST(pipe_large_transfer)
{
  static char buf[5000];
  int fds[2], pid, n, total = 0;
  uint sum = 0, want = 0;

  for (uint i = 0; i < PIPE_TOTAL; i++)
    want = mix(want, i);
  CHECK(pipe(fds) == 0, "pipe");
  pid = xfork();
  if (pid == 0) {
    uint i = 0;
    int chunk = 1;
    close(fds[0]);
    while (i < PIPE_TOTAL) {
      int len = chunk;
      if (len > PIPE_TOTAL - (int)i)
        len = PIPE_TOTAL - i;
      for (int k = 0; k < len; k++, i++)
        buf[k] = (i * 7 + (i >> 8)) % 251;
      CHECK(write(fds[1], buf, len) == len, "short pipe write");
      chunk = chunk * 3 % 4999 + 1;
    }
    exit(0);
  }
  close(fds[1]);
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
    for (int k = 0; k < n; k++)
      sum = sum * 31 + (uchar)buf[k];
    total += n;
  }
  close(fds[0]);
  CHECK(n == 0, "read error %d", n);
  CHECK(total == PIPE_TOTAL, "received %d bytes, sent %d", total, PIPE_TOTAL);
  CHECK(sum == want, "checksum mismatch");
  CHECK(xwait(0) == 0, "writer status");
}

TEST(pipe_eof_after_close)
{
  int fds[2];
  char c;

  CHECK(pipe(fds) == 0, "pipe");
  CHECK(write(fds[1], "xy", 2) == 2, "write");
  close(fds[1]);
  CHECK(read(fds[0], &c, 1) == 1 && c == 'x', "first byte");
  CHECK(read(fds[0], &c, 1) == 1 && c == 'y', "second byte");
  CHECK(read(fds[0], &c, 1) == 0, "read after close of write end not 0");
  close(fds[0]);
}

TEST(pipe_write_no_reader)
{
  int fds[2];

  CHECK(pipe(fds) == 0, "pipe");
  close(fds[0]);
  CHECK(write(fds[1], "abc", 3) == -1, "write with no reader did not fail");
  close(fds[1]);
}

// A writer blocked on a full pipe returns -1 when the reader goes away.
TEST(pipe_writer_blocked_reader_exits)
{
  static char buf[PGSIZE];
  int fds[2], pid, r;

  CHECK(pipe(fds) == 0, "pipe");
  pid = xfork();
  if (pid == 0) {
    close(fds[1]);
    read(fds[0], buf, 1);
    exit(0);
  }
  close(fds[0]);
  for (int i = 0; i < 64; i++) {
    r = write(fds[1], buf, sizeof(buf));
    if (r < 0)
      break;
  }
  CHECK(r == -1, "writes kept succeeding with no reader");
  close(fds[1]);
  CHECK(xwait(0) == 0, "reader status");
}

TEST(pipe_bad_fds)
{
  int fds[2];
  char c = 0;

  CHECK(pipe(fds) == 0, "pipe");
  CHECK(write(fds[0], &c, 1) == -1, "write to the read end succeeded");
  CHECK(read(fds[1], &c, 1) == -1, "read from the write end succeeded");
  close(fds[0]);
  close(fds[1]);
  CHECK(read(fds[0], &c, 1) == -1, "read of a closed fd");
  CHECK(write(fds[1], &c, 1) == -1, "write of a closed fd");
  CHECK(read(-1, &c, 1) == -1, "read of fd -1");
  CHECK(write(NOFILE, &c, 1) == -1, "write of fd NOFILE");
  CHECK(close(NOFILE + 5) == -1, "close of a bad fd");
}

// cat: copy the named files (or standard input) to standard output.
#include "user.h"

static char buf[4096];

// Copy fd to stdout; returns 0, or -1 on a read or write error.
static int
copy_fd(int fd)
{
  int n, off, w;

  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    for (off = 0; off < n; off += w) {
      w = write(1, buf + off, n - off);
      if (w <= 0)
        return -1;
    }
  }
  return n < 0 ? -1 : 0;
}

int
main(int argc, char *argv[])
{
  int i, fd, status = 0;

  if (argc < 2)
    return copy_fd(0) < 0 ? 1 : 0;
  for (i = 1; i < argc; i++) {
    fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "cat: cannot open %s\n", argv[i]);
      status = 1;
      continue;
    }
    if (copy_fd(fd) < 0) {
      fprintf(2, "cat: error copying %s\n", argv[i]);
      close(fd);
      return 1;
    }
    close(fd);
  }
  return status;
}

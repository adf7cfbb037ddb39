// head [-N] [FILE...]: print the first N (default 10) lines.
#include "user.h"

static char buf[4096];

// Copy up to nlines lines of fd to stdout.
static void
head_fd(int fd, int nlines)
{
  int n, i;

  while (nlines > 0 && (n = read(fd, buf, sizeof(buf))) > 0) {
    for (i = 0; i < n && nlines > 0; i++) {
      if (buf[i] == '\n')
        nlines--;
    }
    write(1, buf, i);
  }
}

int
main(int argc, char *argv[])
{
  int i = 1, fd, nlines = 10, status = 0;

  if (argc > 1 && argv[1][0] == '-') {
    nlines = atoi(argv[1] + 1);
    i = 2;
  }
  if (i >= argc) {
    head_fd(0, nlines);
    return 0;
  }
  for (; i < argc; i++) {
    fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "head: cannot open %s\n", argv[i]);
      status = 1;
      continue;
    }
    head_fd(fd, nlines);
    close(fd);
  }
  return status;
}

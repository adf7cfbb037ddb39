// wc [FILE...]: count lines, words and bytes of each file or of stdin.
#include "user.h"

static char buf[4096];

// Count fd into the three totals; returns -1 on a read error.
static int
count(int fd, int *lines, int *words, int *bytes)
{
  int n, i, inword = 0;

  *lines = *words = *bytes = 0;
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    *bytes += n;
    for (i = 0; i < n; i++) {
      char c = buf[i];
      if (c == '\n')
        (*lines)++;
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v') {
        inword = 0;
      } else if (!inword) {
        inword = 1;
        (*words)++;
      }
    }
  }
  return n < 0 ? -1 : 0;
}

int
main(int argc, char *argv[])
{
  int i, fd, l, w, b, tl = 0, tw = 0, tb = 0, status = 0;

  if (argc < 2) {
    if (count(0, &l, &w, &b) < 0)
      return 1;
    printf("%d %d %d\n", l, w, b);
    return 0;
  }
  for (i = 1; i < argc; i++) {
    fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "wc: cannot open %s\n", argv[i]);
      status = 1;
      continue;
    }
    if (count(fd, &l, &w, &b) < 0)
      status = 1;
    close(fd);
    printf("%d %d %d %s\n", l, w, b, argv[i]);
    tl += l;
    tw += w;
    tb += b;
  }
  if (argc > 2)
    printf("%d %d %d total\n", tl, tw, tb);
  return status;
}

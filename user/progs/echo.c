// echo: print the arguments separated by spaces, then a newline, in one write.
#include "user.h"

int
main(int argc, char *argv[])
{
  static char buf[2048];
  int i, n = 0, len;

  for (i = 1; i < argc; i++) {
    len = strlen(argv[i]);
    if (n + len + 2 > sizeof(buf)) {
      write(1, buf, n);
      n = 0;
    }
    if (n + len + 2 > sizeof(buf)) {
      write(1, argv[i], len);
    } else {
      memmove(buf + n, argv[i], len);
      n += len;
    }
    if (i + 1 < argc)
      buf[n++] = ' ';
  }
  buf[n++] = '\n';
  write(1, buf, n);
  return 0;
}

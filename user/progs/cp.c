// cp SRC DST: copy a file; if DST is a directory, copy into it.
#include "user.h"

static char buf[4096];

// The last path component of path.
static const char *
base_name(const char *path)
{
  const char *b = path;

  for (; *path; path++) {
    if (*path == '/' && path[1] != 0)
      b = path + 1;
  }
  return b;
}

int
main(int argc, char *argv[])
{
  char dst[MAXPATH];
  struct stat st;
  int in, out, n;

  if (argc != 3) {
    fprintf(2, "usage: cp src dst\n");
    return 1;
  }
  in = open(argv[1], O_RDONLY);
  if (in < 0) {
    fprintf(2, "cp: cannot open %s\n", argv[1]);
    return 1;
  }
  if (stat(argv[2], &st) == 0 && st.type == T_DIR) {
    if (snprintf(dst, sizeof(dst), "%s/%s", argv[2], base_name(argv[1])) >= (int)sizeof(dst)) {
      fprintf(2, "cp: path too long\n");
      return 1;
    }
  } else {
    snprintf(dst, sizeof(dst), "%s", argv[2]);
  }
  out = open(dst, O_WRONLY | O_CREATE | O_TRUNC);
  if (out < 0) {
    fprintf(2, "cp: cannot create %s\n", dst);
    return 1;
  }
  while ((n = read(in, buf, sizeof(buf))) > 0) {
    if (write(out, buf, n) != n) {
      fprintf(2, "cp: write error on %s\n", dst);
      return 1;
    }
  }
  close(in);
  close(out);
  return n < 0 ? 1 : 0;
}

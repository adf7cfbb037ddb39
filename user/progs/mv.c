// mv SRC DST: rename a file by linking the new name and unlinking the old;
// if DST is a directory, move into it. Same file system only (there is one).
#include "user.h"

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
  struct stat st, sst;

  if (argc != 3) {
    fprintf(2, "usage: mv src dst\n");
    return 1;
  }
  if (stat(argv[2], &st) == 0 && st.type == T_DIR) {
    if (snprintf(dst, sizeof(dst), "%s/%s", argv[2], base_name(argv[1])) >= (int)sizeof(dst)) {
      fprintf(2, "mv: path too long\n");
      return 1;
    }
  } else {
    // Replacing an existing file: drop the old name first.
    snprintf(dst, sizeof(dst), "%s", argv[2]);
    if (stat(dst, &st) == 0) {
      if (stat(argv[1], &sst) == 0 && sst.ino == st.ino)
        return 0;  // already the same file
      unlink(dst);
    }
  }
  if (link(argv[1], dst) < 0) {
    fprintf(2, "mv: cannot move %s to %s\n", argv[1], dst);
    return 1;
  }
  if (unlink(argv[1]) < 0) {
    fprintf(2, "mv: cannot remove %s\n", argv[1]);
    return 1;
  }
  return 0;
}

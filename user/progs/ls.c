// ls [PATH...]: list directories (or describe files), one entry a line:
// name (padded), type (1 dir, 2 file, 3 device), inode number, size.
#include "user.h"

// Print one line for path, shown as name.
static void
show(const char *name, struct stat *st)
{
  printf("%-14s %d %d %d\n", name, st->type, st->ino, (int)st->size);
}

static int
list(const char *path)
{
  char buf[MAXPATH + DIRSIZ + 2], name[DIRSIZ + 1];
  struct dirent de;
  struct stat st;
  int fd, len;

  fd = open(path, O_RDONLY);
  if (fd < 0) {
    fprintf(2, "ls: cannot open %s\n", path);
    return 1;
  }
  if (fstat(fd, &st) < 0) {
    fprintf(2, "ls: cannot stat %s\n", path);
    close(fd);
    return 1;
  }
  if (st.type != T_DIR) {
    show(path, &st);
    close(fd);
    return 0;
  }
  len = strlen(path);
  if (len + 1 + DIRSIZ + 1 > sizeof(buf)) {
    fprintf(2, "ls: path too long\n");
    close(fd);
    return 1;
  }
  strcpy(buf, path);
  if (len == 0 || buf[len - 1] != '/')
    buf[len++] = '/';
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = 0;
    strcpy(buf + len, name);
    if (stat(buf, &st) < 0) {
      fprintf(2, "ls: cannot stat %s\n", buf);
      continue;
    }
    show(name, &st);
  }
  close(fd);
  return 0;
}

int
main(int argc, char *argv[])
{
  int i, status = 0;

  if (argc < 2)
    return list(".");
  for (i = 1; i < argc; i++)
    status |= list(argv[i]);
  return status;
}

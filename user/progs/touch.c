// touch FILE...: create each file if it does not exist (no timestamps).
#include "user.h"

int
main(int argc, char *argv[])
{
  int i, fd, status = 0;

  if (argc < 2) {
    fprintf(2, "usage: touch file...\n");
    return 1;
  }
  for (i = 1; i < argc; i++) {
    fd = open(argv[i], O_RDONLY);
    if (fd < 0)
      fd = open(argv[i], O_CREATE | O_RDWR);
    if (fd < 0) {
      fprintf(2, "touch: cannot create %s\n", argv[i]);
      status = 1;
      continue;
    }
    close(fd);
  }
  return status;
}

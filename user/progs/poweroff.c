// poweroff [status]: stop the machine; QEMU exits with status.
#include "user.h"

int
main(int argc, char *argv[])
{
  poweroff(argc > 1 ? atoi(argv[1]) : 0);
}

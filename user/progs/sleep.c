// sleep TICKS: pause for TICKS clock ticks (10 ticks is about a second).
#include "user.h"

int
main(int argc, char *argv[])
{
  if (argc != 2) {
    fprintf(2, "usage: sleep ticks\n");
    return 1;
  }
  sleep(atoi(argv[1]));
  return 0;
}

// printf format mismatches as xv6's own tests have them (a uint64 printed
// with %d, a pointer with %x, a size with %d): a program like this, dropped
// into user/progs, must build with the warnings shown, not fail.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

char buf[64];

int
main(int argc, char *argv[])
{
  uint64 big = 1UL << 40;
  char *p = sbrk(0);

  printf("size %d\n", sizeof(buf));
  printf("big %d\n", big);
  printf("brk %x\n", p);
  fprintf(2, "%s: %d args\n", argc, argv[0]);
  exit(0);
}

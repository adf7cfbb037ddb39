// false: exit with status 1.
#include "user.h"

int
main(void)
{
  return 1;
}

// true: exit with status 0.
#include "user.h"

int
main(void)
{
  return 0;
}

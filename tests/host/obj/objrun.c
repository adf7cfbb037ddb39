// The shared runner pieces of objtest and filetest (see objrun.h).
#include "objrun.h"

uint64 host_kvoffset;

uint64
pmap_shared_pages(void)
{
  return 0;
}

uint64
pmap_user_ptpages(void)
{
  return 0;
}

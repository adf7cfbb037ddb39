// free: system-wide memory totals from vmstat(): frames total, used, free
// and shared (in frames and KiB), shared zero-page mappings, page-table
// pages, free frames already zeroed (the pre-zeroed pool, part of "free").
// Output is fixed-format for scripts:
//   "frames:" and "KiB:" rows under a "total used free shared" header.
#include "user.h"

int
main(void)
{
  struct vmstat vs;
  uint64 kib = PGSIZE / 1024;
  uint64 used;

  if (vmstat(&vs) < 0) {
    fprintf(2, "free: vmstat failed\n");
    return 1;
  }
  used = vs.frames_total - vs.frames_free;
  printf("%-8s %10s %10s %10s %10s\n", "", "total", "used", "free", "shared");
  printf("%-8s %10lu %10lu %10lu %10lu\n", "frames:", vs.frames_total, used, vs.frames_free,
         vs.frames_shared);
  printf("%-8s %10lu %10lu %10lu %10lu\n", "KiB:", vs.frames_total * kib, used * kib,
         vs.frames_free * kib, vs.frames_shared * kib);
  printf("zero-page-maps: %lu\n", vs.zero_page_maps);
  printf("pt-pages: %lu\n", vs.pt_pages);
  printf("zeroed-free: %lu of %lu (pool %s; %lu taken, %lu zeroed on demand)\n", vs.frames_zeroed,
         vs.zeroed_max, vs.prezero ? "on" : "off", vs.zeroed_hits, vs.zeroed_misses);
  return 0;
}

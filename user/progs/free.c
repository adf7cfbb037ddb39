// free: system-wide memory totals from vmstat(): frames total, used, free,
// shared and cached (in frames and KiB), shared zero-page mappings,
// page-table pages, free frames already zeroed (the pre-zeroed pool, part
// of "free"), page-cache details. Output is fixed-format for scripts:
//   "frames:" and "KiB:" rows under a "total used free shared cached" header.
// cached = frames the page cache owns (file pages and index pages); they
// are part of used. "Swap:" is the swap disk in KiB (total used free, as
// Linux's free); the "swap:" line gives pages moved and the switch.
#include "user.h"

int
main(void)
{
  struct vmstat vs;
  uint64 kib = PGSIZE / 1024;
  uint64 used, cached;

  if (vmstat(&vs) < 0) {
    fprintf(2, "free: vmstat failed\n");
    return 1;
  }
  used = vs.frames_total - vs.frames_free;
  cached = vs.cache_pages + vs.cache_index;
  printf("%-8s %10s %10s %10s %10s %10s\n", "", "total", "used", "free", "shared", "cached");
  printf("%-8s %10lu %10lu %10lu %10lu %10lu\n", "frames:", vs.frames_total, used, vs.frames_free,
         vs.frames_shared, cached);
  printf("%-8s %10lu %10lu %10lu %10lu %10lu\n", "KiB:", vs.frames_total * kib, used * kib,
         vs.frames_free * kib, vs.frames_shared * kib, cached * kib);
  printf("%-8s %10lu %10lu %10lu\n", "Swap:", vs.swap_total * kib, vs.swap_used * kib,
         (vs.swap_total - vs.swap_used) * kib);
  printf("swap: %lu pages in, %lu out, %s\n", vs.swap_ins, vs.swap_outs,
         vs.swap_total == 0 ? "no swap disk"
         : vs.swap_on       ? "on"
                            : "off");
  printf("zero-page-maps: %lu\n", vs.zero_page_maps);
  printf("pt-pages: %lu\n", vs.pt_pages);
  printf("zeroed-free: %lu of %lu (pool %s; %lu taken, %lu zeroed on demand)\n", vs.frames_zeroed,
         vs.zeroed_max, vs.prezero ? "on" : "off", vs.zeroed_hits, vs.zeroed_misses);
  printf("cache: %lu pages, %lu dirty, %lu mapped, %lu index pages\n", vs.cache_pages,
         vs.cache_dirty, vs.cache_mapped, vs.cache_index);
  printf("cache clock: %lu pages reclaimed, %lu of them written back first\n", vs.cache_reclaimed,
         vs.cache_written);
  return 0;
}

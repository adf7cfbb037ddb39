// vmstat [INTERVAL [COUNT]]: VM counters, one header line then one line
// of numbers. Like Linux vmstat, the first line counts since boot; with
// INTERVAL (ticks, 10 ticks is about 1 s) each further line shows what
// happened during one interval; COUNT lines in all (default: forever).
// "free", "nproc" and "zeroed" (free frames already zeroed, part of
// "free") are always current values, not deltas; "ahead" and "used" are
// pages fault-around mapped ahead and how many of those were accessed.
// "swpd" is swap slots in use now (pages), "si"/"so" pages read from and
// written to swap (as Linux's vmstat, but in pages per interval).
#include "user.h"

static void
header(void)
{
  printf("%8s %6s %8s %8s %8s %8s %8s %8s %5s %5s %6s %8s %8s %7s %7s %7s\n", "free", "nproc",
         "zfill", "zpage", "cowcopy", "cowreuse", "file", "total", "segv", "oom", "zeroed", "ahead",
         "used", "swpd", "si", "so");
}

// Print cur minus prev (prev zeroed for the since-boot line).
static void
line(struct vmstat *cur, struct vmstat *prev)
{
  uint64 f[FK_NKINDS], total = 0;
  int i;

  for (i = 0; i < FK_NKINDS; i++) {
    f[i] = cur->faults[i] - prev->faults[i];
    total += f[i];
  }
  printf("%8lu %6lu %8lu %8lu %8lu %8lu %8lu %8lu %5lu %5lu %6lu %8lu %8lu %7lu %7lu %7lu\n",
         cur->frames_free, cur->nproc, f[FK_ZERO_FILL], f[FK_ZERO_PAGE], f[FK_COW_COPY],
         f[FK_COW_REUSE], f[FK_FILE], total, cur->kills[KR_SEGV] - prev->kills[KR_SEGV],
         cur->kills[KR_OOM] - prev->kills[KR_OOM], cur->frames_zeroed,
         cur->fa_mapped - prev->fa_mapped, cur->fa_touched - prev->fa_touched, cur->swap_used,
         cur->swap_ins - prev->swap_ins, cur->swap_outs - prev->swap_outs);
}

int
main(int argc, char *argv[])
{
  struct vmstat prev, cur;
  int interval = 0, count = 1, i;

  if (argc > 1) {
    interval = atoi(argv[1]);
    count = argc > 2 ? atoi(argv[2]) : -1;
    if (interval <= 0) {
      fprintf(2, "usage: vmstat [interval [count]]\n");
      return 1;
    }
  }
  memset(&prev, 0, sizeof(prev));
  if (vmstat(&cur) < 0) {
    fprintf(2, "vmstat: vmstat failed\n");
    return 1;
  }
  header();
  line(&cur, &prev);
  for (i = 1; count < 0 || i < count; i++) {
    prev = cur;
    sleep(interval);
    if (vmstat(&cur) < 0)
      return 1;
    line(&cur, &prev);
  }
  return 0;
}

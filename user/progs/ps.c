// ps: one line per live process, under the header
//   PID PPID STATE NAME VSIZE(KiB) RSS(pages)
// from getpids() and procstat(); processes that exit meanwhile are skipped.
#include "user.h"

static const char *
state_name(int s)
{
  switch (s) {
  case PS_UNUSED: return "unused";
  case PS_USED: return "used";
  case PS_SLEEPING: return "sleep";
  case PS_RUNNABLE: return "runble";
  case PS_RUNNING: return "run";
  case PS_ZOMBIE: return "zombie";
  }
  return "?";
}

int
main(void)
{
  static int pids[NPROC];
  struct procstat ps;
  int n, i;

  n = getpids(pids, NPROC);
  if (n < 0) {
    fprintf(2, "ps: getpids failed\n");
    return 1;
  }
  if (n > NPROC)
    n = NPROC;
  printf("%5s %5s %-6s %-15s %10s %10s %10s\n", "PID", "PPID", "STATE", "NAME", "VSIZE(KiB)",
         "RSS(pages)", "SWAP(pages)");
  for (i = 0; i < n; i++) {
    if (procstat(pids[i], &ps) < 0)
      continue;
    ps.name[sizeof(ps.name) - 1] = 0;
    printf("%5d %5d %-6s %-15s %10lu %10lu %10lu\n", ps.pid, ps.ppid, state_name(ps.state),
           ps.name[0] ? ps.name : "-", ps.vsize / 1024, ps.resident, ps.swapped);
  }
  return 0;
}

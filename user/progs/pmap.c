// pmap [PID]: the memory regions of a process (default: pmap itself), one
// line each like Linux /proc/PID/maps:
//   start-end perms kind resident-pages swapped-pages
// then "total <vsize KiB>K <resident pages> <swapped pages>".
#include "user.h"

#define MAXREGIONS 64

static const char *
kind_name(int kind)
{
  switch (kind) {
  case RK_TEXT: return "text";
  case RK_DATA: return "data";
  case RK_HEAP: return "heap";
  case RK_STACK: return "stack";
  case RK_MMAP: return "mmap";
  }
  return "?";
}

int
main(int argc, char *argv[])
{
  static struct regioninfo r[MAXREGIONS];
  uint64 vsize = 0, resident = 0, swapped = 0;
  int pid, n, i;
  char perms[4];

  pid = argc > 1 ? atoi(argv[1]) : getpid();
  n = procregions(pid, r, MAXREGIONS);
  if (n < 0) {
    fprintf(2, "pmap: no process %d\n", pid);
    return 1;
  }
  if (n > MAXREGIONS)
    n = MAXREGIONS;
  for (i = 0; i < n; i++) {
    perms[0] = (r[i].prot & PROT_READ) ? 'r' : '-';
    perms[1] = (r[i].prot & PROT_WRITE) ? 'w' : '-';
    perms[2] = (r[i].prot & PROT_EXEC) ? 'x' : '-';
    perms[3] = 0;
    printf("%016lx-%016lx %s %s %lu %lu", r[i].start, r[i].end, perms, kind_name(r[i].kind),
           r[i].resident, r[i].swapped);
    if (r[i].inum)
      printf(" %s inode %u offset %lu", r[i].shared ? "shared" : "private", r[i].inum, r[i].off);
    else if (r[i].shared)
      printf(" shared");
    printf("\n");
    vsize += r[i].end - r[i].start;
    resident += r[i].resident;
    swapped += r[i].swapped;
  }
  printf("total %luK %lu %lu\n", vsize / 1024, resident, swapped);
  return 0;
}

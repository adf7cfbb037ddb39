// A program in the style of 2025 xv6 (the MIT 6.1810 tree): pause() where
// older code calls sleep(), sbrk results compared with SBRK_ERROR, lazy
// growth through sbrklazy(), kill(pid) of a paused child. check.sh replaces
// only the #include lines and must build it without a warning.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  char *a, *b;
  int pid, xstatus, t0;

  a = sbrk(4096);
  if(a == SBRK_ERROR){
    fprintf(2, "modern: sbrk failed\n");
    exit(1);
  }
  a[0] = 'x';
  b = sbrklazy(1 << 20);
  if(b == SBRK_ERROR)
    exit(1);
  b[(1 << 20) - 1] = 'y';
  if(sbrk(-(1 << 20)) == SBRK_ERROR)
    exit(1);

  t0 = uptime();
  pause(2);
  if(uptime() - t0 < 2){
    printf("modern: pause returned early\n");
    exit(1);
  }

  pid = fork();
  if(pid < 0)
    exit(1);
  if(pid == 0){
    for(;;)
      pause(100);
  }
  kill(pid);
  wait(&xstatus);
  printf("modern: child %d status %d\n", pid, xstatus);
  exit(0);
}

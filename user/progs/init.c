// init: the first user process. Opens the console as fds 0, 1 and 2, then
// either runs the script /autorun once and powers off with its status
// (used by automated runs), or keeps an interactive shell alive forever,
// reaping orphans that are handed to it.
#include "user.h"

#define CONSOLE_MAJOR 1  // device number of the console (kernel/dev/dev.h)

static char *sh_argv[] = {"sh", 0};
static char *autorun_argv[] = {"sh", "/autorun", 0};

// Start /sh with argv in a child; returns its pid or -1.
static int
spawn_shell(char **argv)
{
  int pid = fork();

  if (pid < 0) {
    fprintf(2, "init: fork failed\n");
    return -1;
  }
  if (pid == 0) {
    exec("/sh", argv);
    fprintf(2, "init: exec sh failed\n");
    exit(1);
  }
  return pid;
}

// Reap children (including orphans) until pid exits; returns its status.
static int
reap_until(int pid)
{
  int st, w;

  for (;;) {
    st = 0;
    w = wait(&st);
    if (w == pid)
      return st;
    if (w < 0) {
      // No children at all: should not happen while pid lives.
      sleep(10);
      return -1;
    }
  }
}

int
main(void)
{
  struct stat st;
  int pid, status;

  if (open("console", O_RDWR) < 0) {
    mknod("console", CONSOLE_MAJOR, 0);
    open("console", O_RDWR);
  }
  dup(0);  // stdout
  dup(0);  // stderr

  if (stat("/autorun", &st) == 0) {
    pid = spawn_shell(autorun_argv);
    status = pid < 0 ? 1 : reap_until(pid);
    poweroff(status);
  }
  for (;;) {
    pid = spawn_shell(sh_argv);
    if (pid < 0) {
      sleep(10);
      continue;
    }
    reap_until(pid);
  }
}

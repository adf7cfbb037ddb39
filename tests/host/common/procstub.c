// Host stand-ins for the process table and file-system calls reclaim.c
// makes: a test puts address spaces in host_proc[] (slot order = the
// clock's order) and watches who gets killed.
#include "types.h"
#include "param.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "fs/file.h"
#include "lib/klib.h"
#include "harness.h"

struct aspace *host_proc[NPROC];  // slot i's address space (0: free)
int host_killed[NPROC];           // slot i was killed
uint ticks;

struct aspace *
proc_slot_aspace(int i, int *pid, char *name, int *dying)
{
  if (i < 0 || i >= NPROC || host_proc[i] == 0)
    return 0;
  aspace_get(host_proc[i]);
  *pid = i + 2;
  *dying = host_killed[i];
  safestrcpy(name, "host", 16);
  return host_proc[i];
}

int
proc_wait_gone(int pid, int maxticks)
{
  (void)maxticks;
  return pid >= 2 && pid < NPROC + 2 && host_proc[pid - 2] == 0;
}

int
kill(int pid)
{
  if (pid < 2 || pid >= NPROC + 2 || host_proc[pid - 2] == 0)
    return -1;
  host_killed[pid - 2] = 1;
  return 0;
}

struct proc *
myproc(void)
{
  return 0;  // host tests fault as no process: the OOM killer never kills "itself"
}

int
killed(struct proc *p)
{
  (void)p;
  return 0;
}

void
setkilled(struct proc *p)
{
  (void)p;
}

// The fake objects (fakeobj.c) keep no clock: the cache passes free nothing.
int
vmobj_reclaim(uint64 want, int dirty_too)
{
  (void)want;
  (void)dirty_too;
  return 0;
}

// The host is single-threaded: a held lock stays held, so the try fails.
int
acquiresleep_try(struct sleeplock *lk)
{
  if (lk->locked)
    return 0;
  acquiresleep(lk);
  return 1;
}

// Process and time system calls (memory ones: kernel/vm/sysvm.c).
#include "types.h"
#include "param.h"
#include "arch/riscv/riscv.h"
#include "proc/proc.h"
#include "dev/dev.h"
#include "lib/klib.h"

uint64
sys_exit(void)
{
  int n;
  argint(0, &n);
  exit(n);
}

uint64
sys_getpid(void)
{
  return myproc()->pid;
}

uint64
sys_fork(void)
{
  return fork();
}

uint64
sys_wait(void)
{
  uint64 p;
  argaddr(0, &p);
  return wait(p);
}

uint64
sys_sleep(void)
{
  int n;
  argint(0, &n);
  if (n < 0)
    n = 0;
  acquire(&tickslock);
  uint ticks0 = ticks;
  while (ticks - ticks0 < (uint)n) {
    if (killed(myproc())) {
      release(&tickslock);
      return -1;
    }
    sleep(&ticks, &tickslock);
  }
  release(&tickslock);
  return 0;
}

uint64
sys_kill(void)
{
  int pid;
  argint(0, &pid);
  return kill(pid);
}

uint64
sys_uptime(void)
{
  acquire(&tickslock);
  uint xticks = ticks;
  release(&tickslock);
  return xticks;
}

uint64
sys_nanotime(void)
{
  return r_time() * (1000000000UL / TIMEBASE_HZ);
}

uint64
sys_poweroff(void)
{
  int status;
  argint(0, &status);
  printf("poweroff: status %d\n", status);
  poweroff(status);
}

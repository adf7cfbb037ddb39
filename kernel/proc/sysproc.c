// Process, time and memory-statistics system calls.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "vmstat.h"
#include "arch/riscv/riscv.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "dev/dev.h"
#include "lib/klib.h"

extern int trap_satp;

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

// sbrk(n, mode): mode 0 follows the system policy, 1 is lazy, 2 eager.
uint64
sys_sbrk(void)
{
  int n, mode;
  argint(0, &n);
  argint(1, &mode);
  int eager = mode == 2 || (mode == 0 && vm_sbrk_eager);
  vaddr_t old;
  if (aspace_sbrk(myproc()->as, n, eager, &old) < 0)
    return -1;
  return old;
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

uint64
sys_vmstat(void)
{
  uint64 addr;
  argaddr(0, &addr);
  struct vmstat st;
  memset(&st, 0, sizeof(st));
  frame_stats(&st);
  vm_fault_stats(&st);
  st.nproc = proc_count();
  st.sbrk_eager = vm_sbrk_eager;
  st.fork_copy = vm_fork_copy;
  return copyout(addr, &st, sizeof(st));
}

uint64
sys_procstat(void)
{
  int pid;
  uint64 addr;
  argint(0, &pid);
  argaddr(1, &addr);
  struct procstat st;
  if (proc_stat(pid, &st) < 0)
    return -1;
  return copyout(addr, &st, sizeof(st));
}

uint64
sys_procregions(void)
{
  int pid, max;
  uint64 addr;
  argint(0, &pid);
  argaddr(1, &addr);
  argint(2, &max);
  if (max < 0)
    return -1;
  struct aspace *as = proc_aspace(pid);
  if (as == 0)
    return -1;
  struct regioninfo info[NREGION];
  acquiresleep(&as->lock);
  int n = MIN(as->nregion, max);
  for (int i = 0; i < n; i++) {
    struct region *r = &as->region[i];
    info[i].start = r->start;
    info[i].end = r->end;
    info[i].prot = r->prot;
    info[i].kind = r->kind;
    info[i].resident = pmap_count(&as->pmap, r->start, r->end);
  }
  releasesleep(&as->lock);
  aspace_put(as);
  if (n > 0 && copyout(addr, info, n * sizeof(info[0])) < 0)
    return -1;
  return n;
}

uint64
sys_getpids(void)
{
  uint64 addr;
  int max;
  argaddr(0, &addr);
  argint(1, &max);
  int pids[NPROC];
  if (max < 0)
    return -1;
  int n = proc_pids(pids, MIN(max, NPROC));
  if (n > 0 && copyout(addr, pids, n * sizeof(int)) < 0)
    return -1;
  return n;
}

// vmctl(op, value): set a policy switch (value 0/1) and return the old
// value; value -1 only reads it.
uint64
sys_vmctl(void)
{
  int op, value;
  argint(0, &op);
  argint(1, &value);
  int *sw;
  switch (op) {
  case VMCTL_SBRK_EAGER: sw = &vm_sbrk_eager; break;
  case VMCTL_FORK_COPY: sw = &vm_fork_copy; break;
  case VMCTL_TRAP_SATP: sw = &trap_satp; break;
  default: return -1;
  }
  int old = *sw;
  if (value == 0 || value == 1)
    *sw = value;
  else if (value != -1)
    return -1;
  return old;
}

// System call dispatch and argument fetching. Arguments arrive in a0..a5;
// user pointers are only ever passed on to copyin/copyout.
#include "types.h"
#include "param.h"
#include "syscall.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "lib/klib.h"

int
fetchaddr(uint64 addr, uint64 *ip)
{
  return copyin(ip, addr, sizeof(*ip));
}

int
fetchstr(uint64 addr, char *buf, int max)
{
  if (copyinstr(buf, addr, max) < 0)
    return -1;
  return strlen(buf);
}

static uint64
argraw(int n)
{
  struct trapframe *tf = myproc()->trapframe;
  switch (n) {
  case 0: return tf->a0;
  case 1: return tf->a1;
  case 2: return tf->a2;
  case 3: return tf->a3;
  case 4: return tf->a4;
  case 5: return tf->a5;
  }
  panic("argraw");
}

void
argint(int n, int *ip)
{
  *ip = argraw(n);
}

// A user address: checked later by copyin/copyout, never dereferenced here.
void
argaddr(int n, uint64 *ip)
{
  *ip = argraw(n);
}

int
argstr(int n, char *buf, int max)
{
  uint64 addr;
  argaddr(n, &addr);
  return fetchstr(addr, buf, max);
}

// clang-format off
#define SYSCALLS(X)                                                              \
  X(fork) X(exit) X(wait) X(pipe) X(read) X(kill) X(exec) X(fstat) X(chdir)      \
  X(dup) X(getpid) X(sbrk) X(sleep) X(uptime) X(open) X(write) X(mknod)          \
  X(unlink) X(link) X(mkdir) X(close) X(poweroff) X(vmstat) X(procstat)          \
  X(procregions) X(getpids) X(vmctl) X(nanotime) X(mmap) X(munmap) X(mprotect)  \
  X(msync) X(madvise)
// clang-format on

#define DECLARE(name) uint64 sys_##name(void);
SYSCALLS(DECLARE)

#define ENTRY(name) [SYS_##name] = sys_##name,
static uint64 (*const syscalls[])(void) = {SYSCALLS(ENTRY)};

void
syscall(void)
{
  struct proc *p = myproc();
  uint64 num = p->trapframe->a7;
  if (num > 0 && num < NELEM(syscalls) && syscalls[num]) {
    p->trapframe->a0 = syscalls[num]();
  } else {
    printf("pid %d (%s): unknown system call %lu\n", p->pid, p->name, num);
    p->trapframe->a0 = -1;
  }
}

// Processes, harts and the scheduler.
#ifndef PROC_H
#define PROC_H

#include "types.h"
#include "param.h"
#include "vmstat.h"
#include "sync/spinlock.h"

struct aspace;
struct file;
struct inode;

// Saved callee-saved registers for kernel context switches (swtch.S).
struct context {
  uint64 ra, sp;
  uint64 s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
};

// Per-hart state.
struct cpu {
  struct proc *proc;       // running process, or 0
  struct context context;  // swtch() here to enter scheduler()
  int noff;                // depth of push_off() nesting
  int intena;              // were interrupts enabled before push_off()?
  int nlocks;              // spinlocks held (for uaccess assertions)
  int idle;                // atomic: in the scheduler's wfi (or about to be)
  uint64 scratch;          // what this hart's sscratch holds (a trapframe; trap.c)
  uint64 sepc;             // what this hart's sepc holds, as far as trap.c knows
};

extern struct cpu cpus[NCPU];

// User registers saved on trap entry (trapvec.S knows these offsets).
struct trapframe {
  /*   0 */ uint64 kernel_sp;      // top of this process's kernel stack
  /*   8 */ uint64 kernel_trap;    // usertrap()
  /*  16 */ uint64 epc;            // saved user program counter
  /*  24 */ uint64 kernel_hartid;  // saved kernel tp
  /*  32 */ uint64 ra;
  /*  40 */ uint64 sp;
  /*  48 */ uint64 gp;
  /*  56 */ uint64 tp;
  /*  64 */ uint64 t0;
  /*  72 */ uint64 t1;
  /*  80 */ uint64 t2;
  /*  88 */ uint64 s0;
  /*  96 */ uint64 s1;
  /* 104 */ uint64 a0;
  /* 112 */ uint64 a1;
  /* 120 */ uint64 a2;
  /* 128 */ uint64 a3;
  /* 136 */ uint64 a4;
  /* 144 */ uint64 a5;
  /* 152 */ uint64 a6;
  /* 160 */ uint64 a7;
  /* 168 */ uint64 s2;
  /* 176 */ uint64 s3;
  /* 184 */ uint64 s4;
  /* 192 */ uint64 s5;
  /* 200 */ uint64 s6;
  /* 208 */ uint64 s7;
  /* 216 */ uint64 s8;
  /* 224 */ uint64 s9;
  /* 232 */ uint64 s10;
  /* 240 */ uint64 s11;
  /* 248 */ uint64 t3;
  /* 256 */ uint64 t4;
  /* 264 */ uint64 t5;
  /* 272 */ uint64 t6;
  /* 280 */ uint64 user_self;  // trapvec.S: this trapframe's address in user mode, else 0
};

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

#define KSTACKSIZE (4 * 4096)

// Lock key:  p = p->lock held;  w = wait_lock held;  o = only the owning
// process itself touches it (no lock needed).
struct proc {
  struct spinlock lock;

  enum procstate state;  // p
  void *chan;            // p: sleeping on chan
  int killed;            // p: kill() was called
  int xstate;            // p: exit status for the parent's wait()
  int pid;               // p

  struct proc *parent;  // w

  char *kstack;                 // o: bottom of kernel stack (KSTACKSIZE bytes)
  struct trapframe *trapframe;  // o: user registers (one page)
  struct context context;       // o: swtch() here to run the process
  struct aspace *as;            // o: user address space
  struct file *ofile[NOFILE];   // o: open files
  struct inode *cwd;            // o: current directory
  struct inode *exe;            // o: the program file running (write-denied while here)
  char name[16];                // o: program name, for debugging
  uint64 faults[FK_NKINDS];     // o: faults served, by kind
};

// proc.c
void proc_init(void);
#ifdef HOST_TEST
int cpuid(void);  // the host tests' fakes (tests/host/common)
struct cpu *mycpu(void);
struct proc *myproc(void);
int killed(struct proc *p);
#else
// Inline: every trap and fault asks several times, and under QEMU each
// call and return costs far more than the few instructions it saves.
extern struct cpu cpus[NCPU];
extern struct proc proc[NPROC];
extern char kstacks[NPROC][KSTACKSIZE];

// Interrupts must be off (the answer is stale once we can migrate).
static inline int
cpuid(void)
{
  uint64 x;
  asm volatile("mv %0, tp" : "=r"(x));
  return x;
}

static inline struct cpu *
mycpu(void)
{
  return &cpus[cpuid()];
}

// The running process, found from the stack pointer: each process has its
// own kernel stack, so the answer cannot go stale by migration to another
// hart, and no interrupt masking (two slow CSR writes) is needed. On a
// scheduler stack there is no current process. sp - 1: an empty stack's
// sp is its top, the first byte past it (a tail call from a function
// with no frame left, e.g. forkret -> usertrapret, sees exactly that).
static inline struct proc *
myproc(void)
{
  uint64 sp;
  asm volatile("mv %0, sp" : "=r"(sp));
  uint64 off = sp - 1 - (uint64)kstacks;
  return off < sizeof(kstacks) ? &proc[off / KSTACKSIZE] : 0;
}

// An acquire load written as RISC-V maps one (load; fence r,rw): GCC 12
// emits a full fence for __ATOMIC_ACQUIRE, which QEMU turns into a host
// memory barrier on every trap.
static inline int
killed(struct proc *p)
{
  int k = __atomic_load_n(&p->killed, __ATOMIC_RELAXED);
  asm volatile("fence r,rw" ::: "memory");
  return k;
}
#endif
void scheduler(void) __attribute__((noreturn));
void sched(void);
void yield(void);
void sleep(void *chan, struct spinlock *lk);
int sleep_killable(void *chan, struct spinlock *lk);  // -1 at once if killed
void wakeup(void *chan);
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(uint64 addr);
int kill(int pid);
void setkilled(struct proc *p);
void procdump(void);
void userinit(void);
void proc_kill_report(struct proc *p, const char *what);  // one console line, then kill
int proc_stat(int pid, struct procstat *st);              // pid 0 = caller; 0 / -1
struct aspace *proc_aspace(int pid);                      // referenced aspace of pid, or 0
int proc_pids(int *pids, int max);                        // live pids; returns count
int proc_count(void);
// kernel/vm/reclaim.c: the clock and the OOM killer walk the table by slot.
struct aspace *proc_slot_aspace(int i, int *pid, char *name, int *dying);  // referenced, or 0
int proc_wait_gone(int pid, int maxticks);  // sleep until pid exits; 1 if it did

// exec.c
int exec(char *path, char **argv);
// Drop a process's hold on its program file (allow writers again, iput). May sleep.
void proc_exe_put(struct inode *ip);

// trap.c
void trap_init(void);
void trap_inithart(void);
void trap_wake(int hart);   // interrupt that hart (out of wfi)
void trap_proc_left(void);  // scheduler: the process that ran here left this hart
void usertrapret(void);
extern uint ticks;
extern struct spinlock tickslock;

// syscall.c: fetch system call arguments of the current process
void syscall(void);
void argint(int n, int *ip);
void argaddr(int n, uint64 *ip);
int argstr(int n, char *buf, int max);          // length, or -1
int fetchaddr(uint64 addr, uint64 *ip);         // 0 or -1
int fetchstr(uint64 addr, char *buf, int max);  // length, or -1

#endif

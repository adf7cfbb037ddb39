// Process table, scheduler, sleep/wakeup, fork/exit/wait/kill.
// Memory is the VM system's business: a process only holds an aspace.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "arch/riscv/riscv.h"
#include "sync/spinlock.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "fs/file.h"
#include "lib/klib.h"

struct cpu cpus[NCPU];
struct proc proc[NPROC];  // proc.h: myproc() is inline
static struct trapframe trapframes[NPROC];
char kstacks[NPROC][KSTACKSIZE] __attribute__((aligned(4096)));

static struct proc *initproc;
static int nextpid = 1;
static struct spinlock pid_lock;

// Guards every p->parent, and keeps wakeups of waiting parents from being
// lost. Taken before any p->lock.
static struct spinlock wait_lock;

void swtch(struct context *old, struct context *new);
static void forkret(void);

#define STACK_MAGIC 0x4c617a756c69UL  // canary at the bottom of each kernel stack

void
proc_init(void)
{
  initlock(&pid_lock, "nextpid");
  initlock(&wait_lock, "wait_lock");
  for (int i = 0; i < NPROC; i++) {
    initlock(&proc[i].lock, "proc");
    proc[i].state = UNUSED;
    proc[i].kstack = kstacks[i];
    proc[i].trapframe = &trapframes[i];
  }
}

static int
allocpid(void)
{
  acquire(&pid_lock);
  int pid = nextpid++;
  release(&pid_lock);
  return pid;
}

// Find an unused slot; return it locked, in state USED, or 0.
static struct proc *
allocproc(void)
{
  struct proc *p;
  for (p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    if (p->state == UNUSED)
      goto found;
    release(&p->lock);
  }
  return 0;

found:
  p->pid = allocpid();
  p->state = USED;
  p->killed = 0;
  p->xstate = 0;
  p->chan = 0;
  p->as = 0;
  memset(p->faults, 0, sizeof(p->faults));
  memset(p->trapframe, 0, sizeof(*p->trapframe));
  memset(&p->context, 0, sizeof(p->context));
  p->context.ra = (uint64)forkret;
  p->context.sp = (uint64)p->kstack + KSTACKSIZE;
  *(uint64 *)p->kstack = STACK_MAGIC;
  return p;
}

// Return a slot to UNUSED. p->lock held; its address space is already gone.
static void
freeproc(struct proc *p)
{
  assert(p->as == 0);
  p->pid = 0;
  p->parent = 0;
  p->name[0] = 0;
  p->chan = 0;
  p->killed = 0;
  p->xstate = 0;
  p->state = UNUSED;
}

// The first process: forkret() execs /init in it.
void
userinit(void)
{
  struct proc *p = allocproc();
  initproc = p;
  safestrcpy(p->name, "init", sizeof(p->name));
  p->state = RUNNABLE;
  release(&p->lock);
}

// Create a child that shares (COW) or copies the caller's memory.
int
fork(void)
{
  struct proc *p = myproc();
  struct proc *np = allocproc();
  if (np == 0)
    return -1;
  release(&np->lock);  // still USED: nobody else touches it

  struct aspace *as = aspace_clone(p->as, vm_fork_copy);
  if (as == 0) {
    acquire(&np->lock);
    freeproc(np);
    release(&np->lock);
    return -1;
  }
  np->as = as;
  *np->trapframe = *p->trapframe;
  np->trapframe->a0 = 0;
  for (int i = 0; i < NOFILE; i++)
    if (p->ofile[i])
      np->ofile[i] = filedup(p->ofile[i]);
  np->cwd = idup(p->cwd);
  if (p->exe)
    np->exe = inode_dup_text(p->exe);
  safestrcpy(np->name, p->name, sizeof(p->name));
  int pid = np->pid;

  acquire(&wait_lock);
  np->parent = p;
  release(&wait_lock);

  acquire(&np->lock);
  np->state = RUNNABLE;
  release(&np->lock);
  return pid;
}

// Give p's children to init. wait_lock held.
static void
reparent(struct proc *p)
{
  for (struct proc *pp = proc; pp < &proc[NPROC]; pp++) {
    if (pp->parent == p) {
      pp->parent = initproc;
      wakeup(initproc);
    }
  }
}

// Exit the current process; it stays a zombie until its parent waits.
// Everything that may sleep (files, the address space) is released here,
// so wait() only frees the slot.
void
exit(int status)
{
  struct proc *p = myproc();
  if (p == initproc)
    panic("init exiting");

  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd]) {
      fileclose(p->ofile[fd]);
      p->ofile[fd] = 0;
    }
  }
  begin_op();
  iput(p->cwd);
  end_op();
  p->cwd = 0;
  if (p->exe)
    proc_exe_put(p->exe);
  p->exe = 0;

  // Leave our page table before freeing it.
  pmap_kernel_activate();
  struct aspace *as = p->as;
  acquire(&p->lock);
  p->as = 0;
  release(&p->lock);
  if (as)
    aspace_put(as);

  acquire(&wait_lock);
  reparent(p);
  wakeup(p->parent);
  acquire(&p->lock);
  p->xstate = status;
  p->state = ZOMBIE;
  release(&wait_lock);
  sched();
  panic("zombie exit");
}

// Wait for a child to exit; copy its status to user address addr (if not 0).
// Returns its pid, or -1 with no children (or a bad addr).
int
wait(uint64 addr)
{
  struct proc *p = myproc();
  acquire(&wait_lock);
  for (;;) {
    int havekids = 0;
    for (struct proc *pp = proc; pp < &proc[NPROC]; pp++) {
      if (pp->parent != p)
        continue;
      acquire(&pp->lock);
      havekids = 1;
      if (pp->state == ZOMBIE) {
        int pid = pp->pid;
        int xstate = pp->xstate;
        release(&pp->lock);
        release(&wait_lock);
        // Copy out with no spinlock held; the zombie stays ours meanwhile.
        if (addr != 0 && copyout(addr, &xstate, sizeof(xstate)) < 0)
          return -1;
        acquire(&wait_lock);
        acquire(&pp->lock);
        freeproc(pp);
        release(&pp->lock);
        release(&wait_lock);
        return pid;
      }
      release(&pp->lock);
    }
    if (!havekids || killed(p)) {
      release(&wait_lock);
      return -1;
    }
    sleep_killable(p, &wait_lock);  // a kill shows in the loop's check
  }
}

// A hint for the pre-zeroing idle loop, read without locks: is some
// process waiting for a hart? (A stale answer costs one frame's zeroing.)
static int
runnable_exists(void)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++)
    if (__atomic_load_n(&p->state, __ATOMIC_RELAXED) == RUNNABLE)
      return 1;
  return 0;
}

// frame.c: the pre-zeroed pool runs low; wake one idle hart (not this one)
// to refill it. 1 if one was woken.
int
sched_wake_idle(void)
{
  int self = r_tp();  // may be stale if we migrate: then we only skip a hart
  for (int i = 0; i < NCPU; i++) {
    if (i != self && __atomic_load_n(&cpus[i].idle, __ATOMIC_SEQ_CST)) {
      trap_wake(i);
      return 1;
    }
  }
  return 0;
}

#define PREZERO_BATCH 256  // frames zeroed at most between two scans of the process table

// Per-hart scheduler: round-robin over the table, forever. An idle hart
// zeroes free frames into the pre-zeroed pool before it waits for an
// interrupt, one frame at a time, and stops as soon as a process is
// runnable.
void
scheduler(void)
{
  struct cpu *c = mycpu();
  c->proc = 0;
  for (;;) {
    intr_on();
    int found = 0;
    for (struct proc *p = proc; p < &proc[NPROC]; p++) {
      acquire(&p->lock);
      if (p->state == RUNNABLE) {
        p->state = RUNNING;
        c->proc = p;
        if (p->as)
          aspace_activate(p->as);
        swtch(&c->context, &p->context);
        // Never keep running on a page table whose owner may free it, nor
        // with a trapframe in sscratch whose owner may run on another hart.
        pmap_kernel_activate();
        trap_proc_left();
        c->proc = 0;
        found = 1;
      }
      release(&p->lock);
    }
    if (!found) {
      // Interrupts off: an allocator may wait for the frame in hand, and a
      // wake-up arriving after the pool looked full must still end the wfi
      // (wfi ends on a pending interrupt even with interrupts off).
      intr_off();
      __atomic_store_n(&c->idle, 1, __ATOMIC_SEQ_CST);
      if (frame_prezero(PREZERO_BATCH, runnable_exists) == 0)
        asm volatile("wfi");
      __atomic_store_n(&c->idle, 0, __ATOMIC_SEQ_CST);
      intr_on();
    }
  }
}

// Switch to the scheduler. p->lock held and nothing else; state changed.
void
sched(void)
{
  struct proc *p = myproc();
  if (!holding(&p->lock))
    panic("sched p->lock");
  if (mycpu()->noff != 1)
    panic("sched locks");
  if (p->state == RUNNING)
    panic("sched running");
  if (intr_get())
    panic("sched interruptible");
  if (*(uint64 *)p->kstack != STACK_MAGIC)
    panic("kernel stack overflow");
  int intena = mycpu()->intena;
  swtch(&p->context, &mycpu()->context);
  mycpu()->intena = intena;
}

void
yield(void)
{
  struct proc *p = myproc();
  acquire(&p->lock);
  p->state = RUNNABLE;
  sched();
  release(&p->lock);
}

// A new process's first run, still holding p->lock from scheduler().
static void
forkret(void)
{
  static int first = 1;
  release(&myproc()->lock);
  if (first) {
    // File-system setup sleeps, so it runs in process context.
    first = 0;
    fsinit(ROOTDEV);
    struct proc *p = myproc();
    p->cwd = namei("/");
    char *argv[] = {"init", 0};
    if (exec("/init", argv) < 0)
      panic("cannot exec /init");
    __sync_synchronize();
  }
  usertrapret();
}

// Release lk and sleep on chan; reacquire lk when woken. With killable,
// return -1 at once instead if p is already marked killed.
static int
sleep_on(void *chan, struct spinlock *lk, int killable)
{
  struct proc *p = myproc();
  acquire(&p->lock);
  if (killable && p->killed) {
    release(&p->lock);
    return -1;
  }
  release(lk);
  p->chan = chan;
  p->state = SLEEPING;
  sched();
  p->chan = 0;
  release(&p->lock);
  acquire(lk);
  return 0;
}

void
sleep(void *chan, struct spinlock *lk)
{
  sleep_on(chan, lk, 0);
}

// sleep() for waits a kill must end (pipes, console, wait). The killed
// check is made under p->lock, which kill() takes too, so a kill landing
// between the caller's own killed() check and this call is not lost.
int
sleep_killable(void *chan, struct spinlock *lk)
{
  return sleep_on(chan, lk, 1);
}

// Wake every process sleeping on chan. Call without any p->lock held.
void
wakeup(void *chan)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    if (p == myproc())
      continue;
    acquire(&p->lock);
    if (p->state == SLEEPING && p->chan == chan)
      p->state = RUNNABLE;
    release(&p->lock);
  }
}

// Mark pid killed; it exits on its next way out of the kernel.
int
kill(int pid)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    if (p->pid == pid && p->state != UNUSED && p->state != ZOMBIE) {
      p->killed = 1;
      if (p->state == SLEEPING)
        p->state = RUNNABLE;
      release(&p->lock);
      return 0;
    }
    release(&p->lock);
  }
  return -1;
}

void
setkilled(struct proc *p)
{
  acquire(&p->lock);
  p->killed = 1;
  release(&p->lock);
}

// Lock-free: a stale answer only delays the exit to the next check, and
// this runs twice per system call.

// One console line saying why p dies, then mark it killed.
void
proc_kill_report(struct proc *p, const char *what)
{
  printf("pid %d (%s): killed: %s\n", p->pid, p->name, what);
  setkilled(p);
}

static const char *state_names[] = {
    [UNUSED] = "unused",   [USED] = "used",   [SLEEPING] = "sleep",
    [RUNNABLE] = "runble", [RUNNING] = "run", [ZOMBIE] = "zombie",
};

// Fill st for pid (0 = caller). Returns 0, or -1 if there is no such process.
int
proc_stat(int pid, struct procstat *st)
{
  if (pid == 0)
    pid = myproc()->pid;
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    if (p->pid != pid || p->state == UNUSED) {
      release(&p->lock);
      continue;
    }
    memset(st, 0, sizeof(*st));
    st->pid = p->pid;
    st->state = p->state;  // enum procstate matches enum pstate
    safestrcpy(st->name, p->name, sizeof(st->name));
    memmove(st->faults, p->faults, sizeof(st->faults));
    struct aspace *as = p->as;
    if (as)
      aspace_get(as);
    release(&p->lock);
    acquire(&wait_lock);
    st->ppid = p->parent ? p->parent->pid : 0;
    release(&wait_lock);
    if (as) {
      aspace_stat(as, st);
      aspace_put(as);
    }
    return 0;
  }
  return -1;
}

// The address space of pid (0 = caller) with a reference held, or 0.
struct aspace *
proc_aspace(int pid)
{
  if (pid == 0)
    pid = myproc()->pid;
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    if (p->pid == pid && p->state != UNUSED && p->as) {
      struct aspace *as = p->as;
      aspace_get(as);
      release(&p->lock);
      return as;
    }
    release(&p->lock);
  }
  return 0;
}

// Up to max pids of live processes into pids[]; returns the count.
int
proc_pids(int *pids, int max)
{
  int n = 0;
  for (struct proc *p = proc; p < &proc[NPROC] && n < max; p++) {
    acquire(&p->lock);
    if (p->state != UNUSED)
      pids[n++] = p->pid;
    release(&p->lock);
  }
  return n;
}

int
proc_count(void)
{
  int pids[NPROC];
  return proc_pids(pids, NPROC);
}

// ^P: the process table. Runs from the console interrupt, so it takes no
// locks and reads only counters (a racing exit may show stale numbers).
void
procdump(void)
{
  printf("\nPID  STATE   NAME            VSIZE(KiB)  RSS(pages)  WCHAN\n");
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    if (p->state == UNUSED)
      continue;
    uint64 vsize = 0, rss = 0;
    struct aspace *as = p->as;
    if (as)
      aspace_peek(as, &vsize, &rss);
    // WCHAN: what a sleeper waits on (a kernel address: `nm build/kernel.elf`).
    void *chan = p->state == SLEEPING ? p->chan : 0;
    printf("%-4d %-7s %-15s %-11lu %-11lu %p\n", p->pid, state_names[p->state], p->name,
           vsize / 1024, rss, chan);
  }
}

// For the reclaimer's clock and the OOM killer (kernel/vm/reclaim.c), which
// walk the table in slot order: the address space of the process in slot i
// with a reference held (the caller puts it), its pid, name (16 bytes) and
// whether it is already killed; 0 for a free slot, a zombie or a process
// without an address space. Takes and drops p->lock.
struct aspace *
proc_slot_aspace(int i, int *pid, char *name, int *dying)
{
  if (i < 0 || i >= NPROC)
    return 0;
  struct proc *p = &proc[i];
  struct aspace *as = 0;
  acquire(&p->lock);
  if (p->state != UNUSED && p->state != ZOMBIE && p->as) {
    as = p->as;
    aspace_get(as);
    *pid = p->pid;
    *dying = p->killed;
    safestrcpy(name, p->name, 16);
  }
  release(&p->lock);
  return as;
}

// 1 while pid runs (it has not become a zombie); pid numbers are not reused.
static int
proc_alive(int pid)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    int alive = p->pid == pid && p->state != UNUSED && p->state != ZOMBIE;
    release(&p->lock);
    if (alive)
      return 1;
  }
  return 0;
}

// Sleep tick by tick until pid has exited (its memory is freed before it
// becomes a zombie), the caller is killed, or maxticks have passed.
// 1 if pid is gone. Call with no lock held.
int
proc_wait_gone(int pid, int maxticks)
{
  struct proc *me = myproc();
  for (int t = 0; t < maxticks; t++) {
    if (!proc_alive(pid))
      return 1;
    if (me && killed(me))
      return 0;
    acquire(&tickslock);
    sleep(&ticks, &tickslock);
    release(&tickslock);
  }
  return !proc_alive(pid);
}

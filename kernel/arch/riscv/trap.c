// Trap dispatch: decode scause into a system call, a device interrupt, a
// timer tick, or a page fault for vm_fault(). No VM policy lives here.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/kmem.h"
#include "sync/spinlock.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "dev/dev.h"
#include "lib/klib.h"

struct spinlock tickslock;
uint ticks;

#define TICK_INTERVAL (TIMEBASE_HZ / 10)  // 100 ms

void trapvec(void);
void userret(struct trapframe *tf);
void usertrap(void);

int trap_satp;  // vmctl(VMCTL_TRAP_SATP): emulate a page-table switch per trap

// sscratch of a hart that runs no process (or one in the kernel that left
// it) holds the hart's own trapframe: its user_self is always 0, so a trap
// through it is a kernel trap (trapvec.S).
static struct trapframe hart_tf[NCPU];

// sstatus for the return to user mode: SPP user, SPIE on (interrupts on
// at sret), SIE off until then. The kernel changes no other sstatus bit
// (SUM, MXR, FS stay as boot left them), so this is a constant, and
// usertrapret writes it without reading sstatus first.
static uint64 sstatus_user;

void
trap_init(void)
{
  initlock(&tickslock, "time");
}

// Per hart: the trap vector (for good), sscratch, the first timer tick.
void
trap_inithart(void)
{
  struct cpu *c = mycpu();
  CSR_WRITE(stvec, (uint64)trapvec);
  c->scratch = (uint64)&hart_tf[cpuid()];
  CSR_WRITE(sscratch, c->scratch);
  c->sepc = ~0UL;  // unknown
  sstatus_user = (CSR_READ(sstatus) & ~(SSTATUS_SPP | SSTATUS_SIE)) | SSTATUS_SPIE;
  CSR_WRITE(scounteren, 0x7);  // user mode may read cycle, time, instret
  asm volatile("csrw 0x14d, %0" : : "r"(r_time() + TICK_INTERVAL));
}

static void
clock_intr(void)
{
  if (cpuid() == 0) {
    acquire(&tickslock);
    ticks++;
    wakeup(&ticks);
    release(&tickslock);
  }
  asm volatile("csrw 0x14d, %0" : : "r"(r_time() + TICK_INTERVAL));
}

// Wake hart `hart` from wfi: a machine software interrupt through the
// CLINT, which mvec (entry.S) passes on as an S-mode software interrupt.
void
trap_wake(int hart)
{
  asm volatile("fence iorw, iorw" ::: "memory");  // what we ask for is visible first
  *(volatile uint32 *)P2V(CLINT + 4 * hart) = 1;
}

// Handle an interrupt. Returns 2 for a timer tick, 1 for another device,
// 0 if scause is not an interrupt we know.
static int
devintr(uint64 scause)
{
  if (scause == (SCAUSE_INTR | IRQ_S_EXT)) {
    int irq = plic_claim();
    if (irq == UART0_IRQ)
      uart_intr();
    else if (irq == VIRTIO0_IRQ)
      virtio_disk_intr(0);
    else if (irq == VIRTIO1_IRQ)
      virtio_disk_intr(SWAP_DISK);
    else if (irq)
      printf("unexpected interrupt irq=%d\n", irq);
    if (irq)
      plic_complete(irq);
    return 1;
  }
  if (scause == (SCAUSE_INTR | IRQ_S_TIMER)) {
    clock_intr();
    return 2;
  }
  if (scause == (SCAUSE_INTR | IRQ_S_SOFT)) {
    // A wake-up or a TLB shootdown (trap_wake). Cleared before looking at
    // what was asked: a later ask raises it again.
    CSR_CLEAR(sip, SIE_SSIE);
    pmap_shootdown_intr();  // a wake-up: the scheduler loop does the rest
    return 1;
  }
  return 0;
}

static const char *
exception_name(uint64 scause)
{
  switch (scause) {
  case EXC_INST_MISALIGNED: return "misaligned instruction";
  case EXC_INST_ACCESS: return "instruction access fault";
  case EXC_ILLEGAL: return "illegal instruction";
  case EXC_BREAKPOINT: return "breakpoint";
  case EXC_LOAD_MISALIGNED: return "misaligned load";
  case EXC_LOAD_ACCESS: return "load access fault";
  case EXC_STORE_MISALIGNED: return "misaligned store";
  case EXC_STORE_ACCESS: return "store access fault";
  default: return "unknown exception";
  }
}

// A user page fault: ask vm_fault; on refusal kill with its verdict.
static void
user_page_fault(struct proc *p, uint64 scause, uint64 va)
{
  int access = scause == EXC_INST_PAGE ? ACC_EXEC : scause == EXC_STORE_PAGE ? ACC_WRITE : ACC_READ;
  const char *why = "?";
  enum fault_result r = vm_fault(p->as, va, access, p->faults, &why);
  if (r == FAULT_OK)
    return;
  static const char *names[] = {[ACC_READ] = "read", [ACC_WRITE] = "write", [ACC_EXEC] = "exec"};
  char msg[96];
  snprintf(msg, sizeof(msg), "%s at %p: %s", names[access], (void *)va, why);
  if (killed(p))
    return;  // the OOM killer chose it and said so (or it was dying anyway)
  vm_count_kill(r == FAULT_OOM ? KR_OOM : r == FAULT_BUS ? KR_BUS : KR_SEGV);
  proc_kill_report(p, msg);
}

// The process that ran on this hart left it (scheduler, interrupts off):
// its trapframe must leave sscratch before it can run on another hart.
void
trap_proc_left(void)
{
  struct cpu *c = mycpu();
  uint64 own = (uint64)&hart_tf[cpuid()];
  if (c->scratch != own) {
    CSR_WRITE(sscratch, own);
    c->scratch = own;
  }
}

// Entered from trapvec with interrupts off, on the process's kernel stack.
// stvec stays trapvec: a trap while in the kernel finds user_self 0.
void
usertrap(void)
{
  if (trap_satp)
    pmap_kernel_activate();

  struct proc *p = myproc();
  uint64 scause = CSR_READ(scause);
  uint64 epc = CSR_READ(sepc);
  p->trapframe->epc = epc;
  mycpu()->sepc = epc;  // interrupts are off: still this hart
  int which = 0;

  if (scause == EXC_ECALL_U) {
    p->trapframe->epc += 4;
    intr_on();
    if (!killed(p))
      syscall();
  } else if (scause == EXC_INST_PAGE || scause == EXC_LOAD_PAGE || scause == EXC_STORE_PAGE) {
    uint64 va = CSR_READ(stval);
    intr_on();  // a fault may sleep (disk, locks)
    user_page_fault(p, scause, va);
  } else if ((which = devintr(scause)) != 0) {
    // handled
  } else {
    char msg[96];
    snprintf(msg, sizeof(msg), "%s at pc %p", exception_name(scause), (void *)p->trapframe->epc);
    vm_count_kill(KR_SEGV);
    proc_kill_report(p, msg);
  }

  if (killed(p))
    exit(-1);
  if (which == 2)
    yield();
  usertrapret();
}

// Return to user space from the current process's trapframe. CSR accesses
// are the slow part of a trap under QEMU (each ends a translation block):
// one sstatus write, and sscratch and sepc only when they do not already
// hold the right value (a page fault returns to the same pc; a process
// that stayed on this hart left its trapframe in sscratch).
void
usertrapret(void)
{
  struct proc *p = myproc();
  // Interrupts off here and on again at sret (SPIE), in user mode (SPP 0).
  CSR_WRITE(sstatus, sstatus_user);
#ifdef VM_DEBUG
  assert((CSR_READ(sstatus) & ~SSTATUS_SPIE) == (sstatus_user & ~SSTATUS_SPIE));
#endif

  struct cpu *c = mycpu();
  struct trapframe *tf = p->trapframe;
  tf->kernel_sp = (uint64)p->kstack + KSTACKSIZE;
  tf->kernel_trap = (uint64)usertrap;
  tf->kernel_hartid = r_tp();
  if (c->scratch != (uint64)tf) {
    CSR_WRITE(sscratch, (uint64)tf);
    c->scratch = (uint64)tf;
  }
  if (c->sepc != tf->epc) {
    CSR_WRITE(sepc, tf->epc);
    c->sepc = tf->epc;
  }
  if (trap_satp)
    aspace_activate(p->as);
  userret(tf);
}

// Traps taken in the kernel: only interrupts are legal. Entered with
// sscratch 0 (trapvec.S): put this hart's trapframe back first.
void
kerneltrap(void)
{
  CSR_WRITE(sscratch, mycpu()->scratch);
  uint64 sepc = CSR_READ(sepc);
  mycpu()->sepc = sepc;  // the trap replaced whatever user pc was there
  uint64 sstatus = CSR_READ(sstatus);
  uint64 scause = CSR_READ(scause);

  if ((sstatus & SSTATUS_SPP) == 0)
    panic("kerneltrap: not from supervisor mode");
  if (intr_get())
    panic("kerneltrap: interrupts enabled");

  int which = devintr(scause);
  if (which == 0) {
    printf("scause=%p sepc=%p stval=%p\n", (void *)scause, (void *)sepc, (void *)CSR_READ(stval));
    panic("kernel trap");
  }
  if (which == 2 && myproc() != 0 && myproc()->state == RUNNING)
    yield();

  // yield() may have taken traps that changed these (and moved us to
  // another hart: interrupts are off again now).
  CSR_WRITE(sepc, sepc);
  mycpu()->sepc = sepc;
  CSR_WRITE(sstatus, sstatus);
}

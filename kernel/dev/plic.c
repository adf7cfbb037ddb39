// Platform-Level Interrupt Controller (QEMU virt): route the UART and
// both virtio disks' interrupts to every hart's supervisor context, and claim/
// complete them. Not responsible for dispatch (trap.c decides who handles).
#include "types.h"
#include "proc/proc.h"
#include "arch/riscv/kmem.h"
#include "dev/dev.h"

// Register offsets from the PLIC base (RISC-V PLIC specification).
#define PLIC_PRIORITY(irq) (4 * (irq))
#define PLIC_ENABLE(ctx) (0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx) (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx) (0x200004 + 0x1000 * (ctx))

// QEMU virt numbers contexts M-mode, S-mode per hart: S of hart h is 2h+1.
#define SCONTEXT(hart) (2 * (hart) + 1)

static volatile uint32 *
plic_reg(uint64 off)
{
  return (volatile uint32 *)((char *)P2V(PLIC) + off);
}

// Give the devices we use a non-zero priority (zero means "never").
// Boot, once.
void
plic_init(void)
{
  *plic_reg(PLIC_PRIORITY(UART0_IRQ)) = 1;
  *plic_reg(PLIC_PRIORITY(VIRTIO0_IRQ)) = 1;
  *plic_reg(PLIC_PRIORITY(VIRTIO1_IRQ)) = 1;  // an absent swap disk never raises it
}

// Enable those interrupts for this hart's S-mode context and accept every
// priority above 0. Each hart at boot, interrupts off.
void
plic_inithart(void)
{
  int ctx = SCONTEXT(cpuid());

  *plic_reg(PLIC_ENABLE(ctx)) = (1u << UART0_IRQ) | (1u << VIRTIO0_IRQ) | (1u << VIRTIO1_IRQ);
  *plic_reg(PLIC_THRESHOLD(ctx)) = 0;
}

// Claim the highest-priority pending interrupt for this hart; 0 if none.
// Interrupts off (trap handler).
int
plic_claim(void)
{
  return *plic_reg(PLIC_CLAIM(SCONTEXT(cpuid())));
}

// Tell the PLIC this hart has finished handling irq.
void
plic_complete(int irq)
{
  *plic_reg(PLIC_CLAIM(SCONTEXT(cpuid()))) = irq;
}

// M-mode start: hand every trap and interrupt to S-mode, open physical
// memory to S-mode, enable the S-mode timer (Sstc), load the boot page table
// and drop to S-mode in boot_high. Runs at physical addresses: no globals
// holding pointers, no calls into the rest of the kernel.
#include "types.h"
#include "param.h"
#include "arch/riscv/riscv.h"

void boot_high(void);
void mvec(void);
extern char boot_pagetable[];
static uint64 mscratch_area[NCPU][2];  // mvec's save area per hart

uint64 boot_dtb;  // device-tree address handed over by QEMU (physical)

void
start(uint64 hartid, uint64 dtb)
{
  if (hartid == 0)
    boot_dtb = dtb;

  uint64 x = CSR_READ(mstatus);
  x = (x & ~MSTATUS_MPP_MASK) | MSTATUS_MPP_S;
  CSR_WRITE(mstatus, x);
  CSR_WRITE(mepc, (uint64)boot_high);  // pc-relative: the physical address

  CSR_WRITE(medeleg, 0xffff);
  CSR_WRITE(mideleg, 0xffff);
  CSR_WRITE(sie, SIE_SEIE | SIE_STIE | SIE_SSIE);

  // Machine software interrupts (a wake-up from another hart) reach mvec,
  // which turns them into S-mode software interrupts.
  CSR_WRITE(mscratch, (uint64)mscratch_area[hartid]);
  CSR_WRITE(mtvec, (uint64)mvec);
  CSR_SET(mie, MIE_MSIE);

  // S-mode may access all of physical memory.
  CSR_WRITE(pmpaddr0, 0x3fffffffffffffUL);
  CSR_WRITE(pmpcfg0, 0xf);

  // Sstc: S-mode programs its own timer through stimecmp; counters readable.
  asm volatile("csrs 0x30a, %0" : : "r"(1UL << 63));  // menvcfg.STCE
  CSR_WRITE(mcounteren, 0x7);
  asm volatile("csrw 0x14d, %0" : : "r"(~0UL));  // stimecmp: no tick yet

  CSR_WRITE(satp, MAKE_SATP((uint64)boot_pagetable));
  asm volatile("sfence.vma zero, zero");

  asm volatile("mv tp, %0" : : "r"(hartid));
  asm volatile("mret");
}

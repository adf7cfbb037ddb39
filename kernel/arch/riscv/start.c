// M-mode start: hand every trap and interrupt to S-mode, open physical
// memory to S-mode, enable the S-mode timer (Sstc), load the boot page table
// and drop to S-mode in boot_high. Runs at physical addresses: no globals
// holding pointers, no calls into the rest of the kernel.
#include "types.h"
#include "param.h"
#include "arch/riscv/riscv.h"

void boot_high(void);
extern char boot_pagetable[];

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

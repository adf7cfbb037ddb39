// Address-space constants visible to user programs (xv6-compatible names).
//
// User virtual addresses run from 0 to MAXVA. The kernel lives in the upper
// half of the Sv39 space (see kernel/arch/riscv/kmem.h) and is mapped,
// global and supervisor-only, in every address space, so a trap never
// switches page tables.
#ifndef LAZULI_MEMLAYOUT_H
#define LAZULI_MEMLAYOUT_H

#define PGSIZE 4096  // bytes per page
#define PGSHIFT 12   // bits of offset within a page

#define PGROUNDUP(sz) (((sz) + PGSIZE - 1) & ~((uint64)(PGSIZE - 1)))
#define PGROUNDDOWN(a) (((a)) & ~((uint64)(PGSIZE - 1)))

// Physical address where RAM starts and the kernel is loaded on QEMU virt.
#define KERNBASE 0x80000000L

// One beyond the highest user virtual address. Sv39 allows 1<<39, but
// keeping bit 38 clear avoids sign-extension subtleties (as xv6 does).
#define MAXVA (1L << (9 + 9 + 9 + 12 - 1))

// The user stack region ends here; one unmapped guard page sits below its
// lowest allowed page. The top page below MAXVA is left unmapped too.
#define USTACKTOP (MAXVA - PGSIZE)
#define USTACKMAX (1L << 20)  // the stack may grow lazily to 1 MiB

// Where exec places program text if the ELF says nothing lower.
#define UTEXT 0x0L

#endif

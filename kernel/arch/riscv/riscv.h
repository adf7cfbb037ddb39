// RISC-V CSR access and privileged-architecture constants (RV64, Sv39).
#ifndef RISCV_H
#define RISCV_H

#include "types.h"

#define CSR_READ(name)                                                                             \
  ({                                                                                               \
    uint64 v_;                                                                                     \
    asm volatile("csrr %0, " #name : "=r"(v_));                                                    \
    v_;                                                                                            \
  })
#define CSR_WRITE(name, v) asm volatile("csrw " #name ", %0" : : "r"((uint64)(v)))
#define CSR_SET(name, v) asm volatile("csrs " #name ", %0" : : "r"((uint64)(v)))
#define CSR_CLEAR(name, v) asm volatile("csrc " #name ", %0" : : "r"((uint64)(v)))

// mstatus / sstatus bits
#define MSTATUS_MPP_MASK (3L << 11)
#define MSTATUS_MPP_S (1L << 11)
#define SSTATUS_SPP (1L << 8)   // previous mode: 1 = supervisor
#define SSTATUS_SPIE (1L << 5)  // supervisor previous interrupt enable
#define SSTATUS_SIE (1L << 1)   // supervisor interrupt enable

#define MIE_MSIE (1L << 3)  // mie: machine software interrupt enable

// sie / sip bits
#define SIE_SSIE (1L << 1)
#define SIE_STIE (1L << 5)
#define SIE_SEIE (1L << 9)

// scause values
#define SCAUSE_INTR (1UL << 63)
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define EXC_INST_MISALIGNED 0
#define EXC_INST_ACCESS 1
#define EXC_ILLEGAL 2
#define EXC_BREAKPOINT 3
#define EXC_LOAD_MISALIGNED 4
#define EXC_LOAD_ACCESS 5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS 7
#define EXC_ECALL_U 8
#define EXC_INST_PAGE 12
#define EXC_LOAD_PAGE 13
#define EXC_STORE_PAGE 15

#define SATP_SV39 (8UL << 60)
#define MAKE_SATP(root_pa) (SATP_SV39 | (((uint64)(root_pa)) >> 12))

static inline uint64
r_tp(void)
{
  uint64 x;
  asm volatile("mv %0, tp" : "=r"(x));
  return x;
}

static inline void
w_tp(uint64 x)
{
  asm volatile("mv tp, %0" : : "r"(x));
}

static inline uint64
r_sp(void)
{
  uint64 x;
  asm volatile("mv %0, sp" : "=r"(x));
  return x;
}

static inline void
intr_on(void)
{
  CSR_SET(sstatus, SSTATUS_SIE);
}

static inline void
intr_off(void)
{
  CSR_CLEAR(sstatus, SSTATUS_SIE);
}

static inline int
intr_get(void)
{
  return (CSR_READ(sstatus) & SSTATUS_SIE) != 0;
}

static inline void
sfence_vma(void)
{
  asm volatile("sfence.vma zero, zero" ::: "memory");
}

static inline void
sfence_vma_page(uint64 va)
{
  asm volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
}

static inline uint64
r_time(void)
{
  uint64 x;
  asm volatile("rdtime %0" : "=r"(x));
  return x;
}

#define TIMEBASE_HZ 10000000UL  // QEMU virt: the time CSR counts at 10 MHz

#endif

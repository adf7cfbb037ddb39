// Host stand-in for kernel/arch/riscv/riscv.h: there are no CSRs and no TLB.
// CSR accesses read and write host variables (rpmap.c defines them) and the
// sfence calls are counted, so tests of the real pmap.c can see that it
// loads satp and flushes when it changes valid entries.
#ifndef RISCV_H
#define RISCV_H

#include "types.h"

extern uint64 host_csr_satp, host_csr_sstatus;
extern uint64 host_sfence_all;   // sfence.vma zero, zero
extern uint64 host_sfence_page;  // sfence.vma va, zero
extern uint64 host_time;
extern uint64 host_tp;  // the "hart" running: 0 unless a test plays another one

static inline uint64
r_tp(void)
{
  return host_tp;
}

#define CSR_READ(name) (host_csr_##name)
#define CSR_WRITE(name, v) (host_csr_##name = (uint64)(v))
#define CSR_SET(name, v) (host_csr_##name |= (uint64)(v))
#define CSR_CLEAR(name, v) (host_csr_##name &= ~(uint64)(v))

#define SSTATUS_SIE (1L << 1)
#define SATP_SV39 (8UL << 60)  // unsigned: 8L << 60 overflows a long
#define MAKE_SATP(root_pa) (SATP_SV39 | (((uint64)(root_pa)) >> 12))

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
  host_sfence_all++;
}

static inline void
sfence_vma_page(uint64 va)
{
  (void)va;
  host_sfence_page++;
}

static inline uint64
r_time(void)
{
  return ++host_time;
}

#define TIMEBASE_HZ 10000000UL

#endif

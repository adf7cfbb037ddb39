// Host stand-in for kernel/arch/riscv/kmem.h: "physical" memory is a
// malloc'd arena that the harness places at FAKE_RAM_BASE, so P2V/V2P
// translate by a run-time offset instead of the kernel's upper-half one.
#ifndef KMEM_H
#define KMEM_H

#include "types.h"
#include "memlayout.h"

#define FAKE_RAM_BASE 0x80000000UL
extern uint64 host_kvoffset;  // host address of the arena minus FAKE_RAM_BASE

// The kernel's real offset: pmap.c only derives root indexes from it (the
// kernel-half entries 256..259); nothing is dereferenced there.
#define KVOFFSET 0xFFFFFFC000000000UL

#define P2V(pa) ((void *)((uint64)(pa) + host_kvoffset))
#define V2P(va) ((uint64)(va)-host_kvoffset)

#endif

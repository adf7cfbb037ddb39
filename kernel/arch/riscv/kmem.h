// Kernel virtual memory layout: the kernel lives in the upper half.
//
// All physical memory below 4 GiB (devices and RAM) is mapped at
// KVOFFSET + pa with gigapages that are global and supervisor-only, in the
// kernel page table and in every user page table (root entries 256..259).
// The kernel image is linked at KVOFFSET + KERNBASE and runs there.
#ifndef KMEM_H
#define KMEM_H

#include "memlayout.h"

#define KVOFFSET 0xFFFFFFC000000000UL
#define KERNVBASE (KVOFFSET + KERNBASE)

#define P2V(pa) ((void *)((uint64)(pa) + KVOFFSET))
#define V2P(va) ((uint64)(va)-KVOFFSET)

#endif

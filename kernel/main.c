// Kernel entry in S-mode, upper half: hart 0 sets everything up, the
// others wait for it, then every hart runs the scheduler.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/kmem.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "fs/file.h"
#include "dev/dev.h"
#include "lib/klib.h"

extern char end[];                     // first address after the kernel image (linker)
extern uint64 boot_dtb;                // physical device-tree address from start.c
uint64 fdt_memory_end(uint64 dtb_pa);  // fdt.c

static volatile int started;

void
main(void)
{
  if (cpuid() == 0) {
    console_init();
    printf_init();
    uint64 ramend = fdt_memory_end(boot_dtb);
    printf("\nLazuli kernel: %lu MiB RAM\n", (ramend - KERNBASE) >> 20);
    frame_init(V2P(end), ramend);
    pmap_kernel_init();
    pmap_kernel_activate();
    proc_init();
    trap_init();
    trap_inithart();
    plic_init();
    plic_inithart();
    binit();
    iinit();
    vmobj_init();
    reclaim_init();
    fileinit();
    virtio_disk_init();
    swap_init();  // after the disks: sized from the swap disk
    userinit();
    __sync_synchronize();
    started = 1;
  } else {
    while (started == 0)
      ;
    __sync_synchronize();
    pmap_kernel_activate();
    trap_inithart();
    plic_inithart();
  }
  scheduler();
}

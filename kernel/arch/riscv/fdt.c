// Just enough of the flattened device tree (devicetree spec v0.3) to find
// the end of RAM: the "reg" property of the /memory node. Runs before any
// allocator, reading the blob through the direct map.
#include "types.h"
#include "memlayout.h"
#include "arch/riscv/kmem.h"
#include "lib/klib.h"

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9
#define DEFAULT_RAM (128UL << 20)

static uint32
be32(const void *p)
{
  const uchar *b = p;
  return ((uint32)b[0] << 24) | ((uint32)b[1] << 16) | ((uint32)b[2] << 8) | b[3];
}

// Physical end of RAM (assumes #address-cells = #size-cells = 2, as on
// QEMU virt); 128 MiB past KERNBASE if the tree is missing or odd.
uint64
fdt_memory_end(uint64 dtb_pa)
{
  const uchar *fdt = P2V(dtb_pa);
  if (dtb_pa == 0 || be32(fdt) != FDT_MAGIC)
    return KERNBASE + DEFAULT_RAM;
  const uchar *st = fdt + be32(fdt + 8);
  const char *strs = (const char *)fdt + be32(fdt + 12);
  int depth = 0, in_memory = 0;
  for (const uchar *p = st;;) {
    uint32 tok = be32(p);
    p += 4;
    if (tok == FDT_BEGIN_NODE) {
      const char *name = (const char *)p;
      depth++;
      if (depth == 2 && strncmp(name, "memory", 6) == 0)
        in_memory = 1;
      p += (strlen(name) + 4) & ~3;
    } else if (tok == FDT_END_NODE) {
      if (depth-- == 2)
        in_memory = 0;
    } else if (tok == FDT_PROP) {
      uint32 len = be32(p), nameoff = be32(p + 4);
      const uchar *val = p + 8;
      if (in_memory && strncmp(strs + nameoff, "reg", 4) == 0 && len >= 16) {
        uint64 base = ((uint64)be32(val) << 32) | be32(val + 4);
        uint64 size = ((uint64)be32(val + 8) << 32) | be32(val + 12);
        return base + size;
      }
      p = val + ((len + 3) & ~3);
    } else if (tok == FDT_NOP) {
      continue;
    } else {
      break;
    }
  }
  return KERNBASE + DEFAULT_RAM;
}

// ELF validation: turns an executable's headers into a load plan that exec
// can map without further checks, or refuses the file. Reads only the ELF
// header and the program headers; building the address space is exec.c's.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "vmstat.h"
#include "proc/elf.h"
#include "fs/file.h"
#include "lib/klib.h"

// Segments must lie in [ELF_USER_LOW, ELF_USER_TOP): page 0 stays unmapped
// and the stack region with its guard page stays free.
#define ELF_USER_LOW PGSIZE
#define ELF_USER_TOP (USTACKTOP - USTACKMAX - PGSIZE)

static int
header_ok(struct elfhdr *elf, uint64 fsize)
{
  if (elf->magic != ELF_MAGIC || elf->elf[0] != ELF_CLASS64 || elf->elf[1] != ELF_DATA_LSB ||
      elf->elf[2] != ELF_VERSION || elf->version != ELF_VERSION)
    return 0;
  if (elf->type != ELF_TYPE_EXEC || elf->machine != ELF_MACH_RISCV)
    return 0;
  if (elf->ehsize != sizeof(struct elfhdr) || elf->phentsize != sizeof(struct proghdr))
    return 0;
  if (elf->phnum == 0 || elf->phnum > ELF_MAXPHNUM)
    return 0;
  // the program-header table lies inside the file (no overflow: phnum is small)
  return elf->phoff <= fsize && elf->phnum * sizeof(struct proghdr) <= fsize - elf->phoff;
}

static int
flags2prot(uint32 f)
{
  int prot = 0;
  if (f & ELF_PROG_FLAG_READ)
    prot |= PROT_READ;
  if (f & ELF_PROG_FLAG_WRITE)
    prot |= PROT_READ | PROT_WRITE;  // Sv39 has no write-only pages
  if (f & ELF_PROG_FLAG_EXEC)
    prot |= PROT_EXEC;
  return prot;
}

// One PT_LOAD header: inside the file, inside the user range, congruent.
static int
segment_ok(struct proghdr *ph, uint64 fsize)
{
  if (ph->off > fsize || ph->filesz > fsize - ph->off)
    return 0;
  if (ph->vaddr % PGSIZE != ph->off % PGSIZE)
    return 0;
  if (ph->vaddr < ELF_USER_LOW || ph->vaddr >= ELF_USER_TOP || ph->memsz > ELF_USER_TOP - ph->vaddr)
    return 0;
  return 1;
}

// Append ph to plan unless it overlaps (or precedes) the last segment:
// PT_LOAD headers must come sorted by address (ELF spec), disjoint.
static int
plan_add(struct elfplan *plan, struct proghdr *ph)
{
  if (plan->nseg == ELF_MAXLOAD)
    return 0;
  if (plan->nseg > 0) {
    struct elfseg *last = &plan->seg[plan->nseg - 1];
    if (ph->vaddr < last->va + last->memsz)
      return 0;
  }
  struct elfseg *s = &plan->seg[plan->nseg++];
  s->va = ph->vaddr;
  s->memsz = ph->memsz;
  s->off = ph->off;
  s->filesz = ph->filesz;
  s->prot = flags2prot(ph->flags);
  return 1;
}

// The entry point must be a file byte of an executable segment.
static int
entry_ok(struct elfplan *plan)
{
  for (int i = 0; i < plan->nseg; i++) {
    struct elfseg *s = &plan->seg[i];
    if ((s->prot & PROT_EXEC) && plan->entry >= s->va && plan->entry - s->va < s->filesz)
      return 1;
  }
  return 0;
}

int
elf_plan(struct inode *ip, struct elfplan *plan)
{
  struct elfhdr elf;
  uint64 fsize = ip->size;
  if (readi(ip, (char *)&elf, 0, sizeof(elf)) != sizeof(elf) || !header_ok(&elf, fsize))
    return -1;
  plan->nseg = 0;
  plan->entry = elf.entry;
  for (int i = 0; i < elf.phnum; i++) {
    struct proghdr ph;
    uint64 off = elf.phoff + i * sizeof(ph);  // inside the file: checked above
    if (readi(ip, (char *)&ph, off, sizeof(ph)) != sizeof(ph))
      return -1;
    if (ph.type == ELF_PROG_INTERP || ph.type == ELF_PROG_DYNAMIC)
      return -1;  // static executables only
    if (ph.type != ELF_PROG_LOAD)
      continue;
    if (ph.filesz > ph.memsz)
      return -1;
    if (ph.memsz == 0)
      continue;
    if (!segment_ok(&ph, fsize) || !plan_add(plan, &ph))
      return -1;
  }
  if (plan->nseg == 0 || !entry_ok(plan))
    return -1;
  struct elfseg *last = &plan->seg[plan->nseg - 1];
  plan->top = PGROUNDUP(last->va + last->memsz);
  return 0;
}

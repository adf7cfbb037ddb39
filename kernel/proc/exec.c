// exec: replace the caller's address space with a program from an ELF file.
// Each PT_LOAD segment becomes one region; file bytes are loaded now, the
// zero tail (bss) and the stack are demand-zero.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "proc/elf.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "fs/file.h"
#include "lib/klib.h"
#include "arch/riscv/kmem.h"

int copyout_as(struct aspace *as, uint64 dstva, const void *src, uint64 n);

static int
flags2prot(uint32 f)
{
  int prot = 0;
  if (f & ELF_PROG_FLAG_READ)
    prot |= PROT_READ;
  if (f & ELF_PROG_FLAG_WRITE)
    prot |= PROT_WRITE;
  if (f & ELF_PROG_FLAG_EXEC)
    prot |= PROT_EXEC;
  return prot;
}

// Load one segment's file bytes into freshly allocated frames of as.
static int
load_segment(struct aspace *as, struct inode *ip, struct proghdr *ph, int prot)
{
  uint64 fend = ph->vaddr + ph->filesz;
  for (uint64 va = PGROUNDDOWN(ph->vaddr); va < fend; va += PGSIZE) {
    paddr_t pa = aspace_fill_page(as, va, prot);
    if (pa == 0)
      return -1;
    uint64 from = MAX(va, ph->vaddr);
    uint64 to = MIN(va + PGSIZE, fend);
    uint64 off = ph->off + (from - ph->vaddr);
    if (readi(ip, (char *)P2V(pa) + (from - va), off, to - from) != (int)(to - from))
      return -1;
  }
  return 0;
}

// Read the ELF file at ip into as; set *entry and *top (end of the highest segment).
static int
load_elf(struct aspace *as, struct inode *ip, uint64 *entry, uint64 *top)
{
  struct elfhdr elf;
  if (readi(ip, (char *)&elf, 0, sizeof(elf)) != sizeof(elf) || elf.magic != ELF_MAGIC)
    return -1;
  *top = 0;
  for (int i = 0; i < elf.phnum; i++) {
    struct proghdr ph;
    uint off = elf.phoff + i * sizeof(ph);
    if (readi(ip, (char *)&ph, off, sizeof(ph)) != sizeof(ph))
      return -1;
    if (ph.type != ELF_PROG_LOAD || ph.memsz == 0)
      continue;
    if (ph.memsz < ph.filesz || ph.vaddr + ph.memsz < ph.vaddr ||
        ph.vaddr + ph.memsz > USTACKTOP - USTACKMAX - PGSIZE || ph.vaddr < PGSIZE)
      return -1;
    int prot = flags2prot(ph.flags);
    int kind = (prot & PROT_EXEC) ? RK_TEXT : RK_DATA;
    if (aspace_map(as, PGROUNDDOWN(ph.vaddr), PGROUNDUP(ph.vaddr + ph.memsz), prot, kind) < 0)
      return -1;
    if (load_segment(as, ip, &ph, prot) < 0)
      return -1;
    *top = MAX(*top, PGROUNDUP(ph.vaddr + ph.memsz));
  }
  *entry = elf.entry;
  return *top ? 0 : -1;
}

// Push argv strings and the argv array on the new stack. Returns sp, or 0.
static uint64
push_args(struct aspace *as, char **argv, uint64 *argcp)
{
  uint64 sp = USTACKTOP;
  uint64 ustack[MAXARG + 1];
  uint64 argc;
  for (argc = 0; argv[argc]; argc++) {
    if (argc >= MAXARG)
      return 0;
    sp -= strlen(argv[argc]) + 1;
    sp -= sp % 16;
    if (copyout_as(as, sp, argv[argc], strlen(argv[argc]) + 1) < 0)
      return 0;
    ustack[argc] = sp;
  }
  ustack[argc] = 0;
  sp -= (argc + 1) * sizeof(uint64);
  sp -= sp % 16;
  if (copyout_as(as, sp, ustack, (argc + 1) * sizeof(uint64)) < 0)
    return 0;
  *argcp = argc;
  return sp;
}

// Replace the current process image. argv: kernel strings. Returns argc,
// or -1 with the old image intact.
int
exec(char *path, char **argv)
{
  struct proc *p = myproc();
  struct aspace *as = aspace_create();
  if (as == 0)
    return -1;

  begin_op();
  struct inode *ip = namei(path);
  if (ip == 0) {
    end_op();
    aspace_put(as);
    return -1;
  }
  ilock(ip);
  uint64 entry, top;
  int r = load_elf(as, ip, &entry, &top);
  iunlockput(ip);
  end_op();
  if (r < 0) {
    aspace_put(as);
    return -1;
  }

  aspace_set_heap(as, top);
  uint64 argc, sp;
  if (aspace_map(as, USTACKTOP - USTACKMAX, USTACKTOP, PROT_READ | PROT_WRITE, RK_STACK) < 0 ||
      (sp = push_args(as, argv, &argc)) == 0) {
    aspace_put(as);
    return -1;
  }
  ASPACE_CHECK(as);
  asm volatile("fence.i");

  const char *last = path, *s;
  for (s = path; *s; s++)
    if (*s == '/')
      last = s + 1;
  safestrcpy(p->name, last, sizeof(p->name));

  struct aspace *old = p->as;
  acquire(&p->lock);
  p->as = as;
  release(&p->lock);
  aspace_activate(as);
  if (old)
    aspace_put(old);

  p->trapframe->epc = entry;
  p->trapframe->sp = sp;
  p->trapframe->a1 = sp;
  return argc;  // lands in a0
}

// exec(path, argv): copy the path and argument strings into kernel pages.
uint64
sys_exec(void)
{
  char path[MAXPATH];
  char *argv[MAXARG + 1];
  uint64 uargv;
  argaddr(1, &uargv);
  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  memset(argv, 0, sizeof(argv));
  int ret = -1;
  for (int i = 0;; i++) {
    if (i > MAXARG)
      goto out;
    uint64 uarg;
    if (fetchaddr(uargv + sizeof(uint64) * i, &uarg) < 0)
      goto out;
    if (uarg == 0)
      break;
    argv[i] = kalloc();
    if (argv[i] == 0 || fetchstr(uarg, argv[i], PGSIZE) < 0)
      goto out;
  }
  ret = exec(path, argv);
out:
  for (int i = 0; i <= MAXARG && argv[i]; i++)
    kfree(argv[i]);
  return ret;
}

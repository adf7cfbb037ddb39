// exec: replace the caller's address space with a program from an ELF file.
// elf.c validates the headers into a plan; here each PT_LOAD segment becomes
// regions: demand paging (default) maps the file's bytes as a private
// mapping of its page cache and the rest of the segment as anonymous
// memory, so exec reads nothing but the headers; the eager policy
// (vmctl exec eager) reads every file page now. A page holding the end of
// one segment and the start of the next is a one-page region of its own
// (see map_seam).
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

int vm_exec_eager;  // vmctl VMCTL_EXEC_EAGER: read the whole file at exec

// Map a zeroed frame at page va and copy in the file bytes of every
// segment overlapping that page.
static int
load_page(struct aspace *as, struct inode *ip, struct elfplan *pl, vaddr_t va, int prot)
{
  paddr_t pa = aspace_fill_page(as, va, prot);
  if (pa == 0)
    return -1;
  for (int i = 0; i < pl->nseg; i++) {
    struct elfseg *s = &pl->seg[i];
    uint64 from = MAX(va, s->va);
    uint64 to = MIN(va + PGSIZE, s->va + s->filesz);
    if (from >= to)
      continue;
    char *dst = (char *)P2V(pa) + (from - va);
    if (readi(ip, dst, s->off + (from - s->va), to - from) != (int)(to - from))
      return -1;
  }
  return 0;
}

// The page holding both the end of segment i and the start of segment
// i+1, or 0 if they do not share one (page 0 is never a segment's).
static vaddr_t
seam(struct elfplan *pl, int i)
{
  if (i < 0 || i + 1 >= pl->nseg)
    return 0;
  vaddr_t last = PGROUNDDOWN(pl->seg[i].va + pl->seg[i].memsz - 1);
  return last == PGROUNDDOWN(pl->seg[i + 1].va) ? last : 0;
}

// Demand paging: [lo, hi) of segment s as a private mapping of the file
// o for the pages holding file bytes (visible length up to p_filesz: the
// rest of the last file page reads as zeros), then anonymous pages.
static int
map_lazy(struct aspace *as, struct vmobj *o, struct elfseg *s, vaddr_t lo, vaddr_t hi, int kind)
{
  uint64 fend = s->va + s->filesz;  // first address past the file bytes
  vaddr_t fhi = MIN(hi, PGROUNDUP(fend));
  if (lo < fhi) {
    uint64 off = s->off + (lo - s->va);  // page-aligned: va and off are congruent
    if (aspace_map_obj(as, lo, fhi, s->prot, kind, 0, o, off, fend - lo) < 0)
      return -1;
  }
  vaddr_t alo = MAX(lo, fhi);
  if (alo < hi && aspace_map(as, alo, hi, s->prot, kind) < 0)
    return -1;
  return 0;
}

// The pages only segment i covers become its regions: lazily mapped from o,
// or (o == 0: eager) loaded now.
static int
map_segment(struct aspace *as, struct inode *ip, struct vmobj *o, struct elfplan *pl, int i)
{
  struct elfseg *s = &pl->seg[i];
  vaddr_t lo = PGROUNDDOWN(s->va), hi = PGROUNDUP(s->va + s->memsz);
  if (seam(pl, i - 1))
    lo += PGSIZE;
  if (seam(pl, i))
    hi -= PGSIZE;
  if (lo >= hi)
    return 0;  // all of it lies in shared pages
  int kind = (s->prot & PROT_EXEC) ? RK_TEXT : RK_DATA;
  if (o)
    return map_lazy(as, o, s, lo, hi, kind);
  if (aspace_map(as, lo, hi, s->prot, kind) < 0)
    return -1;
  vaddr_t fend = MIN(hi, PGROUNDUP(s->va + s->filesz));
  for (vaddr_t va = lo; va < fend; va += PGSIZE)
    if (load_page(as, ip, pl, va, s->prot) < 0)
      return -1;
  return 0;
}

// A page shared by two (or more) segments cannot have each one's
// protection: it gets the union of theirs (e.g. r-x + rw- = rwx) and is
// a private page assembled now from the file bytes of each, in both
// policies (no single file page need hold the right bytes: each segment's
// part comes from its own offset).
static int
map_seam(struct aspace *as, struct inode *ip, struct elfplan *pl, vaddr_t page)
{
  int prot = 0;
  for (int i = 0; i < pl->nseg; i++)
    if (pl->seg[i].va < page + PGSIZE && pl->seg[i].va + pl->seg[i].memsz > page)
      prot |= pl->seg[i].prot;
  if (aspace_map(as, page, page + PGSIZE, prot, RK_DATA) < 0)
    return -1;
  return load_page(as, ip, pl, page, prot);
}

// Build the regions of plan pl in as from ip (locked): mapped from ip's
// page cache o, or with o == 0 loaded now.
static int
load_elf(struct aspace *as, struct inode *ip, struct vmobj *o, struct elfplan *pl)
{
  for (int i = 0; i < pl->nseg; i++) {
    if (map_segment(as, ip, o, pl, i) < 0)
      return -1;
    vaddr_t page = seam(pl, i);
    if (page && page != seam(pl, i - 1) && map_seam(as, ip, pl, page) < 0)
      return -1;
  }
  return 0;
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

// Open path as an executable: referenced, marked running (no writer may
// open it), its plan in *pl and its regions built in as. 0 on failure.
static struct inode *
exec_open(char *path, struct aspace *as, struct elfplan *pl)
{
  begin_op();
  struct inode *ip = namei(path);
  if (ip == 0) {
    end_op();
    return 0;
  }
  ilock(ip);
  struct vmobj *o = 0;
  int ok = ip->type == T_FILE && elf_plan(ip, pl) == 0 && inode_deny_write(ip) == 0;
  if (ok && !vm_exec_eager && (o = vmobj_get(ip)) == 0)
    ok = -1;  // denied writes: undo below
  if (ok == 1 && load_elf(as, ip, o, pl) < 0)
    ok = -1;
  if (ok == -1)
    inode_allow_write(ip);
  iunlock(ip);
  if (ok != 1) {
    iput(ip);
    ip = 0;
  }
  end_op();
  if (o)
    vmobj_put(o);  // the regions hold their own; may iput, in its own transaction
  return ip;
}

void
proc_exe_put(struct inode *ip)
{
  inode_allow_write(ip);
  begin_op();
  iput(ip);  // an unlinked program file is freed by its last runner
  end_op();
}

// Replace the current process image. argv: kernel strings. Returns argc,
// or -1 with the old image intact.
int
exec(char *path, char **argv)
{
  struct proc *p = myproc();
  struct elfplan pl;
  struct aspace *as = aspace_create();
  if (as == 0)
    return -1;
  struct inode *ip = exec_open(path, as, &pl);
  if (ip == 0) {
    aspace_put(as);
    return -1;
  }

  aspace_set_heap(as, pl.top);
  uint64 argc, sp;
  if (aspace_map(as, USTACKTOP - USTACKMAX, USTACKTOP, PROT_READ | PROT_WRITE, RK_STACK) < 0 ||
      (sp = push_args(as, argv, &argc)) == 0) {
    aspace_put(as);
    proc_exe_put(ip);
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
  struct inode *oldexe = p->exe;
  acquire(&p->lock);
  p->as = as;
  release(&p->lock);
  p->exe = ip;
  aspace_activate(as);
  if (old)
    aspace_put(old);
  if (oldexe)
    proc_exe_put(oldexe);

  p->trapframe->epc = pl.entry;
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

// Memory system calls: sbrk, mmap/munmap/mprotect/msync, the statistics calls (vmstat, procstat,
// procregions, getpids) and the vmctl policy switches. Argument checks
// and copies only: the work is aspace.c's.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "vmstat.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "vm/fault.h"
#include "fs/file.h"
#include "stat.h"
#include "fs/file.h"
#include "lib/klib.h"

extern int trap_satp;  // arch/riscv/trap.c

// sbrk(n, mode): mode 0 follows the system policy, 1 is lazy, 2 eager.
uint64
sys_sbrk(void)
{
  int n, mode;
  argint(0, &n);
  argint(1, &mode);
  int eager = mode == 2 || (mode == 0 && vm_sbrk_eager);
  vaddr_t old;
  if (aspace_sbrk(myproc()->as, n, eager, &old) < 0)
    return -1;
  return old;
}

uint64
sys_vmstat(void)
{
  uint64 addr;
  argaddr(0, &addr);
  struct vmstat st;
  memset(&st, 0, sizeof(st));
  frame_stats(&st);
  vm_fault_stats(&st);
  st.nproc = proc_count();
  st.sbrk_eager = vm_sbrk_eager;
  st.fork_copy = vm_fork_copy;
  vmobj_stats(&st);
  swap_stats(&st);
  reclaim_stats(&st);
  st.tlb_shootdowns = pmap_shootdowns();
  return copyout(addr, &st, sizeof(st));
}

uint64
sys_procstat(void)
{
  int pid;
  uint64 addr;
  argint(0, &pid);
  argaddr(1, &addr);
  struct procstat st;
  if (proc_stat(pid, &st) < 0)
    return -1;
  return copyout(addr, &st, sizeof(st));
}

// procregions(pid, info, max): regions are gathered a page-sized batch at
// a time under the address-space lock and copied out after it is dropped.
uint64
sys_procregions(void)
{
  int pid, max;
  uint64 addr;
  argint(0, &pid);
  argaddr(1, &addr);
  argint(2, &max);
  if (max < 0)
    return -1;
  struct aspace *as = proc_aspace(pid);
  if (as == 0)
    return -1;
  struct regioninfo *buf = kalloc();
  int total = 0, ret = 0;
  while (buf && total < max) {
    int want = MIN(max - total, (int)(PGSIZE / sizeof(*buf)));
    int n = aspace_regions(as, total, buf, want);
    if (n > 0 && copyout(addr + total * sizeof(*buf), buf, n * sizeof(*buf)) < 0)
      ret = -1;
    total += n;
    if (ret < 0 || n < want)
      break;
  }
  if (buf == 0)
    ret = -1;
  else
    kfree(buf);
  aspace_put(as);
  return ret < 0 ? -1 : total;
}

uint64
sys_getpids(void)
{
  uint64 addr;
  int max;
  argaddr(0, &addr);
  argint(1, &max);
  int pids[NPROC];
  if (max < 0)
    return -1;
  int n = proc_pids(pids, MIN(max, NPROC));
  if (n > 0 && copyout(addr, pids, n * sizeof(int)) < 0)
    return -1;
  return n;
}

// VMCTL_CACHE_EVICT: the pages of the caller's MAP_SHARED file regions leave
// every page table that maps them (the reverse map: other sharers too; dirty
// claims pass to the objects), so the cache clock may then take them.
static void
evict_shared_mappings(struct aspace *as)
{
  vaddr_t va = 0;
  for (;;) {
    struct vmobj *o = 0;
    uint64 first = 0, last = 0;
    acquiresleep(&as->lock);
    for (int i = region_index_locked(as, va); i < as->nregion && o == 0; i++) {
      struct region *r = as->region[i];
      va = r->end;
      if (r->obj && (r->flags & REG_SHARED)) {
        o = r->obj;
        vmobj_dup(o);
        first = r->off / PGSIZE;
        last = first + (r->end - r->start) / PGSIZE;
      }
    }
    releasesleep(&as->lock);
    if (o == 0)
      return;
    vmobj_unmap_range(o, first, last);
    vmobj_put(o);
  }
}

// vmctl(op, value): set a policy switch (value 0/1) and return the old
// value; value -1 only reads it.
uint64
sys_vmctl(void)
{
  int op, value;
  argint(0, &op);
  argint(1, &value);
  if (op == VMCTL_CACHE_DROP)
    return value == 1 ? icache_drop_pages() : value == -1 ? 0 : -1;
  if (op == VMCTL_RECLAIM)
    return value > 0 ? reclaim(value) : value == -1 ? 0 : -1;
  if (op == VMCTL_SETTLE)
    return value == 1 ? reclaim_settle() : value == -1 ? 0 : -1;
  if (op == VMCTL_FILE_FLOOR) {
    if (value == -1)
      return reclaim_file_floor();
    return value >= 0    ? reclaim_set_file_floor(value)
           : value == -2 ? reclaim_set_file_floor(-1)
                         : -1;
  }
  if (op == VMCTL_FS_CRASH)
    return log_crash_after(value);
  if (op == VMCTL_SWAP)
    return value == 0 || value == 1 || value == -1 ? swap_set(value) : -1;
  if (op == VMCTL_SWAPTEST)
    return swap_selftest(value);
  if (op == VMCTL_PAGEOUT_PID) {
    struct aspace *as = value > 0 ? proc_aspace(value) : 0;
    if (as == 0)
      return -1;
    int n = aspace_pageout_all(as);
    aspace_put(as);
    return n;
  }
  if (op == VMCTL_CACHE_RECLAIM || op == VMCTL_CACHE_EVICT) {
    if (value == -1)
      return 0;
    if (value <= 0)
      return -1;
    if (op == VMCTL_CACHE_EVICT)
      evict_shared_mappings(myproc()->as);
    return vmobj_reclaim(value, op == VMCTL_CACHE_EVICT);
  }
  int *sw;
  switch (op) {
  case VMCTL_SBRK_EAGER: sw = &vm_sbrk_eager; break;
  case VMCTL_FORK_COPY: sw = &vm_fork_copy; break;
  case VMCTL_FILE_FAULTAROUND: sw = &vm_file_faultaround; break;
  case VMCTL_TRAP_SATP: sw = &trap_satp; break;
  case VMCTL_PREZERO: sw = &vm_prezero; break;
  case VMCTL_FAULTAROUND: sw = &vm_faultaround; break;
  case VMCTL_EXEC_EAGER: sw = &vm_exec_eager; break;
  case VMCTL_PAGEOUT_BATCH: sw = &vm_pageout_batch; break;
  default: return -1;
  }
  if (sw == &vm_prezero && (value == 0 || value == 1))
    return frame_set_prezero(value);  // off also empties the pool
  int old = *sw;
  if (value == 0 || value == 1)
    *sw = value;
  else if (value != -1)
    return -1;
  return old;
}

// The object behind fd for a mapping, with a reference for the caller, and
// what the open file allows (*maxprot); 0 if fd cannot be mapped so: not a
// regular file (pipe, device, directory), not open for reading, or
// shared + PROT_WRITE on a file not open for writing.
static struct vmobj *
mmap_object(int fd, int prot, int shared, int *maxprot)
{
  struct file *f;
  if (fd < 0 || fd >= NOFILE || (f = myproc()->ofile[fd]) == 0 || f->type != FD_INODE)
    return 0;
  ilock(f->ip);
  int type = f->ip->type;
  iunlock(f->ip);
  if (type != T_FILE || !f->readable)
    return 0;  // every mapping can be read: PROT_WRITE implies PROT_READ
  *maxprot = PROT_READ | PROT_WRITE | PROT_EXEC;
  if (shared && !f->writable)
    *maxprot &= ~PROT_WRITE;
  if (prot & ~*maxprot)
    return 0;
  return vmobj_get(f->ip);
}

// mmap(addr, len, prot, flags, fd, off): MAP_FAILED (-1) on any error.
uint64
sys_mmap(void)
{
  uint64 addr, len, off;
  int prot, flags, fd;
  argaddr(0, &addr);
  argaddr(1, &len);
  argint(2, &prot);
  argint(3, &flags);
  argint(4, &fd);
  argaddr(5, &off);
  int share = flags & (MAP_SHARED | MAP_PRIVATE);
  if (len == 0 || len > MAXVA || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) ||
      (flags & ~(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS)) ||
      (share != MAP_SHARED && share != MAP_PRIVATE) || off % PGSIZE || off + len < off)
    return (uint64)MAP_FAILED;
  struct region t = {
      .prot = prot,
      .maxprot = PROT_READ | PROT_WRITE | PROT_EXEC,
      .kind = RK_MMAP,
      .flags = share == MAP_SHARED ? REG_SHARED : 0,
  };
  if (!(flags & MAP_ANONYMOUS)) {
    // No page is read now: the first touch faults it in (a page wholly
    // past end of file then kills with "beyond end of file").
    if ((t.obj = mmap_object(fd, prot, share == MAP_SHARED, &t.maxprot)) == 0)
      return (uint64)MAP_FAILED;
    t.off = off;
    t.filelen = ~0UL;  // no cap: the file's own end decides
  }
  vaddr_t va = addr;
  int err = aspace_mmap(myproc()->as, &va, PGROUNDUP(len), flags & MAP_FIXED, &t);
  if (t.obj)
    vmobj_put(t.obj);  // the region holds its own reference
  return err < 0 ? (uint64)MAP_FAILED : va;
}

uint64
sys_munmap(void)
{
  uint64 addr, len;
  argaddr(0, &addr);
  argaddr(1, &len);
  return aspace_munmap(myproc()->as, addr, len);
}

uint64
sys_madvise(void)
{
  uint64 addr, len;
  int advice;
  argaddr(0, &addr);
  argaddr(1, &len);
  argint(2, &advice);
  return aspace_madvise(myproc()->as, addr, len, advice);
}

uint64
sys_mprotect(void)
{
  uint64 addr, len;
  int prot;
  argaddr(0, &addr);
  argaddr(1, &len);
  argint(2, &prot);
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
    return -1;
  return aspace_protect(myproc()->as, addr, len, prot);
}

uint64
sys_msync(void)
{
  uint64 addr, len;
  int flags;
  argaddr(0, &addr);
  argaddr(1, &len);
  argint(2, &flags);
  if (flags != 0 && flags != MS_SYNC)
    return -1;
  return aspace_msync(myproc()->as, addr, len);
}

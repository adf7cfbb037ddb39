// Memory statistics interface: what vmstat(), procstat(), procregions() and
// vmctl() exchange with user programs. Counters only grow; totals are exact.
#ifndef LAZULI_VMSTAT_H
#define LAZULI_VMSTAT_H

#include "types.h"
#include "mman.h"
#include "memlayout.h"

// Why a page fault was served (index into fault counter arrays).
enum fault_kind {
  FK_ZERO_FILL,    // fresh zeroed private frame (lazy heap/stack/bss)
  FK_ZERO_PAGE,    // read of untouched anonymous memory: shared zero page
  FK_COW_COPY,     // write to a shared COW frame: copied
  FK_COW_REUSE,    // write to a COW frame we alone held: made writable
  FK_FILE,         // file page filled from the disk into the page cache
  FK_FILE_CACHED,  // file page found in the page cache (no I/O)
  FK_FILE_AROUND,  // cached file page mapped around a file fault (no fault of its own)
  FK_SWAP_IN,      // page read back from swap into a fresh frame
  FK_NKINDS
};

// Why a process was killed by the VM system.
enum kill_reason {
  KR_SEGV,  // no region explains the access, or protection forbids it
  KR_OOM,   // out of memory while serving a fault
  KR_BUS,   // a touch of a file page wholly past its end of file (SIGBUS)
  KR_NREASONS
};

struct vmstat {
  uint64 frames_total;        // frames managed by the allocator
  uint64 frames_free;         // frames on the free list now
  uint64 frames_shared;       // sharing now: over all data frames, the page tables
                              // mapping each beyond the first = the frames private
                              // copies would take (a frame shared once counts 1)
  uint64 zero_page_maps;      // leaf-table slots mapping the zero page now
  uint64 pt_pages;            // frames used as user page-table pages now
  uint64 faults[FK_NKINDS];   // faults served since boot, by kind
  uint64 kills[KR_NREASONS];  // processes killed since boot, by reason
  uint64 nproc;               // live processes
  uint64 sbrk_eager;          // policy: 1 if sbrk allocates at once
  uint64 fork_copy;           // policy: 1 if fork copies frames at once
  uint64 frames_zeroed;       // free frames already zeroed now (the pre-zeroed pool;
                              // they are free frames: included in frames_free)
  uint64 zeroed_max;          // the pool's bound
  uint64 zeroed_hits;         // zeroed frames taken from the pool since boot
  uint64 zeroed_misses;       // zeroed frames that had to be zeroed on demand
  uint64 prezero;             // policy: 1 if idle harts pre-zero frames
  uint64 faultaround;         // policy: 1 if anonymous fault-around is on
  uint64 fa_mapped;           // pages fault-around mapped ahead since boot
  uint64 fa_touched;          // of those, found accessed later (at the next fault,
                              // fork or exit of their address space)
  uint64 fa_lowmem;           // sequential faults that got no fault-around: low memory
  uint64 fa_reserve;          // free frames fault-around never takes (none below it)
  // The page cache (kernel/vm/object.c). Its frames are part of "used".
  uint64 cache_pages;       // frames holding cached file pages now
  uint64 cache_dirty;       // of which dirty: MAP_SHARED stores not yet written back
  uint64 cache_mapped;      // of which some page table (or a read() in progress) holds
  uint64 cache_index;       // frames used as page-cache index pages now
  uint64 cache_refs;        // references to page-cache objects now (mappings pin inodes)
  uint64 cache_fills;       // pages read from files into the cache since boot
  uint64 cache_hits;        // page lookups (read, write, faults) served from the cache
  uint64 cache_writebacks;  // dirty pages written back through the log since boot
  // Swap (kernel/vm/swap.c): slots of one page on the swap disk.
  uint64 swap_total;       // slots the swap disk holds (0: no swap disk)
  uint64 swap_used;        // slots holding a page now
  uint64 swap_ins;         // pages read from swap since boot
  uint64 swap_outs;        // pages written to swap since boot
  uint64 swap_on;          // policy: 1 if new pages may go to swap (vmctl swap on|off)
  uint64 swap_in_ns;       // time spent in page reads from swap since boot (ns)
  uint64 swap_out_ns;      // time spent in page writes to swap since boot (ns)
  uint64 swap_errors;      // swap reads and writes that failed (I/O error)
  uint64 cache_reclaimed;  // cache pages freed by the cache clock (vmobj_reclaim) since boot
  uint64 cache_written;    // of which dirty: written back through the log first
  // The reclaimer (kernel/vm/reclaim.c): since boot, except the watermarks.
  uint64 reclaim_runs;   // reclaim() runs (below LOW, after a failed fault, vmctl)
  uint64 reclaim_freed;  // frames they freed
  uint64 reclaim_cache;  // of which clean page-cache pages no page table mapped
  uint64 reclaim_file;   // of which mapped file pages the clock unmapped
  uint64 reclaim_anon;   // of which anonymous pages written to swap
  uint64 oom_kills;      // processes the OOM killer killed (the largest, or the faulter)
  uint64 low_wmark;      // free frames below which a fault reclaims first
  uint64 high_wmark;     // free frames a reclaim run aims for
  uint64 clock_young;    // pages the clock found accessed and gave a second chance
  // TLB (kernel/arch/riscv/pmap.c): since boot.
  uint64 tlb_shootdowns;  // pmap_shootdowns that had to interrupt another hart and wait
  // The reclaimer's file floor (kernel/vm/reclaim.c).
  uint64 file_floor;   // cached file pages the clock leaves mapped (= high_wmark)
  uint64 clock_floor;  // clock runs that left file pages mapped: the cache was at the floor
  // Memory size (kernel/vm/frame.c): what RAM-relative tests and benchmarks size against.
  uint64 ram_pages;  // pages of RAM (MEM=): the kernel image, frame descriptors and frames
};

// Process states as reported to user space.
enum pstate { PS_UNUSED, PS_USED, PS_SLEEPING, PS_RUNNABLE, PS_RUNNING, PS_ZOMBIE };

struct procstat {
  int pid;
  int ppid;
  int state;  // enum pstate
  char name[16];
  uint64 vsize;       // bytes covered by regions
  uint64 resident;    // user pages mapped to a frame (zero page included)
  uint64 pt_pages;    // page-table pages of this address space
  uint64 heap_start;  // heap region [heap_start, brk)
  uint64 brk;
  uint64 faults[FK_NKINDS];  // faults served for this process, by kind
  uint64 swapped;            // pages of this process on swap (swap entries in its page table)
};

#define VM_MAXREGIONS 256  // regions per address space; mmap beyond: MAP_FAILED
// mmap never places a mapping in [heap_start, heap_start + VM_HEAP_ROOM) (the
// heap's room to grow) nor above VM_MMAP_TOP (the stack's guard page).
#define VM_HEAP_ROOM (128UL << 30)
#define VM_MMAP_TOP (USTACKTOP - USTACKMAX - PGSIZE)

// Region kinds for procregions(); its protection bits are PROT_* (mman.h).
enum region_kind { RK_TEXT, RK_DATA, RK_HEAP, RK_STACK, RK_MMAP };

struct regioninfo {
  uint64 start;     // first byte
  uint64 end;       // one past the last byte
  int prot;         // PROT_* bits
  int kind;         // enum region_kind
  uint64 resident;  // pages of this region mapped to a frame
  uint32 inum;      // file regions: inode number (0: anonymous memory)
  int shared;       // 1: MAP_SHARED, 0: private
  uint64 off;       // file regions: file offset of start
  uint64 swapped;   // pages of this region on swap
};

// vmctl() operations: each sets a policy and returns the previous value,
// or with value -1 only returns the current one.
#define VMCTL_SBRK_EAGER 1  // 1: sbrk allocates and maps at once (classic)
#define VMCTL_FORK_COPY 2   // 1: fork copies every frame (classic)
#define VMCTL_TRAP_SATP 3   // 1: switch satp on every trap, like stock xv6 (bench only)
// 1 (default): idle harts keep a pool of pre-zeroed frames; 0: no pool
// (emptied), every zeroed frame is zeroed on demand.
#define VMCTL_PREZERO 7
// 1 (default): a sequential first write to anonymous memory also maps the
// next pages (fault-around); 0: one page per fault.
#define VMCTL_FAULTAROUND 5
// 1: exec reads every page of the program file at once (the classic loader);
// 0 (default): demand paging, exec maps the file and faults bring pages in.
#define VMCTL_EXEC_EAGER 4
// 1 (default): a read fault on a file page also maps up to 15 already cached
// neighbours in its aligned 16-page window (FK_FILE_AROUND); 0: one page per fault.
#define VMCTL_FILE_FAULTAROUND 6
// 8 is reserved (INTERFACES.md); 4, 5, 6 and 7 are above.
// Not a switch: value 1 drops every clean page-cache page no page table maps
// and returns how many were dropped (value -1 returns 0). The test harness
// uses it so that its frame-leak check stays exact.
#define VMCTL_CACHE_DROP 9
// Not a switch, for the crash test: value n > 0 stops the machine (QEMU
// exits with status 42) right after the commit point of the n-th next log
// commit, before its blocks reach their homes, so the next boot must replay
// the log. 0 disarms. Returns the previous count.
#define VMCTL_FS_CRASH 10
// 1: new anonymous pages may be written to swap (default when a swap disk
// is present); 0: none are (pages already on swap still come back in).
// Always 0 without a swap disk.
#define VMCTL_SWAP 11
// Not a switch, a self-test of the swap device (like VMCTL_FS_CRASH, for
// tests): value n (1..1024) takes n free slots, writes a distinct page to
// each, reads each back and compares every byte, then frees the slots;
// one page per request, or with -n (-1..-1024) 16 pages per batch call
// (up to 10 requests in flight). Returns 0 if every page came back, -1
// otherwise (also with no swap disk, swap off, or not n free slots).
#define VMCTL_SWAPTEST 13
// Not switches, for tests of the page-cache clock (kernel/vm/object.c):
// value n > 0 frees up to n cache pages no page table maps, clean ones only
// (second chance by the referenced bit), and returns how many it freed.
#define VMCTL_CACHE_RECLAIM 14
// The same after taking every mapped file page out of every page table
// (the reverse map; dirty claims pass to the files), and dirty pages too,
// written back through the log before they are freed.
#define VMCTL_CACHE_EVICT 15
// Not a switch, for tests: value n > 0 runs the reclaimer for n frames now
// and returns how many it freed (value -1 returns 0).
#define VMCTL_RECLAIM 12
// Not a switch, a hook for tests and teaching (like VMCTL_SWAPTEST):
// vmctl(VMCTL_PAGEOUT_PID, pid) pages out every eligible page of process
// pid now, as madvise(MADV_PAGEOUT) of all its regions would, even while it
// runs on another hart (which is then sent a TLB shootdown). Returns the
// pages paged out; -1 if there is no such process or no swap.
#define VMCTL_PAGEOUT_PID 16
// Not a switch, for tests of the reclaimer (whose clock pages out every
// process's pages): value 1 reads every page on swap back into memory, in
// every process (swapoff elsewhere), and returns how many (-1: out of
// memory on the way); value -1 returns 0.
#define VMCTL_SETTLE 17
// The reclaimer's file floor (kernel/vm/reclaim.c, docs/vm.md "The file
// floor"): the clock takes no mapped file page while the page cache holds
// this many pages or fewer. Value n >= 0 sets it and returns the old floor;
// -2 restores the default (the HIGH watermark); -1 only reads it.
#define VMCTL_FILE_FLOOR 18
// 1 (default): madvise(MADV_PAGEOUT) and VMCTL_PAGEOUT_PID write pages out in
// batches (up to 16 swap requests in flight, one TLB shootdown per batch);
// 0: one page at a time (the benchmark compares the two).
#define VMCTL_PAGEOUT_BATCH 19

#endif

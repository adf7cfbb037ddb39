// System call numbers. 1..21 keep xv6's numbering; Lazuli additions follow.
#ifndef LAZULI_SYSCALL_H
#define LAZULI_SYSCALL_H

#define SYS_fork 1
#define SYS_exit 2
#define SYS_wait 3
#define SYS_pipe 4
#define SYS_read 5
#define SYS_kill 6
#define SYS_exec 7
#define SYS_fstat 8
#define SYS_chdir 9
#define SYS_dup 10
#define SYS_getpid 11
#define SYS_sbrk 12
#define SYS_sleep 13
#define SYS_uptime 14
#define SYS_open 15
#define SYS_write 16
#define SYS_mknod 17
#define SYS_unlink 18
#define SYS_link 19
#define SYS_mkdir 20
#define SYS_close 21
// Lazuli additions
#define SYS_poweroff 22     // poweroff(int status)
#define SYS_vmstat 23       // vmstat(struct vmstat *)
#define SYS_procstat 24     // procstat(int pid, struct procstat *)
#define SYS_procregions 25  // procregions(int pid, struct regioninfo *, int max)
#define SYS_getpids 26      // getpids(int *pids, int max)
#define SYS_vmctl 27        // vmctl(int op, int value)
#define SYS_nanotime 28     // nanotime(void): ns since boot
#define SYS_mmap 29         // mmap(addr, len, prot, flags, fd, off)
#define SYS_munmap 30       // munmap(addr, len)
#define SYS_mprotect 31     // mprotect(addr, len, prot)
#define SYS_msync 32        // msync(addr, len, flags)
#define SYS_madvise 33      // madvise(addr, len, advice): MADV_PAGEOUT; pages paged out

#endif
